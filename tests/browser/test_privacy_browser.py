"""A participant's data export in a real browser: request it on the profile page, wait for the
worker, download it and open its index.json; the access log page in German and English, each
with no axe violations and usable by keyboard."""

import json
import zipfile
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from platform.models import DataExport
from platform.privacy.services import record_access
from submissions.models import Submission
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe_violations
from tests.helpers import submit

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_a_participant_requests_waits_for_and_downloads_their_export(
    live_server: Any, enrolled: Any, assignment: Any, new_page: Any, tmp_path: Any
) -> None:
    # Tasks run on commit (tests/conftest.py): the request's commit runs the worker's build.
    base = live_server.url
    submission: Submission = submit(enrolled, assignment)
    page = new_page()
    log_in(page, base, "ada")
    page.goto(base + reverse("profile"))

    page.get_by_role("button", name="Prepare a download of my data").click()
    page.reload()  # the participant comes back later, as the message asks
    link = page.locator("#data-exports a.export-download")
    expect(link).to_be_visible()
    assert not axe_violations(page)
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "export.zip"
    download.value.save_as(path)

    with zipfile.ZipFile(path) as archive:
        index = json.loads(archive.read("index.json"))
        assert [r["id"] for r in index["records"]["submissions"]] == [submission.pk]
        for entry in index["files"]:
            assert archive.getinfo(entry["path"]).file_size == entry["size"]

    # Once it has expired, the link answers a page saying so.
    DataExport.objects.update(expires_at=timezone.now())
    expired = DataExport.objects.get()
    response = page.goto(base + reverse("privacy:export-download", args=[expired.pk]))
    assert response is not None and response.status == 410
    expect(page.locator("h1")).to_have_text("Export not available")
    assert not axe_violations(page)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("locale", "heading", "what"),
    [("en-GB", "Who opened my files", "notebook"), ("de-DE", "Wer meine Dateien", "Notebook")],
)
def test_the_owner_reads_who_opened_their_files_by_keyboard(
    live_server: Any,
    enrolled: Any,
    instructor: Any,
    assignment: Any,
    new_page: Any,
    locale: str,
    heading: str,
    what: str,
) -> None:
    base = live_server.url
    record_access(instructor, submit(enrolled, assignment), "notebook")
    page = new_page(locale=locale)
    log_in(page, base, "ada")
    page.goto(base + reverse("profile"))

    page.locator("#profile-access-log").focus()
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator("#access-log tbody tr")).to_have_count(1)
    expect(page.locator("#access-log tbody")).to_contain_text("Ines Instructor")
    expect(page.locator("#access-log tbody")).to_contain_text(what)
    assert not axe_violations(page)
    page.set_viewport_size({"width": 640, "height": 400})  # 200 % zoom of a 1280 px window
    assert not axe_violations(page)
