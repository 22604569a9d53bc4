"""State changes of intake: a new attempt (notebook and data files, validated before anything is
stored) and a coordinator's purge of a finished cohort's data files (docs/architecture.md)."""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.exceptions import CoursesError
from courses.models import Assignment, Cohort, Deadline, Enrollment
from courses.nbgrader_import import folder_in_archive
from courses.services import record_hand_in
from platform.blobs import delete_blob, put_bytes, put_file, read_blob
from platform.models import User
from submissions import tasks
from submissions.exceptions import (
    AssignmentClosed,
    AttemptsExhausted,
    DataFilesInvalid,
    NotebookInvalid,
    PurgeRefused,
    StorageUnavailable,
)
from submissions.intake.datafiles import (
    DataFileCheck,
    DataFileRejected,
    check_data_file,
    read_head,
    xlsx_is_workbook,
)
from submissions.intake.notebooks import (
    IntakeLimits,
    NotebookRejected,
    ValidatedNotebook,
    check_size,
    check_unique_grade_ids,
    validate_notebook,
)
from submissions.models import (
    DataCard,
    DataPurge,
    DraftNotebook,
    Submission,
    SubmissionFile,
    SubmissionNotebook,
)
from submissions.orphans import referenced_blobs
from submissions.reviewing import allocation
from submissions.services import queue_grading, request_rendering

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataCardInput:
    source: str
    licence: str
    personal_data: str = DataCard.PersonalData.NO
    notes: str = ""

    @classmethod
    def from_upload(cls, data: Mapping[str, Any]) -> "DataCardInput | None":
        """The card from validated form or API fields; none when no data files come along."""
        if not data.get("data_files"):
            return None
        return cls(
            source=data["source"],
            licence=data["licence"],
            personal_data=data.get("personal_data") or DataCard.PersonalData.NO,
            notes=data.get("notes", ""),
        )


def submit_attempt(
    *,
    participant: User,
    enrollment: Enrollment,
    assignment: Assignment,
    upload: "UploadedFile[bytes]",
    data_files: Sequence["UploadedFile[bytes]"] = (),
    data_card: DataCardInput | None = None,
) -> Submission:
    """Validate and store an uploaded notebook (and data files) as a new attempt, then queue
    grading and rendering. For an assignment of several notebooks ``upload`` is the zipped
    assignment folder holding all of them (docs/grading.md, "Multi-notebook assignments");
    its files that are the version's course files are left out and named in the returned
    attempt's ``left_out_course_files``, for the caller to say so.

    Validation is synchronous and cheap, so a broken file is refused at once with a message that
    names what is wrong; nothing is stored unless everything is accepted. The bytes are stored
    (content-addressed) before the rows that name them.
    """
    deadline = _open_deadline(assignment, enrollment)
    limits = tasks.intake_limits()
    expected = [notebook.name for notebook in assignment.notebook_set()]
    ignored: list[str] = []
    if len(expected) == 1:
        notebooks = [(upload.name or "notebook.ipynb", *_read_one(upload, limits))]
    else:
        notebooks, ignored = _handed_in_folder(upload, assignment, expected, limits)
    submission = _store_attempt(
        participant=participant,
        enrollment=enrollment,
        assignment=assignment,
        deadline=deadline,
        notebooks=notebooks,
        filename=(upload.name or "notebook.ipynb")[:255],
        data_files=data_files,
        data_card=data_card,
    )
    submission.left_out_course_files = ignored
    return submission


def _open_deadline(assignment: Assignment, enrollment: Enrollment) -> Deadline:
    """The participant's deadline, refused (``AssignmentClosed``) before the assignment opens
    and after their cut-off."""
    if not assignment.is_open():
        raise AssignmentClosed(_("This assignment is not open for uploads yet."))
    deadline = assignment.deadline_for(enrollment)
    if deadline.is_closed(timezone.now()):
        closed = timezone.localtime(deadline.cutoff_at).strftime("%Y-%m-%d %H:%M")
        raise AssignmentClosed(
            _(
                "The cut-off for this assignment was %(closed)s; uploads are no longer accepted. "
                "Ask your instructor for an extension if you need one."
            )
            % {"closed": closed}
        )
    return deadline


def _read_one(
    upload: "UploadedFile[bytes]", limits: IntakeLimits
) -> tuple[bytes, ValidatedNotebook]:
    """One uploaded notebook, size-checked before a byte is read, then validated."""
    try:
        if upload.size is not None:
            check_size(upload.size, limits)  # before reading a byte of it
        raw = upload.read(limits.max_bytes + 1)
        return raw, _validated(raw, limits)
    except NotebookRejected as rejection:
        raise NotebookInvalid(rejection.message, cell=rejection.cell) from rejection


def _store_attempt(
    *,
    participant: User,
    enrollment: Enrollment,
    assignment: Assignment,
    deadline: Deadline,
    notebooks: list[tuple[str, bytes, ValidatedNotebook]],
    filename: str,
    data_files: Sequence["UploadedFile[bytes]"],
    data_card: DataCardInput | None,
) -> Submission:
    """Store validated notebooks (and the data files, checked here) as a new attempt."""
    checked = _check_data_files(assignment, data_files, data_card)
    # Every refusal comes before the first blob is written: a refused upload stores nothing.
    # The attempt count is checked again under the insert below (two uploads may race for the
    # last attempt); the loser of that race leaves blobs no row names, which the orphan sweep
    # removes after an hour (submissions/orphans.py).
    _next_attempt_no(assignment=assignment, participant=participant)
    try:
        notebook_shas = [put_bytes(raw) for _name, raw, _validated_nb in notebooks]
        stored = [(check, *put_file(upload)) for check, upload in checked]
    except OSError as error:
        # A failed write leaves no partial blob (platform/blobs.py) and no row yet; a blob
        # written completely before it is an orphan the sweep removes after an hour.
        logger.error("could not store an upload's bytes: %s", error)
        raise StorageUnavailable(
            _(
                "Your upload could not be stored because the server has a storage problem. "
                "Nothing was saved and no attempt was used. Please try again in a few minutes; "
                "if it keeps failing, tell your program office."
            )
        ) from error
    late = deadline.late_seconds(timezone.now())

    for _retry in range(3):
        try:
            with transaction.atomic():
                submission = _create_attempt(
                    participant=participant,
                    enrollment=enrollment,
                    assignment=assignment,
                    notebooks=[
                        (name, sha, len(raw))
                        for (name, raw, _nb), sha in zip(notebooks, notebook_shas, strict=True)
                    ],
                    filename=filename,
                    language=notebooks[0][2].language,
                    late_seconds=late,
                )
                SubmissionFile.objects.bulk_create(
                    SubmissionFile(
                        submission=submission, name=c.name, kind=c.kind, sha256=sha, size=size
                    )
                    for c, sha, size in stored
                )
                if data_card is not None and stored:
                    DataCard.objects.create(submission=submission, **asdict(data_card))
                break
        except IntegrityError:
            # Two uploads of the same participant raced for the same attempt number; retry.
            continue
    else:
        raise AttemptsExhausted(_("Too many uploads at the same moment; please try again."))
    return submission


def put_draft_notebook(
    *,
    participant: User,
    enrollment: Enrollment,
    assignment: Assignment,
    upload: "UploadedFile[bytes]",
) -> DraftNotebook:
    """Put one notebook of a multi-notebook assignment into the participant's draft (replacing
    the one of the same name), validated as an upload is. The draft is no attempt: nothing is
    graded or counted, and no grader sees it, until ``hand_in_draft``."""
    _open_deadline(assignment, enrollment)
    expected = [notebook.name for notebook in assignment.notebook_set()]
    if len(expected) == 1:
        raise NotebookInvalid(_("This assignment has one notebook: upload it as an attempt."))
    name = upload.name or ""
    if name not in expected:
        raise NotebookInvalid(
            _("“%(name)s” is not a notebook of this assignment; its notebooks are %(names)s.")
            % {"name": name[:100], "names": ", ".join(expected)}
        )
    raw, _notebook = _read_one(upload, tasks.intake_limits())
    draft, _created = DraftNotebook.objects.update_or_create(
        assignment=assignment,
        participant=participant,
        name=name,
        defaults={"sha256": put_bytes(raw), "size": len(raw), "uploaded_at": timezone.now()},
    )
    return draft


def hand_in_draft(
    *,
    participant: User,
    enrollment: Enrollment,
    assignment: Assignment,
    data_files: Sequence["UploadedFile[bytes]"] = (),
    data_card: DataCardInput | None = None,
) -> Submission:
    """Hand in the participant's draft as one attempt with all the assignment's notebooks (and
    data files), checked as ``submit_attempt`` checks an upload; the draft is then gone. A draft
    without every notebook is refused, naming the missing ones, and stays as it is."""
    deadline = _open_deadline(assignment, enrollment)
    expected = [notebook.name for notebook in assignment.notebook_set()]
    drafts = {
        d.name: d
        for d in DraftNotebook.objects.filter(assignment=assignment, participant=participant)
    }
    missing = [name for name in expected if name not in drafts]
    if missing:
        raise NotebookInvalid(
            _("Your draft lacks %(names)s; add them before you hand it in.")
            % {"names": ", ".join(missing)}
        )
    limits = tasks.intake_limits()
    notebooks = _validated_set({name: read_blob(drafts[name].sha256) for name in expected}, limits)
    with transaction.atomic():
        submission = _store_attempt(
            participant=participant,
            enrollment=enrollment,
            assignment=assignment,
            deadline=deadline,
            notebooks=notebooks,
            filename=", ".join(expected)[:255],
            data_files=data_files,
            data_card=data_card,
        )
        DraftNotebook.objects.filter(pk__in=[d.pk for d in drafts.values()]).delete()
    return submission


def _validated(raw: bytes, limits: IntakeLimits) -> ValidatedNotebook:
    validated = validate_notebook(raw, limits)
    check_unique_grade_ids(validated.nb)
    return validated


def _handed_in_folder(
    upload: "UploadedFile[bytes]", assignment: Assignment, expected: list[str], limits: IntakeLimits
) -> tuple[list[tuple[str, bytes, ValidatedNotebook]], list[str]]:
    """The notebooks of a multi-notebook attempt from the zipped assignment folder, in the
    assignment's order, each validated as a single upload is; every one must be there and no
    other notebook. The folder's other files are refused (they are uploaded as data files), so
    nothing handed in is dropped without a word, except the assignment's own course files
    (same path in the folder): a participant who zips the release folder hands them back, and
    they are left out and returned for the caller to say so (docs/course-files.md)."""
    names = ", ".join(expected)
    if not (upload.name or "").lower().endswith(".zip"):
        raise NotebookInvalid(
            _(
                "This assignment has %(n)s notebooks (%(names)s): upload the assignment folder "
                "with all of them as one zip."
            )
            % {"n": len(expected), "names": names}
        )
    course_files = {f.path: f.size for f in assignment.course_files()}
    max_bytes = limits.max_bytes * len(expected) + sum(course_files.values())
    if upload.size is not None and upload.size > max_bytes:
        raise NotebookInvalid(_("This zip is too large."))
    try:
        folder = folder_in_archive(upload.read(max_bytes + 1), max_notebook_bytes=limits.max_bytes)
    except CoursesError as error:
        raise NotebookInvalid(error.message) from error
    found = dict(folder.notebooks)
    missing = [name for name in expected if name not in found]
    unknown = [name for name in found if name not in expected]
    if missing or unknown:
        raise NotebookInvalid(
            _(
                "The zip must hold exactly this assignment's notebooks (%(names)s). Missing: "
                "%(missing)s. Not part of the assignment: %(unknown)s."
            )
            % {
                "names": names,
                "missing": ", ".join(missing) or "—",
                "unknown": ", ".join(unknown) or "—",
            }
        )
    ignored = [name for name in folder.other_files if folder.in_folder(name) in course_files]
    refused = [name for name in folder.other_files if name not in ignored]
    if refused:
        raise NotebookInvalid(
            _(
                "The zip may hold the notebooks only; upload your data files in the data files "
                "field: %(files)s"
            )
            % {"files": ", ".join(refused)}
        )
    return _validated_set({name: found[name] for name in expected}, limits), ignored


def _validated_set(
    notebooks: dict[str, bytes], limits: IntakeLimits
) -> list[tuple[str, bytes, ValidatedNotebook]]:
    """Each notebook of a multi-notebook attempt validated as an upload is; a refusal names
    the notebook."""
    checked = []
    for name, raw in notebooks.items():
        try:
            checked.append((name, raw, _validated(raw, limits)))
        except NotebookRejected as rejection:
            raise NotebookInvalid(f"{name}: {rejection.message}", cell=rejection.cell) from None
    return checked


def _check_data_files(
    assignment: Assignment,
    uploads: Sequence["UploadedFile[bytes]"],
    card: DataCardInput | None,
) -> list[tuple[DataFileCheck, "UploadedFile[bytes]"]]:
    if not uploads:
        return []
    if len(uploads) > assignment.settings.max_data_files:
        raise DataFilesInvalid(
            ngettext(
                "At most %(n)d data file per attempt.",
                "At most %(n)d data files per attempt.",
                assignment.settings.max_data_files,
            )
            % {"n": assignment.settings.max_data_files}
        )
    if card is None or not card.source.strip() or not card.licence.strip():
        raise DataFilesInvalid(
            _(
                "Please fill in the data card (where the data comes from and its licence) "
                "when you upload data files."
            )
        )
    checked = []
    for upload in uploads:
        try:
            check = check_data_file(
                name=upload.name or "",
                size=upload.size or 0,
                head=read_head(upload),
                allowed_types=assignment.settings.data_file_types,
                max_bytes=assignment.settings.max_data_file_bytes,
            )
        except DataFileRejected as rejection:
            raise DataFilesInvalid(rejection.message) from rejection
        if check.kind == "xlsx" and not xlsx_is_workbook(upload):
            raise DataFilesInvalid(_("“%(name)s” is not an Excel workbook.") % {"name": check.name})
        checked.append((check, upload))
    names = [c.name.lower() for c, _upload in checked]
    if len(set(names)) != len(names):
        raise DataFilesInvalid(_("Two data files have the same name; rename one of them."))
    return checked


def _next_attempt_no(*, assignment: Assignment, participant: User) -> int:
    """The number the participant's next attempt gets; AttemptsExhausted when none is left."""
    used = (
        Submission.objects.filter(assignment=assignment, participant=participant).aggregate(
            last=Max("attempt_no")
        )["last"]
        or 0
    )
    if used >= assignment.max_attempts:
        # One wording for every number (the English "all 1 attempts" is what tests pin); the
        # German says it without agreeing with the number.
        raise AttemptsExhausted(
            _("You have used all %(n)s attempts for this assignment.")
            % {"n": assignment.max_attempts}
        )
    return int(used) + 1


def _create_attempt(
    *,
    participant: User,
    enrollment: Enrollment,
    assignment: Assignment,
    notebooks: list[tuple[str, str, int]],
    filename: str,
    language: str,
    late_seconds: int,
) -> Submission:
    """``notebooks``: (name, sha256, size) of each; one for a single-notebook assignment, whose
    attempt has no ``SubmissionNotebook`` rows. A multi-notebook attempt's own notebook fields
    name its first notebook and the total size (docs/grading.md)."""
    submission = Submission.objects.create(
        assignment=assignment,
        assignment_version=assignment.live_version(),
        enrollment=enrollment,
        participant=participant,
        attempt_no=_next_attempt_no(assignment=assignment, participant=participant),
        notebook_sha256=notebooks[0][1],
        size=sum(size for _name, _sha, size in notebooks),
        notebook_count=len(notebooks),
        original_filename=filename,
        kernel_language=language,
        late_seconds=late_seconds,
    )
    if len(notebooks) > 1:
        SubmissionNotebook.objects.bulk_create(
            SubmissionNotebook(
                submission=submission, name=name, position=position, sha256=sha, size=size
            )
            for position, (name, sha, size) in enumerate(notebooks)
        )
    queue_grading(submission=submission)
    for _name, sha, _size in notebooks:
        request_rendering(notebook_sha256=sha)
    allocation.allocate_participant(enrollment)
    # The work is in: the participant's checklist now says "pending review", not "missing".
    record_hand_in(enrollment=enrollment, assignment=assignment)
    return submission


@transaction.atomic
def purge_cohort_data(*, actor: User, cohort: Cohort, reason: str) -> DataPurge:
    """Delete the bytes of every data file of a finished cohort, keeping an audit record.

    Rows stay (with ``purged_at``) so the record of what existed survives; blobs are removed
    after commit, and only when no live row (``submissions.orphans.BLOB_FIELDS``) still names them.
    """
    if not actor.is_coordinator:
        raise PurgeRefused(_("Only coordinators can purge data files."))
    if cohort.ends_on >= timezone.localdate():
        raise PurgeRefused(_("Data files can be purged once the cohort has ended."))
    if not reason.strip():
        raise PurgeRefused(_("Please give a reason for the purge."))
    files = list(
        SubmissionFile.objects.select_for_update().filter(
            submission__enrollment__cohort=cohort, purged_at__isnull=True
        )
    )
    now = timezone.now()
    SubmissionFile.objects.filter(pk__in=[f.pk for f in files]).update(purged_at=now)
    purge = DataPurge.objects.create(
        cohort=cohort,
        actor=actor,
        reason=reason.strip(),
        files=len(files),
        bytes_removed=sum(f.size for f in files),
    )
    candidates = {f.sha256 for f in files}
    doomed = candidates - referenced_blobs(candidates)

    def delete_doomed() -> None:
        for sha in doomed:
            delete_blob(sha)

    transaction.on_commit(delete_doomed)
    return purge
