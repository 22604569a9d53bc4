"""A participant's export: requested on the profile page or by API, built by the worker, holds
everything about them and nothing of another participant, only they can download it, and it
expires."""

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from platform.models import DataExport, User
from platform.privacy.services import expire_exports
from platform.privacy.tasks import build_data_export
from platform.schedule import load_jobs
from submissions.orphans import sweep_orphan_blobs
from tests.helpers import api_client, log_in
from tests.platform.privacy.conftest import Work

REQUEST = reverse("privacy:export-request")


def built_export(user: User, django_capture_on_commit_callbacks: Any) -> DataExport:
    client = log_in(Client(), user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REQUEST)
    assert response.status_code == 302
    export = DataExport.objects.get(user=user)
    assert export.status == DataExport.Status.READY, export.error
    return export


def download(user: User, export: DataExport) -> Any:
    return log_in(Client(), user).get(reverse("privacy:export-download", args=[export.pk]))


def archive_of(response: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_worker_builds_an_archive_with_everything_about_the_person(
    work: Work, django_capture_on_commit_callbacks: Any
) -> None:
    export = built_export(work.participant, django_capture_on_commit_callbacks)

    response = download(work.participant, export)

    assert response.status_code == 200
    archive = archive_of(response)
    index = json.loads(archive.read("index.json"))
    records = index["records"]
    assert records["profile"][0]["email"] == "ada@example.org"
    assert "password" not in records["profile"][0]
    assert [r["id"] for r in records["submissions"]] == [work.submission.pk]
    assert len(records["enrolments"]) == 1
    assert len(records["data_files"]) == 1
    assert records["data_cards"][0]["source"] == "ada survey"
    assert records["reviews"][0]["grader_id"] == work.instructor.pk
    assert records["reviews"][0]["feedback"] == "Good."
    assert records["review_scores"][0]["comment"] == "comment for ada"
    assert len(records["certificates"]) == 1
    assert len(records["grades"]) == 1
    assert records["notifications"]
    paths = {entry["path"] for entry in index["files"]}
    assert paths == set(archive.namelist()) - {"index.json", "summary.txt"} - {
        f"records/{section}.json" for section in records
    }
    data = next(p for p in paths if p.endswith("/data/ada-points.csv"))
    assert archive.read(data) == b"ada-secret-row\n"
    notebook = next(p for p in paths if p.endswith(".ipynb"))
    assert json.loads(archive.read(notebook))["cells"]
    credential = next(p for p in paths if p.startswith("files/certificates/"))
    assert "proof" in json.loads(archive.read(credential))
    assert "Submissions: 1" in archive.read("summary.txt").decode()


def test_it_holds_nothing_of_another_participant(
    work: Work, django_capture_on_commit_callbacks: Any
) -> None:
    export = built_export(work.participant, django_capture_on_commit_callbacks)

    archive = archive_of(download(work.participant, export))

    everything = b"".join(archive.read(name) for name in archive.namelist())
    for trace in (b"grace", b"Grace", b"Hopper", b"grace@example.org", b"grace-row"):
        assert trace not in everything, trace
    index = json.loads(archive.read("index.json"))
    assert work.other_submission.pk not in [r["id"] for r in index["records"]["submissions"]]


def test_the_summary_is_in_the_persons_language(
    work: Work, django_capture_on_commit_callbacks: Any
) -> None:
    work.participant.preferred_language = "de"
    work.participant.save(update_fields=["preferred_language"])
    export = built_export(work.participant, django_capture_on_commit_callbacks)

    summary = archive_of(download(work.participant, export)).read("summary.txt").decode()

    assert "Alles, was die Plattform über Sie gespeichert hat" in summary
    assert "Abgaben: 1" in summary


def test_only_the_person_can_download_it(
    work: Work, django_capture_on_commit_callbacks: Any
) -> None:
    export = built_export(work.participant, django_capture_on_commit_callbacks)

    assert download(work.other, export).status_code == 404
    assert download(work.instructor, export).status_code == 404
    assert (
        api_client(work.other)
        .get(reverse("privacy-api:export-download", args=[export.pk]))
        .status_code
        == 404
    )
    anonymous = Client().get(reverse("privacy:export-download", args=[export.pk]))
    assert anonymous.status_code == 302


def test_the_downloads_are_recorded(work: Work, django_capture_on_commit_callbacks: Any) -> None:
    export = built_export(work.participant, django_capture_on_commit_callbacks)

    download(work.participant, export)
    download(work.participant, export)

    export.refresh_from_db()
    assert export.download_count == 2
    assert export.last_downloaded_at is not None


def test_one_export_is_prepared_at_a_time(work: Work) -> None:
    client = log_in(Client(), work.participant)
    client.post(REQUEST)  # its task waits for the commit a test never makes

    response = client.post(REQUEST, follow=True)

    assert DataExport.objects.filter(user=work.participant).count() == 1
    assert "still being prepared" in response.content.decode()


def test_the_request_needs_a_post(work: Work) -> None:
    assert log_in(Client(), work.participant).get(REQUEST).status_code == 405
    assert Client().post(REQUEST).status_code == 302
    assert not DataExport.objects.exists()


def test_the_api_requests_lists_and_downloads(
    work: Work, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(work.participant)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(reverse("privacy-api:exports"))
    assert created.status_code == 201
    again = client.post(reverse("privacy-api:exports"))
    listed = client.get(reverse("privacy-api:exports")).json()

    assert again.status_code == 201  # the first one is ready, so a new one may start
    assert listed[-1]["status"] == "ready"
    response = client.get(reverse("privacy-api:export-download", args=[created.json()["id"]]))
    assert response.status_code == 200
    assert "index.json" in archive_of(response).namelist()


def test_the_api_refuses_a_second_while_one_is_prepared(work: Work) -> None:
    client = api_client(work.participant)
    client.post(reverse("privacy-api:exports"))

    assert client.post(reverse("privacy-api:exports")).status_code == 409


def test_an_expired_export_is_gone_and_its_archive_swept(
    work: Work, django_capture_on_commit_callbacks: Any, settings: Any, monkeypatch: Any
) -> None:
    export = built_export(work.participant, django_capture_on_commit_callbacks)
    assert "expire-data-exports" in load_jobs()
    DataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert expire_exports() == 1

    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert export.sha256 == ""
    assert download(work.participant, export).status_code == 410
    monkeypatch.setattr("submissions.orphans.MIN_AGE", dt.timedelta(0))
    assert export.requested_at  # the row stays as the record of the request
    assert sweep_orphan_blobs()  # the archive's bytes go with the orphans


def test_a_ready_export_keeps_its_archive_until_it_expires(
    work: Work, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.DATA_EXPORT_DAYS = 3
    export = built_export(work.participant, django_capture_on_commit_callbacks)

    assert expire_exports() == 0
    assert export.expires_at is not None
    assert export.expires_at - export.finished_at == dt.timedelta(days=3)  # type: ignore[operator]


def test_the_profile_page_offers_the_export(
    work: Work, django_capture_on_commit_callbacks: Any
) -> None:
    export = built_export(work.participant, django_capture_on_commit_callbacks)

    page = log_in(Client(), work.participant).get(reverse("profile")).content.decode()

    assert reverse("privacy:export-download", args=[export.pk]) in page
    assert reverse("privacy:access-log") in page


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_profile_section_is_translated(work: Work, language: str) -> None:
    client = log_in(Client(), work.participant)
    page = client.get(reverse("profile"), headers={"accept-language": language}).content.decode()

    assert {"en": "Your data", "de": "Ihre Daten"}[language] in page


def test_a_failed_build_is_recorded(work: Work, monkeypatch: Any) -> None:
    export = DataExport.objects.create(user=work.participant)

    def broken(user: User) -> tuple[str, int]:
        raise OSError("disk full")

    monkeypatch.setattr("platform.privacy.export.build_archive", broken)
    build_data_export.call(export.pk)

    export.refresh_from_db()
    assert export.status == DataExport.Status.FAILED
    assert "disk full" in export.error
