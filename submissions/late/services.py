"""State changes of late work: an assignment's late policy, extensions for a cohort or one
participant and their revocation; each recomputes lateness and released grades (docs/grading.md)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.communication.reminders import announce_extension
from courses.late import LatePolicy, LateResult, apply_late_policy
from courses.models import Assignment, Cohort, Deadline, Enrollment, Extension, GradeFreeze
from platform.models import User
from submissions.exceptions import ExtensionInvalid, ExtensionRevoked, LatePolicyInvalid
from submissions.models import Review, Submission
from submissions.reviewing.services import ensure_not_frozen, record_released_again
from submissions.services import ensure_assignment_manager


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


def _frozen_enrollments(enrollment_ids: Iterable[int]) -> set[int]:
    return set(
        GradeFreeze.objects.active()
        .filter(enrollment_id__in=list(enrollment_ids))
        .values_list("enrollment_id", flat=True)
    )


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
    are recomputed against the new due date, and they are told by e-mail (in the same
    transaction: a refused grant sends nothing).

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
    announce_extension(extension)
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
