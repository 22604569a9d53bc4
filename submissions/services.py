"""State changes of the submissions app. Views, API, commands, tasks and tests all call these."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses import plain_i18n
from courses.access import assignment_manager_refusal
from courses.certificates.services import frozen_message
from courses.exceptions import AssignmentExists, PublishError
from courses.exceptions import GradesFrozen as CoursesGradesFrozen
from courses.late import LatePolicy, LateResult, apply_late_policy
from courses.models import (
    Assignment,
    AssignmentVersion,
    Cohort,
    Deadline,
    Enrollment,
    Extension,
    Grade,
    GradeFreeze,
    Module,
)
from courses.nbgrader_import import SourceNotebook, grouped
from courses.services import (
    draft_assignment_version,
    record_hand_in,
    record_released_grade,
    start_version_check,
)
from courses.services import publish_assignment as publish_courses_assignment
from platform.blobs import delete_blob, put_bytes, put_file
from platform.models import User
from platform.text_limits import COMMENT_CHARS, FEEDBACK_CHARS
from submissions import tasks
from submissions.datafiles import (
    DataFileCheck,
    DataFileRejected,
    check_data_file,
    read_head,
    xlsx_is_workbook,
)
from submissions.exceptions import (
    AssignmentClosed,
    AssignmentOutOfReach,
    AttemptsExhausted,
    DataFilesInvalid,
    ExtensionInvalid,
    ExtensionRevoked,
    GradesFrozen,
    LatePolicyInvalid,
    NotebookInvalid,
    PurgeRefused,
    ReviewInvalid,
)
from submissions.grading import GradingReport
from submissions.models import (
    AssignmentSettings,
    DataCard,
    DataPurge,
    GradeEvent,
    GradingRun,
    PublishCheck,
    RenderedNotebook,
    Review,
    ReviewScore,
    Submission,
    SubmissionFile,
    TestOverride,
    TestResult,
)
from submissions.notebooks import NotebookRejected, check_size, validate_notebook
from submissions.notifications import notify_release
from submissions.orphans import referenced_blobs
from submissions.rendering import RENDERER_VERSION
from submissions.reviewing import allocation, leases


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
    grading and rendering.

    Validation is synchronous and cheap, so a broken file is refused at once with a message that
    names what is wrong; nothing is stored unless everything is accepted. The bytes are stored
    (content-addressed) before the rows that name them.
    """
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
    limits = tasks.intake_limits()
    try:
        if upload.size is not None:
            check_size(upload.size, limits)  # before reading a byte of it
        raw = upload.read(limits.max_bytes + 1)
        validated = validate_notebook(raw, limits)
    except NotebookRejected as rejection:
        raise NotebookInvalid(rejection.message, cell=rejection.cell) from rejection
    checked = _check_data_files(assignment, data_files, data_card)
    # Every refusal comes before the first blob is written: a refused upload stores nothing.
    # The attempt count is checked again under the insert below (two uploads may race for the
    # last attempt); the loser of that race leaves blobs no row names, which the orphan sweep
    # removes after an hour (submissions/orphans.py).
    _next_attempt_no(assignment=assignment, participant=participant)
    notebook_sha = put_bytes(raw)
    stored = [(check, *put_file(upload)) for check, upload in checked]
    late = deadline.late_seconds(timezone.now())

    for _retry in range(3):
        try:
            with transaction.atomic():
                submission = _create_attempt(
                    participant=participant,
                    enrollment=enrollment,
                    assignment=assignment,
                    notebook_sha=notebook_sha,
                    size=len(raw),
                    filename=(upload.name or "notebook.ipynb")[:255],
                    language=validated.language,
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
    notebook_sha: str,
    size: int,
    filename: str,
    language: str,
    late_seconds: int,
) -> Submission:
    submission = Submission.objects.create(
        assignment=assignment,
        assignment_version=assignment.live_version(),
        enrollment=enrollment,
        participant=participant,
        attempt_no=_next_attempt_no(assignment=assignment, participant=participant),
        notebook_sha256=notebook_sha,
        size=size,
        original_filename=filename,
        kernel_language=language,
        late_seconds=late_seconds,
    )
    queue_grading(submission=submission)
    request_rendering(notebook_sha256=notebook_sha)
    allocation.allocate_participant(enrollment)
    # The work is in: the participant's checklist now says "pending review", not "missing".
    record_hand_in(enrollment=enrollment, assignment=assignment)
    return submission


@transaction.atomic
def queue_grading(
    *, submission: Submission, requested_by: User | None = None, replaces: GradingRun | None = None
) -> GradingRun:
    """Create a grading run and hand it to the worker once the transaction commits."""
    run = GradingRun.objects.create(
        submission=submission, requested_by=requested_by, replaces=replaces
    )
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.QUEUED)
    transaction.on_commit(lambda: tasks.grade_submission.enqueue(run.pk))
    return run


@transaction.atomic
def request_rendering(*, notebook_sha256: str) -> RenderedNotebook:
    """Queue a render unless the (sha256, renderer version) pair is cached or under way."""
    rendered, created = RenderedNotebook.objects.get_or_create(
        notebook_sha256=notebook_sha256, renderer_version=RENDERER_VERSION
    )
    if created:
        transaction.on_commit(lambda: tasks.render_notebook.enqueue(rendered.pk))
    return rendered


def rerun_grading(*, actor: User, submissions: Iterable[Submission]) -> list[GradingRun]:
    """Grade submissions again (after a test was fixed, or a run failed); earlier runs are kept.

    Submissions with a run still queued or running are skipped, so pressing the button twice
    does not grade twice.
    """
    runs = []
    for submission in submissions:
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            if locked.grading_runs.filter(status__in=ACTIVE_RUN_STATES).exists():
                continue
            runs.append(queue_grading(submission=locked, requested_by=actor))
    return runs


def regrade_targets(*, grader: User, assignment: Assignment, only_failed: bool) -> list[Submission]:
    """The latest attempt of each participant, in the cohorts the grader grades."""
    targets = list(
        Submission.objects.gradable_by(grader)
        .filter(assignment=assignment)
        .latest_attempts()
        .order_by("participant_id")
    )
    if only_failed:
        targets = [s for s in targets if s.status == Submission.Status.FAILED]
    return targets


ACTIVE_RUN_STATES = (GradingRun.Status.QUEUED, GradingRun.Status.RUNNING)
MAX_LOST_RUNS = 3


def requeue_abandoned_runs() -> list[GradingRun]:
    """Hand runs whose worker died (no heartbeat for a while) to another worker, once.

    A run is abandoned when its heartbeat is older than ``GRADING_STALE_SECONDS``. Its
    replacement is a new queued run; after ``MAX_LOST_RUNS`` lost runs in a row the submission
    fails with a reason instead of looping forever (a notebook that kills its worker).
    """
    cutoff = timezone.now() - timedelta(seconds=settings.GRADING_STALE_SECONDS)
    replacements = []
    with transaction.atomic():
        stale = GradingRun.objects.filter(status=GradingRun.Status.RUNNING, heartbeat_at__lt=cutoff)
        if connection.features.has_select_for_update_skip_locked:
            stale = stale.select_for_update(skip_locked=True)
        for run in stale.select_related("submission"):
            run.status = GradingRun.Status.ABANDONED
            run.finished_at = timezone.now()
            # Stored as a Message, worded when shown (GradingRun.error_text).
            run.error = plain_i18n.gettext_lazy(
                "The worker grading this attempt stopped unexpectedly."
            ).dumps()
            run.save(update_fields=["status", "finished_at", "error"])
            if _lost_runs(run) >= MAX_LOST_RUNS:
                run.error = plain_i18n.ngettext_lazy(
                    "Grading was interrupted %(n)s time in a row; "
                    "the notebook may be crashing the grader.",
                    "Grading was interrupted %(n)s times in a row; "
                    "the notebook may be crashing the grader.",
                    MAX_LOST_RUNS,
                ).dumps()
                run.save(update_fields=["error"])
                Submission.objects.filter(pk=run.submission_id).update(
                    status=Submission.Status.FAILED
                )
                continue
            replacements.append(queue_grading(submission=run.submission, replaces=run))
    return replacements


def _lost_runs(run: GradingRun) -> int:
    count = 0
    current: GradingRun | None = run
    while current is not None and current.status == GradingRun.Status.ABANDONED:
        count += 1
        current = current.replaces
    return count


# The end of the engine's log kept with a run: enough to see why a notebook failed.
LOG_EXCERPT_CHARS = 4000


@transaction.atomic
def store_grading_report(*, run: GradingRun, report: GradingReport) -> None:
    """Store what the worker learned from one run: each cell's outcome, the run's status,
    points, error and log excerpt, the attempt's status, and an autograde entry in the grade
    log. The worker calls it after every run (a crash is stored as a failed report); tests
    call it to build graded attempts without a kernel."""
    TestResult.objects.bulk_create(
        TestResult(
            run=run,
            grade_id=outcome.grade_id,
            kind=outcome.kind,
            points=outcome.points,
            max_points=outcome.max_points,
            status=outcome.status,
            message=outcome.message.dumps(),
            hidden=outcome.hidden,
            position=position,
        )
        for position, outcome in enumerate(report.outcomes)
    )
    graded = report.status == "graded"
    run.status = GradingRun.Status.GRADED if graded else GradingRun.Status.FAILED
    run.finished_at = timezone.now()
    run.error = report.error.dumps()
    run.log_excerpt = report.log_excerpt[-LOG_EXCERPT_CHARS:]
    run.autograded_points = report.autograded_points if graded else Decimal(0)
    run.autograded_max = report.autograded_max
    run.save(
        update_fields=[
            "status",
            "finished_at",
            "error",
            "log_excerpt",
            "autograded_points",
            "autograded_max",
        ]
    )
    Submission.objects.filter(pk=run.submission_id).update(
        status=Submission.Status.GRADED if graded else Submission.Status.FAILED
    )
    GradeEvent.objects.create(
        submission_id=run.submission_id,
        source=GradeEvent.Source.AUTOGRADE,
        new_points=run.autograded_points,
        # An audit record, in the worker's language (English).
        reason=report.error.text() or "Autograded",
    )


def rendered_notebook_of(submission: Submission) -> RenderedNotebook | None:
    """The cache entry of the submission's notebook for the current renderer, if any."""
    return RenderedNotebook.objects.filter(
        notebook_sha256=submission.notebook_sha256, renderer_version=RENDERER_VERSION
    ).first()


@transaction.atomic
def save_review(
    *,
    grader: User,
    submission: Submission,
    points: dict[str, Decimal],
    comments: dict[str, str],
    feedback: str,
    lease_token: str | None = None,
) -> Review:
    """Save manual points and comments as a draft (or amend a released review).

    Points are validated against the grade cells' maxima; every change of points is logged.
    The grading screen sends its lease token: the save is refused unless that lease is still
    valid (and renews it). Without a token (scripts) it is refused while another grader holds
    the submission (see ``submissions.reviewing.leases``).
    Refused while a certificate relies on the participant's grades (see ``ensure_not_frozen``).
    """
    ensure_not_frozen(submission.enrollment)
    leases.hold_lease(grader=grader, submission=submission, token=lease_token)
    cells = {c["grade_id"]: Decimal(c["points"]) for c in submission.manual_grade_cells()}
    for grade_id, value in points.items():
        if grade_id not in cells:
            raise ReviewInvalid(f"{grade_id!r} is not a manually graded cell of this assignment.")
        if not Decimal(0) <= value <= cells[grade_id]:
            raise ReviewInvalid(f"Points for {grade_id!r} must be between 0 and {cells[grade_id]}.")
    # The form and the API refuse these per field first; scripts calling in directly meet
    # the same limits (platform/text_limits.py).
    if len(feedback) > FEEDBACK_CHARS:
        raise ReviewInvalid(
            _("Please keep the feedback under %(n)d characters.") % {"n": FEEDBACK_CHARS}
        )
    if any(len(comment) > COMMENT_CHARS for comment in comments.values()):
        raise ReviewInvalid(
            _("Please keep a comment under %(n)d characters.") % {"n": COMMENT_CHARS}
        )
    review, _created = Review.objects.select_for_update().get_or_create(
        submission=submission, defaults={"grader": grader}
    )
    existing = {s.grade_id: s for s in review.scores.all()}
    for grade_id, value in points.items():
        score = existing.get(grade_id)
        old = score.points if score else None
        if score is None:
            ReviewScore.objects.create(
                review=review, grade_id=grade_id, points=value, comment=comments.get(grade_id, "")
            )
        else:
            score.points = value
            score.comment = comments.get(grade_id, score.comment)
            score.save(update_fields=["points", "comment"])
        if old != value:
            GradeEvent.objects.create(
                submission=submission,
                actor=grader,
                source=GradeEvent.Source.REVIEW,
                grade_id=grade_id,
                old_points=old,
                new_points=value,
            )
    review.grader = grader
    review.feedback = feedback
    review.manual_points = manual_points_of(review)
    review.updated_at = timezone.now()
    review.save(update_fields=["grader", "feedback", "manual_points", "updated_at"])
    if review.is_released:
        record_total(review=review, actor=grader, reason="Released review amended")
    return review


@transaction.atomic
def release_review(
    *,
    grader: User,
    submission: Submission,
    lease_token: str | None = None,
    record_grade: bool = True,
    notify: bool = True,
) -> Review:
    """Release the grade: the participant now sees the total and the feedback.

    The one release: the grading screen, "release to N participants" and the API all come
    here, so each path applies the same checks (docs/review.md, "Release"). Refused while
    another grader holds the submission's lease, or the screen's own lease is lost
    (``LeaseHeld``/``LeaseLost``, see ``leases.hold_lease``), while autograding has not
    finished (``ReviewInvalid``) and while a certificate relies on the participant's grades
    (``GradesFrozen``). Releasing a released review again changes nothing.

    ``record_grade=False`` releases without recording ``courses.Grade`` (an earlier attempt
    released in the same batch as a later one, see ``record_total``); ``notify=False`` leaves
    the e-mail to the caller (one per participant for a batch).
    """
    leases.hold_lease(grader=grader, submission=submission, token=lease_token)
    run = submission.latest_run()
    if run is None or run.status not in {GradingRun.Status.GRADED, GradingRun.Status.FAILED}:
        raise ReviewInvalid(_("Wait until autograding has finished before releasing."))
    review, _created = Review.objects.select_for_update().get_or_create(
        submission=submission, defaults={"grader": grader}
    )
    if review.is_released:
        return review
    ensure_not_frozen(submission.enrollment)
    review.state = Review.State.RELEASED
    review.released_at = timezone.now()
    review.save(update_fields=["state", "released_at"])
    record_total(review=review, actor=grader, reason="Grade released", record_grade=record_grade)
    if notify:
        transaction.on_commit(lambda: notify_release(review))
    return review


def ensure_not_frozen(enrollment: Enrollment) -> None:
    """Refuse a change of the grades a certificate relies on (docs/review.md, "Freezing"):
    the one check every review, release, rubric score, regrade and extension makes."""
    if enrollment.grades_frozen:
        raise GradesFrozen(frozen_message())


def manual_points_of(review: Review) -> Decimal:
    """The review's manual points: manually graded cells plus rubric criteria."""
    cells = review.scores.aggregate(total=Sum("points"))["total"] or Decimal(0)
    rubric = review.rubric_scores.aggregate(total=Sum("points"))["total"] or Decimal(0)
    return cells + rubric


def autograded_points_of(review: Review, run: GradingRun | None) -> Decimal:
    """The run's autograded points, with accepted test regrades replacing their tests' points."""
    points = (run.autograded_points if run else None) or Decimal(0)
    overrides = {o.grade_id: o.points for o in TestOverride.objects.filter(review=review)}
    if overrides and run is not None:
        for result in run.results.filter(grade_id__in=overrides):
            points += overrides[result.grade_id] - (result.points or Decimal(0))
    return max(points, Decimal(0))


def record_total(
    *,
    review: Review,
    actor: User,
    reason: str,
    source: GradeEvent.Source = GradeEvent.Source.RELEASE,
    record_grade: bool = True,
) -> None:
    """Compute raw points, late penalty and final total of a released review, log and record it.

    ``record_grade=False`` leaves ``courses.Grade`` alone: for an earlier attempt released in
    the same batch as a later one, whose total is the grade. The grade is also left alone when
    it rests on a later attempt than this one (an earlier attempt amended, re-scored or
    released late never takes it over). Raises ``GradesFrozen`` when a certificate relies on
    the grade and it would change.
    """
    submission = review.submission
    assignment = submission.assignment
    run = submission.latest_run()
    autograded = autograded_points_of(review, run)
    max_points = submission.max_points
    late = apply_late_policy(
        raw=min(autograded + review.manual_points, max_points),
        max_points=max_points,
        late_seconds=submission.late_seconds,
        policy=assignment.settings.late_policy,
    )
    old = review.total_points
    review.raw_points, review.penalty_points, review.total_points = (
        late.raw,
        late.penalty,
        late.final,
    )
    review.max_points = max_points
    review.save(update_fields=["raw_points", "penalty_points", "total_points", "max_points"])
    if old != late.final:
        GradeEvent.objects.create(
            submission=submission,
            actor=actor,
            source=source,
            old_points=old,
            new_points=late.final,
            reason=reason if not late.penalty else f"{reason} (late penalty {late.penalty})",
        )
    if not record_grade or _superseded(submission):
        return
    try:
        record_released_grade(
            enrollment=submission.enrollment,
            assignment=assignment,
            points=late.final,
            raw_points=late.raw,
            penalty_points=late.penalty,
            late_seconds=submission.late_seconds,
            max_points=max_points,
            submission_id=submission.pk,
        )
    except CoursesGradesFrozen as error:
        raise GradesFrozen(error.message) from error


def _superseded(submission: Submission) -> bool:
    """Whether the participant's grade rests on a later attempt than this one: amending,
    re-scoring or releasing an earlier attempt then records that attempt's own total but
    leaves the grade on the later attempt it rests on."""
    grade = Grade.objects.filter(
        enrollment_id=submission.enrollment_id, assignment_id=submission.assignment_id
    ).values("submission_id")
    return Submission.objects.filter(pk__in=grade, attempt_no__gt=submission.attempt_no).exists()


@dataclass(frozen=True)
class FrozenGrade:
    """A released grade that does not follow the assignment's late rules because a certificate
    relies on it (recomputations skip it), beside what the rules would make of it now: the
    current late policy and the participant's deadline applied to the recorded raw points."""

    review: Review
    late_seconds: int
    would_be: LateResult

    @property
    def submission(self) -> Submission:
        return self.review.submission

    @property
    def current_points(self) -> Decimal | None:
        return self.review.total_points

    @property
    def would_be_points(self) -> Decimal:
        return self.would_be.final


@dataclass(frozen=True)
class LateRecomputation:
    """What a late-policy change or an extension did to released grades: the reviews whose
    totals were recorded again (so the answer can name every participant it reached), and
    the frozen ones left behind (``stale_frozen_grades``, after the change)."""

    recorded: tuple[Review, ...]
    skipped_frozen: tuple[FrozenGrade, ...]

    @property
    def recomputed(self) -> int:
        return len(self.recorded)


@dataclass(frozen=True)
class ExtensionGrant(LateRecomputation):
    extension: Extension


def stale_frozen_grades(
    *, assignment: Assignment, cohorts: QuerySet[Cohort] | None = None
) -> list[FrozenGrade]:
    """Released grades of the assignment (in ``cohorts``, else all) whose participant's grades
    are frozen and whose points or lateness differ from what the current late policy and
    deadlines give: what late-policy changes and extensions skipped, now or earlier. One query
    for the reviews and one for the extensions, however many there are."""
    reviews = Review.objects.filter(
        submission__assignment=assignment,
        state=Review.State.RELEASED,
        submission__enrollment_id__in=GradeFreeze.objects.active().values("enrollment_id"),
    )
    if cohorts is not None:
        reviews = reviews.filter(submission__enrollment__cohort__in=cohorts)
    rows = list(
        reviews.select_related(
            "submission__assignment__settings",
            "submission__enrollment",
            "submission__participant",
        ).order_by("submission__enrollment_id", "submission__attempt_no")
    )
    deadlines = assignment.deadlines_for({r.submission.enrollment for r in rows})
    stale = []
    for review in rows:
        submission = review.submission
        late = deadlines[submission.enrollment_id].late_seconds(submission.submitted_at)
        would_be = apply_late_policy(
            raw=review.raw_points if review.raw_points is not None else Decimal(0),
            max_points=review.max_points,
            late_seconds=late,
            policy=assignment.settings.late_policy,
        )
        if would_be.final != review.total_points or late != submission.late_seconds:
            stale.append(FrozenGrade(review=review, late_seconds=late, would_be=would_be))
    return stale


def record_released_again(
    *,
    reviews: Sequence[Review],
    actor: User,
    reason: str,
    source: GradeEvent.Source = GradeEvent.Source.RELEASE,
) -> int:
    """Record the totals of released ``reviews`` again (a late-policy change, an extension, a
    rubric edit). ``record_total`` keeps each grade on the latest attempt it rests on, so a
    recomputation never swaps which attempt counts, whatever subset of attempts it touches.
    Returns how many were recorded."""
    for review in reviews:
        record_total(review=review, actor=actor, reason=reason, source=source)
    return len(reviews)


def _frozen_enrollments(enrollment_ids: Iterable[int]) -> set[int]:
    return set(
        GradeFreeze.objects.active()
        .filter(enrollment_id__in=list(enrollment_ids))
        .values_list("enrollment_id", flat=True)
    )


def ensure_assignment_manager(*, actor: User, assignment: Assignment) -> None:
    """The services' side of ``courses.access.require_assignment_manager``: a change of the
    assignment's own settings reaches every cohort of its program, so it is refused unless
    the actor grades all of them that have participants (docs/review.md)."""
    if reason := assignment_manager_refusal(actor, assignment):
        raise AssignmentOutOfReach(reason)


@transaction.atomic
def change_late_policy(
    *, assignment: Assignment, actor: User, policy: LatePolicy, cutoff_at: datetime | None
) -> LateRecomputation:
    """Change an assignment's late policy and recompute every released grade under it (each
    change is a GradeEvent). Grades a certificate relies on are skipped; the result lists
    them with the points the new policy would give. Refused (``AssignmentOutOfReach``) for
    an actor who does not grade every cohort it reaches."""
    ensure_assignment_manager(actor=actor, assignment=assignment)
    if not Deadline(due_at=assignment.due_at, cutoff_at=cutoff_at).cutoff_follows_due:
        raise LatePolicyInvalid(
            _("The cut-off cannot come before the due date."), field="cutoff_at"
        )
    grading = assignment.settings
    grading.late_grace_minutes = policy.grace_minutes
    grading.late_penalty_percent = policy.percent_per_unit
    grading.late_penalty_unit = policy.unit
    grading.late_floor_percent = policy.floor_percent
    grading.save(
        update_fields=[
            "late_grace_minutes",
            "late_penalty_percent",
            "late_penalty_unit",
            "late_floor_percent",
        ]
    )
    assignment.cutoff_at = cutoff_at
    assignment.save(update_fields=["cutoff_at"])
    released = list(
        Review.objects.filter(submission__assignment=assignment, state=Review.State.RELEASED)
        .select_related(
            "submission__assignment__settings",
            "submission__enrollment",
            "submission__participant",
        )
        .order_by("pk")
    )
    frozen = _frozen_enrollments(r.submission.enrollment_id for r in released)
    due = [r for r in released if r.submission.enrollment_id not in frozen]
    record_released_again(reviews=due, actor=actor, reason="Late policy changed")
    return LateRecomputation(
        recorded=tuple(due),
        skipped_frozen=tuple(stale_frozen_grades(assignment=assignment)),
    )


@transaction.atomic
def grant_extension(
    *,
    assignment: Assignment,
    granted_by: User,
    due_at: datetime,
    reason: str,
    enrollment: Enrollment | None = None,
    cohort: Cohort | None = None,
    cutoff_at: datetime | None = None,
) -> ExtensionGrant:
    """Give one participant or a whole cohort more time; their lateness and released grades
    are recomputed against the new due date.

    Refused for one participant whose grades are frozen; for a cohort, frozen participants'
    attempts are left as they are and the result lists their released grades.
    """
    if not reason.strip():
        raise ExtensionInvalid(_("An extension needs a reason."))
    if (enrollment is None) == (cohort is None):
        raise ExtensionInvalid(_("An extension is for one participant or for one cohort."))
    if not Deadline(due_at=due_at, cutoff_at=cutoff_at).cutoff_follows_due:
        raise ExtensionInvalid(_("The cut-off cannot come before the new due date."))
    if enrollment is not None:
        ensure_not_frozen(enrollment)
    extension = Extension.objects.create(
        assignment=assignment,
        enrollment=enrollment,
        cohort=cohort,
        due_at=due_at,
        cutoff_at=cutoff_at,
        reason=reason.strip(),
        granted_by=granted_by,
    )
    result = _recompute_deadlines(
        assignment=assignment,
        enrollment=enrollment,
        cohort=cohort,
        actor=granted_by,
        reason="Extension granted",
    )
    return ExtensionGrant(
        recorded=result.recorded, skipped_frozen=result.skipped_frozen, extension=extension
    )


@transaction.atomic
def revoke_extension(*, extension: Extension, actor: User) -> LateRecomputation:
    """Take an extension back: it is kept, marked revoked (who, when), and no longer counts;
    lateness and released grades are recomputed against the deadline that applies without it
    (an older extension, the cohort's, else the assignment's), each change logged.

    Refused when it was revoked already, and for one participant whose grades are frozen, as
    granting is; for a cohort, frozen participants' attempts are left as they are and the
    result lists their released grades.
    """
    # Lock the row: of two revocations at once, the second sees the first's and is refused.
    # Only the extension's row (PostgreSQL cannot lock the nullable side of the join).
    current = (
        Extension.objects.select_for_update(of=("self",))
        .select_related("revoked_by")
        .get(pk=extension.pk)
    )
    if current.revoked_at is not None:
        assert current.revoked_by is not None
        raise ExtensionRevoked(
            _("This extension was already revoked by %(name)s on %(date)s.")
            % {
                "name": current.revoked_by.full_name,
                "date": formats.date_format(
                    timezone.localtime(current.revoked_at), "SHORT_DATETIME_FORMAT"
                ),
            }
        )
    if extension.enrollment is not None:
        ensure_not_frozen(extension.enrollment)
    extension.revoked_at = timezone.now()
    extension.revoked_by = actor
    extension.save(update_fields=["revoked_at", "revoked_by"])
    return _recompute_deadlines(
        assignment=extension.assignment,
        enrollment=extension.enrollment,
        cohort=extension.cohort,
        actor=actor,
        reason="Extension revoked",
    )


def _recompute_deadlines(
    *,
    assignment: Assignment,
    enrollment: Enrollment | None,
    cohort: Cohort | None,
    actor: User,
    reason: str,
) -> LateRecomputation:
    """After an extension of ``enrollment`` or ``cohort`` changed: their attempts' lateness
    against their deadlines now, and their released grades recorded again (frozen
    participants skipped, and for a cohort listed)."""
    affected = Submission.objects.filter(assignment=assignment).select_related("enrollment")
    affected = (
        affected.filter(enrollment=enrollment)
        if enrollment
        else affected.filter(enrollment__cohort=cohort)
    )
    submissions = list(affected)
    frozen = _frozen_enrollments(s.enrollment_id for s in submissions)
    deadlines = assignment.deadlines_for({s.enrollment for s in submissions})
    moved = []
    for submission in submissions:
        if submission.enrollment_id in frozen:
            continue
        late = deadlines[submission.enrollment_id].late_seconds(submission.submitted_at)
        if late != submission.late_seconds:
            submission.late_seconds = late
            submission.save(update_fields=["late_seconds"])
            moved.append(submission.pk)
    released = list(
        Review.objects.filter(submission_id__in=moved, state=Review.State.RELEASED)
        .select_related(
            "submission__assignment__settings",
            "submission__enrollment",
            "submission__participant",
        )
        .order_by("pk")
    )
    record_released_again(reviews=released, actor=actor, reason=reason)
    scope = Cohort.objects.filter(pk=cohort.pk) if cohort is not None else None
    skipped = stale_frozen_grades(assignment=assignment, cohorts=scope) if scope else []
    return LateRecomputation(recorded=tuple(released), skipped_frozen=tuple(skipped))


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


@transaction.atomic
def publish_assignment(
    *, module: Module, slug: str, title: str, source: bytes, **options: Any
) -> Assignment:
    """Publish a new assignment (``courses.services.publish_assignment``, which takes the same
    options) with its ``AssignmentSettings`` at their defaults: every assignment this app
    serves has its settings row from the moment it exists (docs/architecture.md, "Assignment
    settings"). Every path that publishes (pages, API, import, demo, tests) calls this."""
    assignment = publish_courses_assignment(
        module=module, slug=slug, title=title, source=source, **options
    )
    AssignmentSettings.objects.create(assignment=assignment)
    return assignment


def publish_checked(
    *, module: Module, slug: str, title: str, source: bytes, **options: Any
) -> PublishCheck:
    """Publish a new assignment from an nbgrader source and queue its publish check in the
    worker.

    Raises ``courses.exceptions.PublishError`` (with the cell and the problem) for a source
    nbgrader would refuse, and ``AssignmentExists`` for a short name the module already uses
    (replacing a notebook is ``replace_checked``); nothing is published then.
    """
    with transaction.atomic():
        assignment = publish_assignment(
            module=module, slug=slug, title=title, source=source, **options
        )
        return _queue_check(assignment.versions.get(number=1))


def _queue_check(version: AssignmentVersion) -> PublishCheck:
    check = PublishCheck.objects.create(
        assignment_id=version.assignment_id, version=version, source_sha256=version.source_sha256
    )
    transaction.on_commit(lambda: tasks.check_publication.enqueue(check.pk))
    return check


@transaction.atomic
def check_version(*, version: AssignmentVersion) -> PublishCheck:
    """The instructor confirmed a drafted version: the worker checks it, and it replaces the
    live notebook only if the check passes (``tasks.check_publication``)."""
    return _queue_check(start_version_check(version=version))


@transaction.atomic
def replace_checked(
    *,
    actor: User,
    assignment: Assignment,
    source: bytes,
    given_settings: Mapping[str, Any],
    base_number: int | None = None,
) -> tuple[AssignmentVersion, PublishCheck]:
    """Replace an assignment's notebook in one step (the API): draft the next version and
    queue its check; it goes live when the check passes. Dates and settings not given stay;
    attempts keep the version they were made for (docs/grading.md)."""
    version = draft_assignment_version(
        actor=actor,
        assignment=assignment,
        source=source,
        given_settings=given_settings,
        base_number=base_number,
    )
    check = check_version(version=version)
    return check.version or version, check


def import_nbgrader_course(
    *, module: Module, sources: list[SourceNotebook], due: dict[str, datetime] | None = None
) -> list[PublishCheck]:
    """Publish every source notebook of an nbgrader course into a module, all or nothing.

    Each becomes an assignment with a publish check; a source nbgrader would refuse aborts the
    import with the notebook's name and the problem.
    """
    due = due or {}
    checks = []
    with transaction.atomic():
        for order, (source, alone) in enumerate(grouped(sources)):
            try:
                checks.append(
                    publish_checked(
                        module=module,
                        slug=source.slug(alone=alone),
                        title=source.title(alone=alone),
                        source=source.data,
                        order=order,
                        due_at=due.get(source.assignment),
                    )
                )
            except (PublishError, AssignmentExists) as error:
                raise PublishError(
                    _("%(file)s: %(problem)s")
                    % {
                        "file": f"{source.assignment}/{source.notebook}.ipynb",
                        "problem": error.message,
                    }
                ) from error
    return checks
