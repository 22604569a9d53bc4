"""The grading queue: the latest attempt of every participant for every assignment, across the
cohorts a grader teaches (coordinators: every cohort), filtered and ordered oldest first.

Earlier attempts are not in the queue: a participant's newest upload is the one to grade (the
grading screen still shows the whole history). "Ungraded" means no review has been started;
"next ungraded" skips submissions another grader holds a lease on and takes the lease on the
one it picks, so two graders pressing "next" at once get different submissions.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort
from platform.models import User
from submissions.exceptions import LeaseHeld
from submissions.models import GraderAllocation, GraderShare, GradingLease, Submission
from submissions.reviewing.leases import take_lease


class QueueState(models.TextChoices):
    NEEDS_GRADING = "needs_grading", _("needs grading")
    DRAFT = "draft", _("draft")
    READY = "ready", _("ready for release")
    RELEASED = "released", _("released")
    LEASED = "leased", _("leased by someone")


@dataclass(frozen=True)
class QueueFilter:
    """What the grader narrowed the queue to; travels from the queue to the grading screen."""

    program: int | None = None
    module: int | None = None
    assignment: int | None = None
    cohort: int | None = None
    state: str = ""
    mine: bool = False
    newest_first: bool = False

    def querystring(self) -> str:
        """The filter as URL parameters (empty when nothing is narrowed)."""
        params: dict[str, object] = {
            key: value
            for key, value in (
                ("program", self.program),
                ("module", self.module),
                ("assignment", self.assignment),
                ("cohort", self.cohort),
                ("state", self.state),
            )
            if value
        }
        params["who"] = "mine" if self.mine else "all"
        if self.newest_first:
            params["order"] = "newest"
        return urlencode(params)


def grading_cohorts(user: User) -> models.QuerySet[Cohort]:
    """Cohorts whose queue the user sees: the ones they grade (``Cohort.objects.graded_by``:
    taught, of a program they coordinate, every cohort for staff)."""
    return Cohort.objects.graded_by(user)


def queue_for(
    user: User, filters: QueueFilter, *, now: datetime | None = None
) -> models.QuerySet[Submission]:
    now = now or timezone.now()
    rows = Submission.objects.latest_attempts().filter(enrollment__cohort__in=grading_cohorts(user))
    for field, lookup in (
        ("program", "assignment__module__program_id"),
        ("module", "assignment__module_id"),
        ("assignment", "assignment_id"),
        ("cohort", "enrollment__cohort_id"),
    ):
        value = getattr(filters, field)
        if value:
            rows = rows.filter(**{lookup: value})
    leased = Q(lease__holder__isnull=False, lease__expires_at__gt=now)
    match filters.state:
        case QueueState.NEEDS_GRADING:
            rows = rows.filter(review__isnull=True)
        case QueueState.DRAFT | QueueState.READY | QueueState.RELEASED:
            rows = rows.filter(review__state=filters.state)
        case QueueState.LEASED:
            rows = rows.filter(leased)
    if filters.mine:
        rows = rows.filter(mine_q(user))
    order = ("-submitted_at", "-pk") if filters.newest_first else ("submitted_at", "pk")
    return rows.select_related(
        "assignment__module__program",
        "assignment__settings",
        "enrollment__cohort",
        "participant",
        "review",
        "lease__holder",
    ).order_by(*order)


def mine_q(user: User) -> Q:
    """Submissions that are the user's to grade: in a cohort they teach, and allocated to them
    when the cohort allocates graders."""
    teaches = Exists(
        Cohort.instructors.through.objects.filter(
            cohort_id=OuterRef("enrollment__cohort_id"), user_id=user.pk
        )
    )
    allocated = Exists(
        GraderAllocation.objects.filter(enrollment_id=OuterRef("enrollment_id"), grader=user)
    )
    allocating = Exists(GraderShare.objects.filter(cohort_id=OuterRef("enrollment__cohort_id")))
    return Q(teaches) & (Q(allocated) | ~Q(allocating))


def next_ungraded(
    user: User, filters: QueueFilter, *, exclude: int | None = None
) -> models.QuerySet[Submission]:
    """Ungraded submissions in the grader's filtered queue that nobody else holds, in order."""
    now = timezone.now()
    held_by_other = GradingLease.objects.filter(
        submission_id=OuterRef("pk"), holder__isnull=False, expires_at__gt=now
    ).exclude(holder=user)
    rows = (
        queue_for(user, replace(filters, state=""), now=now)
        .filter(review__isnull=True)
        .filter(enrollment__cohort__instructors=user)
        .exclude(Exists(held_by_other))
    )
    return rows.exclude(pk=exclude) if exclude else rows


def take_next(
    user: User, filters: QueueFilter, *, exclude: int | None = None
) -> tuple[Submission, GradingLease] | None:
    """Lease the next ungraded submission to the grader; ``None`` when nothing is left.

    A candidate another grader leases between the query and the lease is skipped.
    """
    for candidate in next_ungraded(user, filters, exclude=exclude)[:25]:
        try:
            return candidate, take_lease(grader=user, submission=candidate)
        except LeaseHeld:
            continue
    return None


def row_state(submission: Submission) -> str:
    """The queue state of a row (the lease is shown beside it, not instead of it)."""
    review = getattr(submission, "review", None)
    return review.state if review is not None else QueueState.NEEDS_GRADING.value
