"""State changes shared across the submissions app: grading and rendering queued, re-runs, the
grading report stored, reviews saved and released, grades recorded again. A feature package
keeps its own in its `services.py` (`intake`, `late`, `publishing`: docs/architecture.md)."""

from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import plain_i18n
from courses.access import assignment_manager_refusal
from courses.certificates.services import frozen_message
from courses.exceptions import GradesFrozen as CoursesGradesFrozen
from courses.late import apply_late_policy
from courses.models import (
    Assignment,
    Enrollment,
    Grade,
)
from courses.services import (
    record_released_grade,
)
from platform.models import User
from platform.text_limits import COMMENT_CHARS, FEEDBACK_CHARS
from submissions import tasks
from submissions.exceptions import (
    AssignmentOutOfReach,
    GradesFrozen,
    ReviewInvalid,
)
from submissions.grading import GradingReport
from submissions.models import (
    GradeEvent,
    GradingRun,
    RenderedNotebook,
    Review,
    ReviewScore,
    Submission,
    TestOverride,
    TestResult,
)
from submissions.notifications import notify_release
from submissions.rendering import RENDERER_VERSION
from submissions.reviewing import leases


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
        policy=assignment.late_policy,
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


def ensure_assignment_manager(*, actor: User, assignment: Assignment) -> None:
    """The services' side of ``courses.access.require_assignment_manager``: a change of the
    assignment's own settings reaches every cohort of its program, so it is refused unless
    the actor grades all of them that have participants (docs/review.md)."""
    if reason := assignment_manager_refusal(actor, assignment):
        raise AssignmentOutOfReach(reason)
