"""A participant walks through a two-notebook assignment in a real browser, a real worker
grading in the background: the release as one zip with the course CSV one notebook reads, the
assignment folder handed back in as a zip (its course file left out, with a notice), each
notebook's results and rendered notebook (docs/grading.md, "Multi-notebook assignments";
docs/course-files.md, "Assignments of several notebooks")."""

import zipfile
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.helpers import (
    SQUARES_CSV,
    publish_two_notebooks_with_a_course_csv,
    release_notebooks,
    zipped_folder,
)
from tests.nbgrader_builders import edited

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_participant_hands_in_a_two_notebook_folder_with_a_course_csv_and_sees_the_results(
    live_server: Any, worker: Any, enrolled: Any, module: Any, cohort: Any, new_page: Any
) -> None:
    assignment = publish_two_notebooks_with_a_course_csv(module)
    base = live_server.url
    page = new_page()
    log_in(page, base, "ada")
    page.goto(base + reverse("submissions:assignment", args=[assignment.pk]))

    # The release as one zip: the assignment's folder with both notebooks and the course CSV.
    expect(page.locator("#release-notebooks")).to_contain_text("2 notebooks")
    expect(page.locator("#course-files")).to_contain_text("data/squares.csv")
    with page.expect_download() as download_info:
        page.click("#release-zip-download")
    with zipfile.ZipFile(download_info.value.path()) as archive:
        assert sorted(archive.namelist()) == [
            "data/squares.csv",
            "problem1.ipynb",
            "problem2.ipynb",
        ]
        released = {name: archive.read(name) for name in archive.namelist()}
    assert released == release_notebooks(assignment) | {"data/squares.csv": SQUARES_CSV}

    # One notebook alone is refused with what to do instead.
    page.set_input_files(
        "input[name=notebook]",
        files=[{"name": "problem1.ipynb", "mimeType": "application/json", "buffer": b"{}"}],
    )
    page.get_by_role("button", name="Upload and grade").click()
    expect(page.locator("#upload-errors")).to_contain_text("as one zip")

    # The folder, problem1 (which checks square against the CSV) right and problem2 wrong, as
    # the zip nbgrader users know, with the course CSV still in it.
    handed_in = {
        "data/squares.csv": released["data/squares.csv"],
        "problem1.ipynb": edited(
            released["problem1.ipynb"], square="def square(x):\n    return x * x"
        ),
        "problem2.ipynb": edited(released["problem2.ipynb"], cube="def cube(x):\n    return 0"),
    }
    page.set_input_files(
        "input[name=notebook]",
        files=[
            {
                "name": "ps1.zip",
                "mimeType": "application/zip",
                "buffer": zipped_folder(handed_in).read(),
            }
        ],
    )
    page.get_by_role("button", name="Upload and grade").click()
    page.wait_for_url("**/submissions/*/")
    expect(page.get_by_text("Left out of your zip")).to_contain_text("ps1/data/squares.csv")

    # Points add up over the notebooks; each notebook has its own results and frame.
    expect(page.locator("#autograde-score")).to_contain_text("2 / 5", timeout=120_000)
    expect(page.locator("#results-problem1")).to_contain_text("2 / 2")
    expect(page.locator("#results-problem2")).to_contain_text("0 / 3")
    expect(page.locator("tr[data-grade-id='problem2/test']")).to_contain_text("failed")
    frames = page.locator("iframe.notebook-frame")
    expect(frames).to_have_count(2, timeout=60_000)
    second = frames.nth(1).get_attribute("src")
    assert second is not None and second.endswith("?notebook=1")
    assert "cube" in page.request.get(base + second).text()
