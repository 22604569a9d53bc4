"""The privacy actions: record an access to someone's files, request, build, hand out and
expire a data export, and prune the access log (docs/privacy.md)."""

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from platform.models import DataExport, FileAccess, User

if TYPE_CHECKING:
    from submissions.models import Submission

logger = logging.getLogger(__name__)


class ExportAlreadyRunning(Exception):
    """The person's previous export is still being prepared (one at a time)."""


def record_access(
    accessor: User, submission: "Submission", what: str, *, files: Iterable[str] = ()
) -> None:
    """Log that ``accessor`` downloaded files of ``submission``; the owner's own downloads are
    not logged (the log answers "who else opened my files")."""
    if accessor.pk == submission.participant_id:
        return
    FileAccess.objects.create(
        owner_id=submission.participant_id,
        accessor=accessor,
        accessor_name=accessor.full_name,
        submission=submission,
        what=what,
        files=list(files),
    )


def record_zip_access(accessor: User, contents: Iterable[tuple["Submission", list[str]]]) -> None:
    """A zip export of several people's submissions: one row per submission, naming its files."""
    FileAccess.objects.bulk_create(
        FileAccess(
            owner_id=submission.participant_id,
            accessor=accessor,
            accessor_name=accessor.full_name,
            submission=submission,
            what=FileAccess.What.ZIP_EXPORT,
            files=files,
        )
        for submission, files in contents
        if submission.participant_id != accessor.pk
    )


def request_export(*, user: User) -> DataExport:
    """Record the request and queue the worker's build; refused while one is being prepared."""
    from platform.privacy.tasks import build_data_export

    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=user)
    except IntegrityError as error:
        raise ExportAlreadyRunning from error
    transaction.on_commit(lambda: build_data_export.enqueue(export.pk))
    return export


def build_export(export_id: int) -> str:
    """Build a requested export (the worker's task); idempotent for a finished one."""
    from platform.privacy.export import build_archive

    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return "skipped"
    try:
        sha256, size = build_archive(export.user)
    except Exception as error:
        logger.exception("data export %s failed", export_id)
        export.status = DataExport.Status.FAILED
        export.error = f"{type(error).__name__}: {error}"
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        return export.status
    export.sha256 = sha256
    export.size = size
    export.status = DataExport.Status.READY
    export.finished_at = timezone.now()
    export.expires_at = export.finished_at + dt.timedelta(days=settings.DATA_EXPORT_DAYS)
    export.save(update_fields=["sha256", "size", "status", "finished_at", "expires_at"])
    return export.status


def record_export_download(export: DataExport) -> None:
    DataExport.objects.filter(pk=export.pk).update(
        download_count=F("download_count") + 1, last_downloaded_at=timezone.now()
    )


def expire_exports() -> int:
    """Drop the archives of exports past their offer; the orphan sweep deletes the bytes
    (submissions/orphans.py lists ``DataExport.sha256``). The rows stay as the record."""
    return DataExport.objects.expired().update(status=DataExport.Status.EXPIRED, sha256="")


def prune_access_log() -> int:
    cutoff = timezone.now() - dt.timedelta(days=settings.ACCESS_LOG_DAYS)
    deleted, _ = FileAccess.objects.filter(at__lt=cutoff).delete()
    return deleted
