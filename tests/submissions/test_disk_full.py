"""Fault drill: the disk fills up while an upload is written (docs/operations.md, "Fault
drills"). The participant is told clearly, and nothing is half-stored: no attempt row, no
partial blob, no attempt used."""

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from courses.models import Assignment
from platform.models import User
from submissions.models import Submission
from tests.helpers import participant_notebook, upload_file


def _private_files() -> list[Path]:
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def disk_full_mid_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """The blob writer's file gets a few bytes, then the disk is full."""
    real_fdopen = os.fdopen

    class FillingUp:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> "FillingUp":
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[:10])
            self.handle.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.handle, name)

    monkeypatch.setattr(
        "platform.blobs.os.fdopen", lambda fd, mode: FillingUp(real_fdopen(fd, mode))
    )


def test_a_full_disk_during_an_upload_is_a_clear_error_and_stores_nothing(
    client_for: Any, enrolled: User, assignment: Assignment, disk_full_mid_write: None
) -> None:
    before = _private_files()  # the assignment's own notebooks
    response = client_for(enrolled).post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook())},
    )
    assert response.status_code == 400
    assert (
        "could not be stored because the server has a storage problem" in response.content.decode()
    )
    assert not Submission.objects.exists()
    assert _private_files() == before  # not even the partial temporary file


def test_the_api_upload_says_so_too(
    enrolled: User, assignment: Assignment, disk_full_mid_write: None
) -> None:
    from tests.helpers import api_client

    before = _private_files()
    response = api_client(enrolled).post(
        reverse("submissions-api:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook())},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert "storage problem" in response.content.decode()
    assert not Submission.objects.exists()
    assert _private_files() == before
