"""Allocation of participants to graders, per cohort, by weight; sticky per participant.

A coordinator gives some of a cohort's instructors a weight (1, 2, …); from then on every
participant of the cohort belongs to one of them, for all attempts and all assignments (the
grader gets to know the person's project). Allocation is per cohort, not per assignment, for
exactly that reason.

The rule is deterministic: participants are taken in enrolment order, and each goes to the
grader whose share is furthest behind, i.e. the one with the smallest
``(participants already allocated + 1) / weight``; a tie goes to the grader whose username
sorts first. Weights 2 and 1 over 30 participants give 20 and 10. Later participants are
allocated by the same rule when they first upload. Changing weights never moves anybody
(sticky) except the participants of a grader who lost their share (weight 0, or no longer an
instructor of the cohort), who are re-allocated by the rule. Removing every share switches
allocation off and forgets it.

Allocation decides what the queue shows as "mine"; it does not lock anybody out: any grader
of the cohort can still open any submission (the lease keeps two graders apart).
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from django.db import transaction
from django.utils.translation import gettext as _

from courses.models import Cohort, Enrollment
from platform.models import User
from submissions.exceptions import AllocationInvalid
from submissions.models import GraderAllocation, GraderShare


@dataclass(frozen=True)
class AllocationSummary:
    graders: dict[int, int]  # grader id -> participants allocated
    moved: int  # participants (re-)allocated by this change


def _pick(weights: Mapping[int, int], counts: Counter[int], usernames: Mapping[int, str]) -> int:
    """The grader furthest behind their share: smallest (count + 1) / weight, by username."""

    def key(grader_id: int) -> tuple[Fraction, str, int]:
        # Exact fractions, and a tuple that breaks every tie the same way: deterministic.
        return (
            Fraction(counts[grader_id] + 1, weights[grader_id]),
            usernames[grader_id],
            grader_id,
        )

    return min(weights, key=key)


def _allocate(cohort: Cohort, enrollments: list[Enrollment]) -> int:
    shares = list(GraderShare.objects.filter(cohort=cohort).select_related("grader"))
    if not shares:
        return 0
    weights = {s.grader_id: s.weight for s in shares}
    usernames = {s.grader_id: s.grader.username for s in shares}
    counts: Counter[int] = Counter(
        GraderAllocation.objects.filter(enrollment__cohort=cohort).values_list(
            "grader_id", flat=True
        )
    )
    for enrollment in enrollments:
        grader_id = _pick(weights, counts, usernames)
        GraderAllocation.objects.update_or_create(
            enrollment=enrollment, defaults={"grader_id": grader_id}
        )
        counts[grader_id] += 1
    return len(enrollments)


@transaction.atomic
def set_grader_weights(
    *, actor: User, cohort: Cohort, weights: Mapping[User, int]
) -> AllocationSummary:
    """Set the graders' weights of a cohort (0 removes a grader's share) and allocate. The
    cohort's program's coordinators do it (``Program.is_coordinated_by``: staff for every
    program, and the program's own coordinators)."""
    cohort = Cohort.objects.select_for_update().select_related("program").get(pk=cohort.pk)
    if not cohort.program.is_coordinated_by(actor):
        raise AllocationInvalid(_("Only coordinators set up the allocation of graders."))
    instructors = set(cohort.instructors.values_list("pk", flat=True))
    for grader, weight in weights.items():
        if grader.pk not in instructors:
            raise AllocationInvalid(
                _("%(name)s does not teach this cohort.") % {"name": grader.full_name}
            )
        if weight < 0:
            raise AllocationInvalid(_("Weights cannot be negative."))
    for grader, weight in weights.items():
        if weight == 0:
            GraderShare.objects.filter(cohort=cohort, grader=grader).delete()
        else:
            GraderShare.objects.update_or_create(
                cohort=cohort, grader=grader, defaults={"weight": weight}
            )
    GraderShare.objects.filter(cohort=cohort).exclude(grader_id__in=instructors).delete()
    sharing = set(GraderShare.objects.filter(cohort=cohort).values_list("grader_id", flat=True))
    allocations = GraderAllocation.objects.filter(enrollment__cohort=cohort)
    if not sharing:
        allocations.delete()
        return AllocationSummary(graders={}, moved=0)
    orphaned = allocations.exclude(grader_id__in=sharing)
    orphaned.delete()
    waiting = list(
        Enrollment.objects.current()
        .filter(cohort=cohort, grader_allocation__isnull=True)
        .order_by("enrolled_at", "pk")
    )
    moved = _allocate(cohort, waiting)
    return AllocationSummary(graders=allocation_counts(cohort), moved=moved)


def allocate_participant(enrollment: Enrollment) -> GraderAllocation | None:
    """Allocate a participant on their first upload, when their cohort allocates graders."""
    if not GraderShare.objects.filter(cohort_id=enrollment.cohort_id).exists():
        return None
    existing = GraderAllocation.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        # The cohort's row lock serialises allocations, so counts (and the rule) hold.
        cohort = Cohort.objects.select_for_update().get(pk=enrollment.cohort_id)
        if not GraderAllocation.objects.filter(enrollment=enrollment).exists():
            _allocate(cohort, [enrollment])
    return GraderAllocation.objects.filter(enrollment=enrollment).first()


def allocation_counts(cohort: Cohort) -> dict[int, int]:
    return dict(
        Counter(
            GraderAllocation.objects.filter(enrollment__cohort=cohort).values_list(
                "grader_id", flat=True
            )
        )
    )


def allocation_is_on_for(user: User) -> bool:
    """Whether the user has a share in any cohort: their queue then shows "mine" first."""
    return GraderShare.objects.filter(grader=user).exists()
