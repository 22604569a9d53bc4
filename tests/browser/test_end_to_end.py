"""One walk through the loop in a real browser, with a real worker grading in the background:
participant uploads, the page updates itself, the instructor grades and releases, the
certificate is issued and verified by someone who is not logged in."""

import json
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from courses.models import Certificate
from tests.browser.conftest import log_in
from tests.helpers import participant_notebook

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


def choose_file(page: Any, name: str, data: bytes) -> None:
    page.set_input_files(
        "input[name=notebook]",
        files=[{"name": name, "mimeType": "application/x-ipynb+json", "buffer": data}],
    )


@pytest.mark.django_db(transaction=True)
def test_from_upload_to_a_verified_certificate(
    live_server: Any,
    worker: Any,
    enrolled: Any,
    instructor: Any,
    assignment: Any,
    cohort: Any,
    new_page: Any,
) -> None:
    base = live_server.url
    page = new_page()
    log_in(page, base, "ada")

    # Home: the program with its progress bar.
    program_card = page.locator("section.program")
    expect(program_card).to_contain_text("Machine Learning in Data Science")
    expect(program_card.locator("progress")).to_have_attribute("value", "0")
    program_card.get_by_role("link", name="Machine Learning in Data Science").click()
    page.get_by_role("link", name="Squares").click()

    # The starter notebook is the release version.
    with page.expect_download() as download_info:
        page.click("#starter-download")
    starter = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    sources = "".join("".join(cell["source"]) for cell in starter["cells"])
    assert "NotImplementedError" in sources
    assert "return x * x" not in sources and "square(-4)" not in sources

    # A broken file is refused at once with a message naming what is wrong.
    choose_file(page, "broken.ipynb", b'{"cells": [')
    page.get_by_role("button", name="Upload and grade").click()
    expect(page.locator("#upload-errors")).to_contain_text("not valid JSON")

    # A good attempt: validated, then rendered and autograded while the page updates itself.
    choose_file(page, "squares.ipynb", participant_notebook())
    page.get_by_role("button", name="Upload and grade").click()
    page.wait_for_url("**/submissions/*/")
    page.evaluate("window.__samePage = true")
    expect(page.locator("#autograde-score")).to_contain_text("3 / 3", timeout=120_000)
    expect(page.locator("#notebook-frame")).to_be_visible(timeout=60_000)
    assert page.evaluate("window.__samePage") is True  # htmx swapped the region; no reload
    results = page.locator("#test-results")
    expect(results).to_contain_text("test_square_hidden")
    assert "square(-4)" not in page.content()
    expect(page.locator("#awaiting-release")).to_be_visible()
    # Scripts cannot run in the sandboxed frame, not even Playwright's, so read what it loaded.
    frame_src = page.locator("#notebook-frame").get_attribute("src")
    frame_html = page.request.get(base + frame_src).text()
    assert 'id="cell-2"' in frame_html and "square" in frame_html

    # The instructor grades the manual answer and releases.
    grader = new_page()
    log_in(grader, base, "ines")
    grader.goto(base + reverse("submissions:cohort", args=[cohort.pk]))
    grader.get_by_role("link", name="Grade", exact=True).first.click()
    grader.fill("input[name=points__explain]", "2")
    grader.fill("textarea[name=comment__explain]", "Clear argument.")
    grader.fill("textarea[name=feedback]", "Excellent work.")
    grader.get_by_role("button", name="Save review").click()
    expect(grader.locator("#review-state")).to_have_text("draft")
    grader.get_by_role("button", name="Release grade to participant").click()
    expect(grader.locator("#review-state")).to_have_text("released")

    # The participant now sees the total and the feedback.
    page.reload()
    expect(page.locator("#released-grade")).to_contain_text("5 / 5")
    expect(page.locator("#released-grade")).to_contain_text("Excellent work.")

    # Every requirement is met: the certificate is on the home page.
    page.goto(base + reverse("home"))
    certificate = Certificate.objects.get()
    page.locator(f"a[href='{reverse('courses:certificate', args=[certificate.code])}']").click()
    expect(page.locator("#certificate-code")).to_have_text(certificate.code)
    verify_url = page.locator("#verify-link").get_attribute("href")

    # Anyone can verify it without logging in; unknown codes are 404.
    visitor = new_page()
    visitor.goto(verify_url)
    expect(visitor.locator("#verification")).to_contain_text("This certificate is valid.")
    expect(visitor.locator("#holder")).to_have_text("Ada Lovelace")
    response = visitor.goto(base + reverse("verify", args=["AAAA-BBBB-CCCC"]))
    assert response is not None and response.status == 404
