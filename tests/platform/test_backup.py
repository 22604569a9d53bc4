"""``manage.py backup`` and ``restore`` (``platform/backup``; docs/operations.md, "Backup and
restore"): a backup restored into a fresh empty database and blob store brings back every
submission, rendered notebook, grade and certificate, and the certificate still verifies.
Runs on SQLite and (in CI's PostgreSQL step) on PostgreSQL with ``pg_dump``/``pg_restore``."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from courses.certificates.credentials import keys
from courses.certificates.credentials.build import issue_credential
from courses.certificates.credentials.verify import verify_credential
from courses.models import Assignment, Certificate, Grade
from platform.backup import COUNTED_MODELS
from platform.blobs import put_bytes, read_blob, sha256_of
from platform.models import User
from submissions.models import RenderedNotebook, Submission
from submissions.services import request_rendering
from tests.courses.certificates.credentials.issuer_setup import SITE, TEST_KEY
from tests.helpers import graded, release, submit

pytestmark = pytest.mark.django_db(transaction=True)

HTML = b"<html><body>rendered</body></html>"


@pytest.fixture(autouse=True)
def _issuer(settings: Any) -> Iterator[None]:
    settings.SITE_URL = SITE
    settings.CERTIFICATE_SIGNING_KEY = TEST_KEY
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "grading", "rendering"],
        }
    }
    keys._load_key.cache_clear()
    yield
    keys._load_key.cache_clear()


@pytest.fixture
def history(enrolled: User, instructor: User, assignment: Assignment) -> Submission:
    """A graded, released attempt with its rendered notebook, and the certificate it earned."""
    submission = graded(submit(enrolled, assignment))
    release(instructor, submission)
    rendered = request_rendering(notebook_sha256=submission.notebook_sha256)
    rendered.status = RenderedNotebook.Status.OK
    rendered.html_sha256 = put_bytes(HTML)
    rendered.save(update_fields=["status", "html_sha256"])
    assert Certificate.objects.filter(user=enrolled).exists()
    return submission


def _wipe_database() -> None:
    """Make the test database a fresh, empty one (no tables), as a new installation's is."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'DROP TABLE "{table}"')
            cursor.execute("PRAGMA foreign_keys = ON")


def _empty_blob_store(settings: Any, root: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {"location": root, "base_url": None},
        },
    }


def test_a_restored_backup_has_every_submission_grade_and_verifiable_certificate(
    history: Submission, settings: Any, tmp_path: Path
) -> None:
    before = {
        "notebook": read_blob(history.notebook_sha256),
        "grade": Grade.objects.values_list("points", flat=True).get(),
        "certificate": Certificate.objects.get().code,
    }
    call_command("backup", output=tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor
    assert manifest["counts"]["submissions.Submission"] == 1
    assert manifest["counts"]["courses.Certificate"] == 1
    assert set(manifest["counts"]) == set(COUNTED_MODELS)
    assert "submissions" in manifest["migrations"]
    for sha256 in (history.notebook_sha256, sha256_of(HTML)):
        entry = manifest["files"][f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"]
        assert entry["sha256"] == sha256

    _wipe_database()
    _empty_blob_store(settings, tmp_path / "fresh-private")
    call_command("restore", input=tmp_path / "backup")

    submission = Submission.objects.get()
    assert read_blob(submission.notebook_sha256) == before["notebook"]
    rendered = RenderedNotebook.objects.get(notebook_sha256=submission.notebook_sha256)
    assert read_blob(rendered.html_sha256) == HTML
    assert Grade.objects.values_list("points", flat=True).get() == before["grade"]
    certificate = Certificate.objects.select_related("program__institution").get()
    assert certificate.code == before["certificate"]
    status = Client().get(reverse("certificates:status", args=[certificate.code]))
    assert json.loads(status.content)["valid"] is True
    assert verify_credential(json.dumps(issue_credential(certificate))).valid


def test_restore_refuses_a_database_that_is_not_empty(
    history: Submission, settings: Any, tmp_path: Path
) -> None:
    call_command("backup", output=tmp_path / "backup")
    _empty_blob_store(settings, tmp_path / "fresh-private")
    with pytest.raises(CommandError, match="database is not empty"):
        call_command("restore", input=tmp_path / "backup")
    assert not (tmp_path / "fresh-private").exists()


def test_restore_refuses_a_blob_store_that_is_not_empty(
    history: Submission, tmp_path: Path
) -> None:
    call_command("backup", output=tmp_path / "backup")
    _wipe_database()
    with pytest.raises(CommandError, match="blob store .* is not empty"):
        call_command("restore", input=tmp_path / "backup")
    assert not connection.introspection.table_names()
    call_command("migrate", verbosity=0)  # for the test database's teardown


@pytest.mark.parametrize("damage", ["corrupt blob", "missing blob", "corrupt database"])
def test_a_corrupt_or_incomplete_backup_restores_nothing(
    damage: str, history: Submission, settings: Any, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    call_command("backup", output=backup)
    blob = next(p for p in (backup / "blobs").rglob("*") if p.is_file())
    if damage == "corrupt blob":
        blob.write_bytes(b"not what was stored")
    elif damage == "missing blob":
        blob.unlink()
    else:
        database = next(p for p in backup.iterdir() if p.name.startswith("database."))
        database.write_bytes(database.read_bytes()[:-100] + b"x" * 100)
    _wipe_database()
    _empty_blob_store(settings, tmp_path / "fresh-private")
    with pytest.raises(CommandError, match="corrupt or incomplete") as error:
        call_command("restore", input=backup)
    assert ("missing" if damage == "missing blob" else "SHA-256 differs") in str(error.value)
    assert not connection.introspection.table_names()
    assert not any(p.is_file() for p in (tmp_path / "fresh-private").rglob("*"))
    call_command("migrate", verbosity=0)


def test_a_directory_without_a_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / "backup").mkdir()
    with pytest.raises(CommandError, match="no manifest.json"):
        call_command("restore", input=tmp_path / "backup")


def test_backup_refuses_a_directory_that_is_not_empty(history: Submission, tmp_path: Path) -> None:
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "old").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", output=tmp_path / "backup")
    shutil.rmtree(tmp_path / "backup")
