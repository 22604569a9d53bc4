"""Bring your own data: data files and the data card with an attempt, access, grading, purge."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from platform.blobs import blob_name
from submissions.exceptions import DataFilesInvalid, PurgeRefused
from submissions.intake.datafiles import DataFileRejected, check_data_file, clean_name
from submissions.intake.services import DataCardInput, purge_cohort_data
from submissions.models import DataPurge, Submission, SubmissionFile
from tests.helpers import api_client, participant_notebook, submit, upload_file

CSV = b"city,visitors\nDortmund,3\nBochum,4\n"
CARD = DataCardInput(
    source="Our museum's ticket system", licence="internal use", personal_data="no"
)
ALL_TYPES = ["csv", "tsv", "parquet", "xlsx", "json", "txt", "png", "jpg", "gif"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("data.csv", "data.csv"),
        ("C:\\Users\\ada\\sales 2024.csv", None),
        ("../../etc/passwd", "passwd"),
        ("dir/visits.csv", "visits.csv"),
        (".env", None),
        ("submission.ipynb", None),
        ("x.ipynb", None),
        ("a" * 101 + ".csv", None),
        ("ok_name-1.parquet", "ok_name-1.parquet"),
    ],
)
def test_file_names_are_plain_and_never_collide_with_the_notebook(
    raw: str, expected: str | None
) -> None:
    if expected is None:
        with pytest.raises(DataFileRejected):
            clean_name(raw)
    else:
        assert clean_name(raw) == expected


@pytest.mark.parametrize(
    ("name", "head", "message"),
    [
        ("data.exe", b"MZ", "not accepted here"),
        ("data.parquet", b"a,b\n1,2", "does not look like a .parquet file"),
        ("photo.png", b"\xff\xd8\xff\xe0", "does not look like a .png file"),
        ("data.csv", b"a,b\x00\x01", "not a text file"),
        ("data.csv", b"", "is empty"),
    ],
)
def test_contents_must_match_the_extension(name: str, head: bytes, message: str) -> None:
    with pytest.raises(DataFileRejected, match=message):
        check_data_file(
            name=name, size=len(head), head=head, allowed_types=ALL_TYPES, max_bytes=1000
        )


def test_text_files_may_be_utf8_or_windows_encoded_and_cut_mid_character() -> None:
    for head in ["Köln;3\n".encode(), "Köln;3\n".encode("cp1252"), "Köln".encode()[:2]]:
        assert (
            check_data_file(
                name="a.csv", size=9, head=head, allowed_types=["csv"], max_bytes=99
            ).kind
            == "csv"
        )


def test_oversized_files_are_refused() -> None:
    with pytest.raises(DataFileRejected, match="929 KB more than the 1 MB a data file may have"):
        check_data_file(
            name="a.csv", size=2_000_000, head=b"a", allowed_types=["csv"], max_bytes=1_048_576
        )


def test_data_files_are_stored_with_their_card(
    enrolled: Any, assignment: Any, settings: Any
) -> None:
    submission = submit(
        enrolled, assignment, data_files=[upload_file(CSV, "visits.csv")], data_card=CARD
    )
    stored = submission.data_files.get()
    assert (stored.name, stored.kind, stored.size) == ("visits.csv", "csv", len(CSV))
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    assert (root / blob_name(stored.sha256)).read_bytes() == CSV
    assert submission.data_card.source == "Our museum's ticket system"


def test_identical_bytes_are_stored_once(enrolled: Any, assignment: Any, settings: Any) -> None:
    submit(enrolled, assignment, data_files=[upload_file(CSV, "a.csv")], data_card=CARD)
    submit(enrolled, assignment, data_files=[upload_file(CSV, "b.csv")], data_card=CARD)
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    [sha] = {f.sha256 for f in SubmissionFile.objects.all()}
    assert (root / blob_name(sha)).read_bytes() == CSV
    assert not list(root.rglob(".incoming-*"))


@pytest.mark.parametrize(
    ("files", "card", "message"),
    [
        ([upload_file(CSV, "a.csv")], None, "data card"),
        ([upload_file(CSV, "a.csv"), upload_file(CSV, "A.csv")], CARD, "same name"),
        ([upload_file(b"\x00\x01", "a.csv")], CARD, "not a text file"),
        ([upload_file(b"PK\x03\x04junk", "book.xlsx")], CARD, "not an Excel workbook"),
    ],
)
def test_a_refused_data_file_stores_nothing(
    enrolled: Any, assignment: Any, settings: Any, files: list[Any], card: Any, message: str
) -> None:
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    before = set(root.rglob("*"))
    with pytest.raises(DataFilesInvalid, match=message):
        submit(enrolled, assignment, data_files=files, data_card=card)
    assert not Submission.objects.exists()
    assert set(root.rglob("*")) == before


def test_the_upload_form_takes_files_and_the_card_and_shows_errors(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    client = client_for(enrolled)
    url = reverse("submissions:upload", args=[assignment.pk])
    response = client.post(
        url,
        {
            "notebook": upload_file(participant_notebook()),
            "data_files": [upload_file(CSV, "v.csv")],
        },
    )
    assert response.status_code == 400
    assert "where your data comes from" in response.content.decode()
    response = client.post(
        url,
        {
            "notebook": upload_file(participant_notebook()),
            "data_files": [upload_file(CSV, "v.csv"), upload_file(b'{"a": 1}', "meta.json")],
            "source": "Survey",
            "licence": "CC BY 4.0",
            "personal_data": "pseudonymised",
        },
    )
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert sorted(submission.data_files.values_list("name", flat=True)) == ["meta.json", "v.csv"]
    page = client.get(response["Location"]).content.decode()
    assert 'id="data-files"' in page and "CC BY 4.0" in page


def test_only_the_participant_and_the_cohorts_graders_can_download_data_files(
    enrolled: Any,
    other_enrolled: Any,
    instructor: Any,
    other_instructor: Any,
    assignment: Any,
    client_for: Any,
) -> None:
    submission = submit(
        enrolled, assignment, data_files=[upload_file(CSV, "visits.csv")], data_card=CARD
    )
    url = reverse("submissions:data-file", args=[submission.pk, submission.data_files.get().pk])
    response = client_for(enrolled).get(url)
    assert b"".join(response.streaming_content) == CSV
    assert response["Content-Disposition"] == 'attachment; filename="visits.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(instructor).get(url).status_code == 200
    assert client_for(other_enrolled).get(url).status_code == 404
    assert client_for(other_instructor).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


@pytest.mark.slow
def test_the_grading_kernel_reads_the_data_file_beside_the_notebook(
    enrolled: Any, assignment: Any, django_capture_on_commit_callbacks: Any
) -> None:
    body = (
        "    return x * x\n"
        "import pathlib\n"
        "assert pathlib.Path('visits.csv').read_bytes() == " + repr(CSV) + "\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(
            enrolled,
            assignment,
            notebook=participant_notebook(body),
            data_files=[upload_file(CSV, "visits.csv")],
            data_card=CARD,
        )
    run = submission.grading_runs.get()
    assert run.status == "graded", run.error
    assert run.autograded_points == 3


def finish(cohort: Any) -> None:
    cohort.starts_on = dt.date(2025, 1, 1)
    cohort.ends_on = dt.date(2025, 6, 30)
    cohort.save(update_fields=["starts_on", "ends_on"])


def test_a_coordinator_purges_a_finished_cohorts_data_with_an_audit_record(
    enrolled: Any,
    assignment: Any,
    cohort: Any,
    coordinator: Any,
    client_for: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    submission = submit(
        enrolled, assignment, data_files=[upload_file(CSV, "visits.csv")], data_card=CARD
    )
    data_file = submission.data_files.get()
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    finish(cohort)
    with django_capture_on_commit_callbacks(execute=True):
        purge = purge_cohort_data(
            actor=coordinator, cohort=cohort, reason="Cohort ended, retention over"
        )
    assert (purge.files, purge.bytes_removed, purge.actor) == (1, len(CSV), coordinator)
    data_file.refresh_from_db()
    assert data_file.purged_at is not None
    assert not (root / blob_name(data_file.sha256)).exists()
    assert (root / blob_name(submission.notebook_sha256)).exists()  # notebooks stay
    response = client_for(enrolled).get(
        reverse("submissions:data-file", args=[submission.pk, data_file.pk])
    )
    assert response.status_code == 410
    assert "was removed" in response.content.decode()


def test_a_purge_is_refused_before_the_cohort_ends_or_for_non_coordinators(
    enrolled: Any, assignment: Any, cohort: Any, coordinator: Any, instructor: Any
) -> None:
    submit(enrolled, assignment, data_files=[upload_file(CSV, "visits.csv")], data_card=CARD)
    with pytest.raises(PurgeRefused, match="once the cohort has ended"):
        purge_cohort_data(actor=coordinator, cohort=cohort, reason="x")
    finish(cohort)
    with pytest.raises(PurgeRefused, match="Only coordinators"):
        purge_cohort_data(actor=instructor, cohort=cohort, reason="x")
    assert not DataPurge.objects.exists()


def test_the_purge_page_is_for_coordinators_only(
    cohort: Any, coordinator: Any, instructor: Any, enrolled: Any, client_for: Any
) -> None:
    url = reverse("submissions:purge-data", args=[cohort.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(enrolled).get(url).status_code == 404
    assert client_for(instructor).get(url).status_code == 404
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(coordinator).put(url).status_code == 405
    response = client_for(coordinator).post(url, {"reason": "end", "confirm": "on"})
    assert response.status_code == 400  # the cohort has not ended
    assert "once the cohort has ended" in response.content.decode()


def test_the_api_takes_data_files_and_serves_notebook_rendering_and_files(
    enrolled: Any,
    other_enrolled: Any,
    assignment: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    client = api_client(enrolled)
    url = reverse("submissions-api:upload", args=[assignment.pk])
    notebook_bytes = participant_notebook()
    refused = client.post(
        url,
        {
            "notebook": upload_file(participant_notebook()),
            "data_files": [upload_file(CSV, "v.csv")],
        },
        format="multipart",
    )
    assert refused.status_code == 400 and "source" in refused.json()
    created = client.post(
        url,
        {
            "notebook": upload_file(notebook_bytes),
            "data_files": [upload_file(CSV, "v.csv")],
            "source": "survey",
            "licence": "CC0",
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert [f["name"] for f in body["data_files"]] == ["v.csv"]
    assert client.get(body["rendered_url"]).status_code == 202  # not rendered yet (no worker ran)
    notebook = client.get(body["notebook_url"])
    assert b"".join(notebook.streaming_content) == notebook_bytes
    data = client.get(body["data_files"][0]["url"])
    assert b"".join(data.streaming_content) == CSV
    assert api_client(other_enrolled).get(body["data_files"][0]["url"]).status_code == 404
    assert api_client(other_enrolled).get(body["rendered_url"]).status_code == 404

    submission = Submission.objects.get()
    from submissions.models import RenderedNotebook
    from submissions.tasks import render_notebook

    render_notebook.call(
        RenderedNotebook.objects.get(notebook_sha256=submission.notebook_sha256).pk
    )
    rendered = client.get(body["rendered_url"])
    assert rendered.status_code == 200
    assert 'id="cell-2"' in rendered.content.decode()
    assert "sandbox" in rendered["Content-Security-Policy"]
