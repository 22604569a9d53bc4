"""Refused uploads store nothing; blobs that no row names are swept once they are an hour old."""

import datetime as dt
import io
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone

from courses.models import Application
from platform.blobs import blob_name, put_bytes, sweep_orphans
from platform.models import DataExport, PrivacyNotice
from submissions.exceptions import AssignmentClosed, AttemptsExhausted, NotebookInvalid
from submissions.intake.services import DataCardInput, put_draft_notebook
from submissions.management.commands.grading_worker import Command as WorkerCommand
from submissions.models import PublishCheck, RenderedNotebook, Submission, SubmissionFile
from submissions.orphans import BLOB_FIELDS, sweep_orphan_blobs
from submissions.publishing.course_files import attach_course_files, store_course_files
from tests.helpers import (
    api_client,
    participant_notebook,
    publish_two_notebooks,
    release_notebooks,
    submit,
    upload_file,
    zipped_folder,
)

CSV = b"city,visitors\nDortmund,3\n"
CARD = DataCardInput(source="the museum", licence="internal use")
TWO_HOURS_AGO = time.time() - 2 * 3600


def stored_files(settings: Any) -> set[Path]:
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    return {p for p in root.rglob("*") if p.is_file()}


def blob_file(settings: Any, sha256: str) -> Path:
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"]) / blob_name(sha256)


def make_old(*paths: Path) -> None:
    for path in paths:
        os.utime(path, (TWO_HOURS_AGO, TWO_HOURS_AGO))


def submit_with_data(user: Any, assignment: Any, notebook: bytes | None = None) -> Submission:
    """An upload with a data file, so that every kind of blob is written."""
    return submit(
        user,
        assignment,
        notebook=notebook,
        data_files=[upload_file(CSV, "visits.csv")],
        data_card=CARD,
    )


def test_an_upload_refused_for_lack_of_attempts_stores_no_blob(
    enrolled: Any, assignment: Any, settings: Any
) -> None:
    assignment.max_attempts = 1
    assignment.save(update_fields=["max_attempts"])
    submit_with_data(enrolled, assignment)
    before = stored_files(settings)
    for body in ["    return x ** 2", "    return x * x * 1", "    return abs(x) ** 2"]:
        with pytest.raises(AttemptsExhausted):
            submit_with_data(enrolled, assignment, participant_notebook(body))
    assert stored_files(settings) == before
    assert Submission.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"opens_at": timezone.now() + dt.timedelta(days=1)}, AssignmentClosed),
        (
            {
                "due_at": timezone.now() - dt.timedelta(days=2),
                "cutoff_at": timezone.now() - dt.timedelta(days=1),
            },
            AssignmentClosed,
        ),
    ],
)
def test_an_upload_refused_for_its_dates_stores_no_blob(
    enrolled: Any, assignment: Any, settings: Any, change: dict[str, Any], error: type
) -> None:
    type(assignment).objects.filter(pk=assignment.pk).update(**change)
    assignment.refresh_from_db()
    before = stored_files(settings)
    with pytest.raises(error):
        submit_with_data(enrolled, assignment)
    assert stored_files(settings) == before


def test_an_invalid_notebook_stores_no_blob(enrolled: Any, assignment: Any, settings: Any) -> None:
    before = stored_files(settings)
    with pytest.raises(NotebookInvalid):
        submit_with_data(enrolled, assignment, b'{"cells": "no"}')
    assert stored_files(settings) == before


def test_refused_uploads_through_the_page_and_the_api_store_no_blob(
    enrolled: Any, assignment: Any, settings: Any, client_for: Any
) -> None:
    assignment.max_attempts = 1
    assignment.save(update_fields=["max_attempts"])
    submit_with_data(enrolled, assignment)
    before = stored_files(settings)
    page = client_for(enrolled).post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook("    return x ** 2"))},
    )
    api = api_client(enrolled).post(
        f"/api/v1/assignments/{assignment.pk}/submissions/",
        {"notebook": upload_file(participant_notebook("    return x * x * 1"))},
        format="multipart",
    )
    assert (page.status_code, api.status_code) == (400, 400)
    assert stored_files(settings) == before


def build_every_kind_of_reference(enrolled: Any, assignment: Any) -> None:
    """A row for every column of ``BLOB_FIELDS``: assignment with a course file, publish
    check, attempt with a data file, a rendered notebook, an application with an
    attachment, and a participant's data export."""
    submission = submit_with_data(enrolled, assignment)
    # A multi-notebook assignment and an attempt at it: its notebooks are rows of their own.
    ps1 = publish_two_notebooks(assignment.module)
    submit(enrolled, ps1, notebook=zipped_folder(release_notebooks(ps1)))
    # A notebook in a draft of the next attempt (no attempt yet).
    put_draft_notebook(
        participant=enrolled,
        enrollment=enrolled.enrollments.get(),
        assignment=ps1,
        upload=upload_file(release_notebooks(ps1)["problem2.ipynb"], "problem2.ipynb"),
    )
    attach_course_files(
        version=assignment.versions.get(number=1),
        files=store_course_files([("data/course.csv", b"a,b\n1,2\n")]),
    )
    PublishCheck.objects.create(assignment=assignment, source_sha256=assignment.source_sha256)
    RenderedNotebook.objects.filter(notebook_sha256=submission.notebook_sha256).update(
        html_sha256=put_bytes(b"<p>rendered</p>")
    )
    notice = PrivacyNotice.objects.current()
    assert notice is not None
    Application.objects.create(
        cohort=enrolled.enrollments.get().cohort,
        full_name="Ada Applicant",
        email="applicant@example.com",
        language="en",
        motivation="To learn.",
        attachment_sha256=put_bytes(b"%PDF-1.4 a CV"),
        attachment_name="cv.pdf",
        privacy_notice=notice,
        consented_at=timezone.now(),
    )
    DataExport.objects.create(
        user=enrolled, status=DataExport.Status.READY, sha256=put_bytes(b"PK an export")
    )


def test_the_sweep_deletes_an_old_orphan_and_keeps_young_orphans_and_every_referenced_blob(
    enrolled: Any, assignment: Any, settings: Any
) -> None:
    build_every_kind_of_reference(enrolled, assignment)
    referenced: set[str] = set()
    for model, column, live in BLOB_FIELDS:
        values = set(model._default_manager.filter(live).values_list(column, flat=True))
        assert values - {""}, f"no {model.__name__}.{column} to test with"
        referenced |= values - {""}
    make_old(*stored_files(settings))
    old_orphan = put_bytes(b"refused long ago")
    young_orphan = put_bytes(b"an upload on its way to its row")
    make_old(blob_file(settings, old_orphan))

    deleted = sweep_orphan_blobs()

    assert deleted == [old_orphan]
    assert not blob_file(settings, old_orphan).exists()
    assert blob_file(settings, young_orphan).exists()
    for sha256 in referenced:
        assert blob_file(settings, sha256).exists(), sha256


def test_a_purged_data_file_does_not_keep_its_blob(
    enrolled: Any, assignment: Any, settings: Any
) -> None:
    submission = submit_with_data(enrolled, assignment)
    data_file = submission.data_files.get()
    SubmissionFile.objects.filter(pk=data_file.pk).update(purged_at=timezone.now())
    make_old(*stored_files(settings))
    assert sweep_orphan_blobs() == [data_file.sha256]
    assert blob_file(settings, submission.notebook_sha256).exists()


def test_writing_the_bytes_of_an_old_orphan_again_saves_it_from_the_sweep(settings: Any) -> None:
    sha256 = put_bytes(b"same bytes")
    make_old(blob_file(settings, sha256))
    assert put_bytes(b"same bytes") == sha256
    assert sweep_orphans(referenced=lambda _candidates: set(), min_age=dt.timedelta(hours=1)) == []
    assert blob_file(settings, sha256).exists()


def test_crashed_writes_are_removed_after_an_hour_too(settings: Any) -> None:
    sha256 = put_bytes(b"x")
    leftover = blob_file(settings, sha256).with_name(".incoming-abc")
    young = blob_file(settings, sha256).with_name(".incoming-def")
    leftover.write_bytes(b"half")
    young.write_bytes(b"half")
    make_old(leftover)
    sweep_orphans(referenced=lambda candidates: candidates, min_age=dt.timedelta(hours=1))
    assert (leftover.exists(), young.exists(), blob_file(settings, sha256).exists()) == (
        False,
        True,
        True,
    )


def test_every_column_that_holds_a_blob_is_known_to_the_sweep() -> None:
    known = {(model, column) for model, column, _live in BLOB_FIELDS}
    for model in apps.get_models():
        if model._meta.app_label not in {"platform", "courses", "submissions"}:
            continue
        for field in model._meta.get_fields():
            assert not isinstance(field, models.FileField), f"{model.__name__}.{field.name}"
            if field.name.endswith("sha256"):
                assert (model, field.name) in known, f"{model.__name__}.{field.name}"


def test_the_command_and_the_worker_run_the_sweep(
    enrolled: Any, assignment: Any, settings: Any
) -> None:
    first, second = put_bytes(b"orphan one"), put_bytes(b"orphan two")
    make_old(blob_file(settings, first), blob_file(settings, second))
    call_command("purge_orphan_blobs", stdout=io.StringIO())
    assert not blob_file(settings, first).exists()

    third = put_bytes(b"orphan three")
    make_old(blob_file(settings, third))
    stop = threading.Event()
    stop.set()  # one sweep, then the thread's loop ends
    WorkerCommand()._sweep_blobs(stop)
    assert not blob_file(settings, third).exists()
