"""Which rows name a blob, and the sweep of blobs that none names (docs/operations.md).

Blobs are written before the rows that name them (``platform/blobs.py``), so an upload that
loses a race for its last attempt, a crash, or a deleted row can leave bytes nobody refers to.
The worker sweeps them every ``SWEEP_PERIOD``; ``manage.py purge_orphan_blobs`` does it by hand.
A blob younger than ``MIN_AGE`` is never deleted: its upload may still be on its way to the row.

``BLOB_FIELDS`` is the one list of every column that holds a blob's SHA-256, across both apps
(``tests/submissions/test_orphan_blobs.py`` fails when a model gains one that is not listed).
"""

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Model, Q

from courses.models import (
    Application,
    Assignment,
    AssignmentFile,
    AssignmentNotebook,
    AssignmentVersion,
)
from platform.blobs import sweep_orphans
from platform.models import DataExport
from submissions.models import (
    DraftNotebook,
    PublishCheck,
    RenderedNotebook,
    Submission,
    SubmissionFile,
    SubmissionNotebook,
)

MIN_AGE = timedelta(hours=1)
SWEEP_PERIOD = timedelta(minutes=15)

# (model, column, which rows count). A purged data file keeps its row as a record, not its
# bytes (data minimisation), so it does not keep a blob alive.
BLOB_FIELDS: tuple[tuple[type[Model], str, Q], ...] = (
    (Assignment, "source_sha256", Q()),
    (Assignment, "release_sha256", Q()),
    (Assignment, "grading_sha256", Q()),
    # Every version of a notebook is kept: attempts are graded again against their own.
    (AssignmentVersion, "source_sha256", Q()),
    (AssignmentVersion, "release_sha256", Q()),
    (AssignmentVersion, "grading_sha256", Q()),
    (AssignmentNotebook, "source_sha256", Q()),
    (AssignmentNotebook, "release_sha256", Q()),
    (AssignmentNotebook, "grading_sha256", Q()),
    (AssignmentFile, "sha256", Q()),  # course files, kept with their version
    (PublishCheck, "source_sha256", Q()),
    (Submission, "notebook_sha256", Q()),
    (SubmissionNotebook, "sha256", Q()),
    (DraftNotebook, "sha256", Q()),
    (SubmissionFile, "sha256", Q(purged_at__isnull=True)),
    (RenderedNotebook, "notebook_sha256", Q()),
    (RenderedNotebook, "html_sha256", Q()),
    (Application, "attachment_sha256", ~Q(attachment_sha256="")),
    # A data export's archive lives until the export expires (platform/privacy).
    (DataExport, "sha256", ~Q(sha256="")),
)


def referenced_blobs(candidates: Iterable[str]) -> set[str]:
    """The SHA-256s among ``candidates`` that some live row names."""
    wanted = set(candidates)
    found: set[str] = set()
    for model, column, live in BLOB_FIELDS:
        if not wanted - found:
            break
        found.update(
            model._default_manager.filter(live, **{f"{column}__in": wanted - found}).values_list(
                column, flat=True
            )
        )
    return found & wanted


def sweep_orphan_blobs() -> list[str]:
    """Delete the blobs no row names that are older than ``MIN_AGE``; return their SHA-256s."""
    return sweep_orphans(referenced=referenced_blobs, min_age=MIN_AGE)
