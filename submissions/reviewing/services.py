"""Reviewing's state changes: save a review, release it, and record its total as the grade.

``release_review`` is the one release every path calls (the grading screen, "release to N"
in ``states.release_many`` and the API); ``ensure_not_frozen`` is the one freeze check of
every change of a grade (docs/review.md, "Release" and "Freezing").
"""

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.certificates.services import frozen_message
from courses.exceptions import GradesFrozen as CoursesGradesFrozen
from courses.late import apply_late_policy
from courses.models import Enrollment, Grade
from courses.services import record_released_grade
from platform.models import User
from platform.text_limits import COMMENT_CHARS, FEEDBACK_CHARS
from submissions.exceptions import GradesFrozen, ReviewInvalid
from submissions.models import (
    GradeEvent,
    GradingRun,
    Review,
    ReviewScore,
    Submission,
    TestOverride,
)
from submissions.notifications import notify_release
from submissions.reviewing import leases


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
        notify_release(review)
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
