"""Who opened my files: a download by anyone but the owner is logged, the owner sees the log,
and old rows are pruned."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from platform.models import FileAccess
from platform.privacy.services import prune_access_log
from platform.schedule import load_jobs
from submissions.models import RenderedNotebook
from submissions.tasks import render_notebook
from tests.helpers import api_client, log_in
from tests.platform.privacy.conftest import Work

LOG = reverse("privacy:access-log")


def grader_get(work: Work, name: str, *args: int) -> Any:
    return log_in(Client(), work.instructor).get(reverse(name, args=args))


def test_a_graders_notebook_download_is_logged_for_the_owner(work: Work) -> None:
    assert grader_get(work, "submissions:download", work.submission.pk).status_code == 200

    entry = FileAccess.objects.get()
    assert entry.owner == work.participant
    assert entry.accessor == work.instructor
    assert entry.accessor_name == "Ines Instructor"
    assert entry.submission == work.submission
    assert entry.what == FileAccess.What.NOTEBOOK


def test_a_graders_data_file_download_names_the_file(work: Work) -> None:
    data_file = work.submission.data_files.get()

    grader_get(work, "submissions:data-file", work.submission.pk, data_file.pk)

    assert FileAccess.objects.get().files == ["ada-points.csv"]


def test_the_api_downloads_are_logged(work: Work) -> None:
    client = api_client(work.instructor)
    data_file = work.submission.data_files.get()
    render_notebook.call(
        RenderedNotebook.objects.get(notebook_sha256=work.submission.notebook_sha256).pk
    )

    client.get(reverse("submissions-api:notebook", args=[work.submission.pk]))
    client.get(reverse("submissions-api:data-file", args=[work.submission.pk, data_file.pk]))
    client.get(reverse("submissions-api:rendered", args=[work.submission.pk]))

    assert sorted(FileAccess.objects.values_list("what", flat=True)) == [
        "data_file",
        "notebook",
        "rendered",
    ]


def test_the_rendered_notebook_is_logged_when_a_grader_opens_it(work: Work) -> None:
    render_notebook.call(
        RenderedNotebook.objects.get(notebook_sha256=work.submission.notebook_sha256).pk
    )

    grader_get(work, "submissions:notebook", work.submission.pk)

    assert FileAccess.objects.get().what == FileAccess.What.RENDERED


def test_the_owners_own_downloads_are_not_logged(work: Work) -> None:
    client = log_in(Client(), work.participant)
    data_file = work.submission.data_files.get()

    client.get(reverse("submissions:download", args=[work.submission.pk]))
    client.get(reverse("submissions:data-file", args=[work.submission.pk, data_file.pk]))

    assert not FileAccess.objects.exists()


def test_a_zip_export_is_one_row_per_exported_submission(work: Work) -> None:
    response = grader_get(work, "submissions:export-zip", work.assignment.pk)
    b"".join(response.streaming_content)

    rows = {row.owner: row for row in FileAccess.objects.all()}
    assert set(rows) == {work.participant, work.other}
    assert rows[work.participant].what == FileAccess.What.ZIP_EXPORT
    assert rows[work.participant].files == ["squares.ipynb", "ada-points.csv"]
    assert rows[work.other].files == ["squares.ipynb", "grace-points.csv"]


def test_the_owner_sees_who_opened_their_files(work: Work) -> None:
    grader_get(work, "submissions:download", work.submission.pk)

    page = log_in(Client(), work.participant).get(LOG)

    assert page.status_code == 200
    assert "Ines Instructor" in page.content.decode()


def test_another_participant_does_not_see_the_owners_log(work: Work) -> None:
    grader_get(work, "submissions:download", work.submission.pk)

    page = log_in(Client(), work.other).get(LOG).content.decode()

    assert "Ines Instructor" not in page
    assert 'id="access-log-empty"' in page


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Who opened my files"), ("de", "Wer meine Dateien")]
)
def test_the_log_page_is_translated(work: Work, language: str, heading: str) -> None:
    page = log_in(Client(), work.participant).get(LOG, headers={"accept-language": language})

    assert heading in page.content.decode()


def test_the_log_page_needs_a_login_and_a_get(work: Work) -> None:
    assert Client().get(LOG).status_code == 302
    assert log_in(Client(), work.participant).post(LOG).status_code == 405


def test_the_log_page_costs_the_same_queries_for_more_rows(
    work: Work, django_assert_num_queries: Any
) -> None:
    client = log_in(Client(), work.participant)
    data_file = work.submission.data_files.get().pk
    grader_get(work, "submissions:download", work.submission.pk)
    with CaptureQueriesContext(connection) as one_row:
        client.get(LOG)
    queries = len(one_row)
    for _ in range(5):
        grader_get(work, "submissions:data-file", work.submission.pk, data_file)

    with django_assert_num_queries(queries):
        response = client.get(LOG)

    assert response.content.decode().count("<tr data-what=") == 6


def test_old_entries_are_pruned(work: Work, settings: Any) -> None:
    settings.ACCESS_LOG_DAYS = 30
    grader_get(work, "submissions:download", work.submission.pk)
    grader_get(work, "submissions:download", work.submission.pk)
    old = FileAccess.objects.first()
    assert old is not None
    FileAccess.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=31))

    assert "prune-access-log" in load_jobs()
    assert prune_access_log() == 1
    assert FileAccess.objects.count() == 1
