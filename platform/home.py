"""What the home page shows coordinators and instructors: per cohort the numbers that need a
decision, and an instructor's week. Part of the composition root (like ``platform.views``), so it
may read ``courses`` and ``submissions``; every function takes a constant number of queries
whatever the number of cohorts, participants and submissions (docs/workspace.md).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Application,
    Assignment,
    Certificate,
    CertificateRequest,
    Cohort,
    Enrollment,
    Module,
    Program,
    ProgressRecord,
)
from courses.risk import risks_for
from platform.models import User
from submissions.models import GradingLease, RegradeRequest, Review, Submission
from submissions.queue import GradingBacklog, grading_backlog
from submissions.reviewing.queue import QueueState
from submissions.reviewing.regrades import requests_for_handler

LABELS = {
    "applications": _("applications to screen"),
    "at_risk": _("participants at risk"),
    "to_grade": _("submissions waiting for grading"),
    "ready_to_release": _("grades ready to release"),
    "certificates_ready": _("certificates ready to issue"),
    "awaiting_approval": _("certificates awaiting approval"),
    "escalated": _("regrade requests escalated"),
}


@dataclass(frozen=True)
class Number:
    """One count on the home page and the page where it is acted on."""

    key: str
    count: int
    url: str
    oldest: dt.datetime | None = None  # for work waiting: since when

    @property
    def label(self) -> str:
        return str(LABELS[self.key])


@dataclass(frozen=True)
class CohortNumbers:
    cohort: Cohort
    numbers: tuple[Number, ...]


@dataclass(frozen=True)
class ProgramNumbers:
    program: Program
    cohorts: tuple[CohortNumbers, ...]


def _queue_url(**params: object) -> str:
    return f"{reverse('submissions:queue')}?{urlencode({**params, 'who': 'all'})}"


def waiting_for_grading(cohort_ids: Sequence[int]) -> dict[int, tuple[int, dt.datetime | None]]:
    """Per cohort: latest attempts without a review, and when the oldest of them came in."""
    rows = (
        Submission.objects.latest_attempts()
        .filter(enrollment__cohort_id__in=cohort_ids, review__isnull=True)
        .values("enrollment__cohort_id")
        .annotate(n=Count("pk"), oldest=Min("submitted_at"))
    )
    return {r["enrollment__cohort_id"]: (r["n"], r["oldest"]) for r in rows}


def coordinator_numbers(user: User, *, now: dt.datetime) -> list[ProgramNumbers]:
    """The programs the user coordinates, each with its cohorts and their numbers."""
    programs = list(
        Program.objects.coordinated_by(user)
        .annotate(has_tandems=Exists(Module.tandem_modules().filter(program=OuterRef("pk"))))
        .order_by("title", "pk")
    )
    if not programs:
        return []
    cohorts = list(
        Cohort.objects.filter(program__in=programs)
        .select_related("program")
        .annotate(
            applications_to_screen=Count(
                "applications", filter=Q(applications__status=Application.Status.SUBMITTED)
            )
        )
        .order_by("program__title", "-starts_on", "pk")
    )
    ids = [c.pk for c in cohorts]
    by_id = {c.pk: c for c in cohorts}
    enrollments = list(
        Enrollment.objects.current()
        .filter(cohort_id__in=ids)
        .only("pk", "cohort_id", "user_id", "enrolled_at")
    )
    # The stored progress and at-risk judgement (courses.risk.judge_risks): only counted here.
    records = {
        pk: (complete, at_risk, judged_at)
        for pk, complete, at_risk, judged_at in ProgressRecord.objects.filter(
            enrollment__cohort_id__in=ids
        ).values_list("enrollment_id", "complete", "at_risk", "risk_judged_at")
    }
    at_risk: dict[int, int] = defaultdict(int)
    unjudged = []
    for enrollment in enrollments:
        enrollment.cohort = by_id[enrollment.cohort_id]  # loaded once, with its program
        record = records.get(enrollment.pk)
        if record is None or record[2] is None:
            unjudged.append(enrollment)  # stored before the judgement was: judged live
        elif record[1]:
            at_risk[enrollment.cohort_id] += 1
    for risk in risks_for(unjudged, now=now).values():
        if risk.at_risk:
            at_risk[risk.enrollment.cohort_id] += 1
    waiting = waiting_for_grading(ids)
    ready = dict(
        Review.objects.filter(state=Review.State.READY, submission__enrollment__cohort_id__in=ids)
        .values_list("submission__enrollment__cohort_id")
        .annotate(n=Count("pk"))
        .values_list("submission__enrollment__cohort_id", "n")
    )
    pending = dict(
        CertificateRequest.objects.pending()
        .filter(enrollment__cohort_id__in=ids)
        .values_list("enrollment__cohort_id")
        .annotate(n=Count("pk"))
        .values_list("enrollment__cohort_id", "n")
    )
    # Met on released grades, no valid certificate, no request waiting (the register's "ready").
    program_ids = {p.pk for p in programs}
    certified = set(
        Certificate.objects.issued()
        .filter(program_id__in=program_ids)
        .values_list("user_id", "program_id")
    )
    waiting_approval = set(
        CertificateRequest.objects.pending()
        .filter(program_id__in=program_ids)
        .values_list("user_id", "program_id")
    )
    complete = {pk for pk, (done, _, _) in records.items() if done}
    certificates_ready: dict[int, int] = defaultdict(int)
    for enrollment in enrollments:
        key = (enrollment.user_id, enrollment.cohort.program_id)
        if enrollment.pk in complete and key not in certified and key not in waiting_approval:
            certificates_ready[enrollment.cohort_id] += 1
    escalated = dict(
        RegradeRequest.objects.open()
        .filter(escalated_at__isnull=False, submission__enrollment__cohort_id__in=ids)
        .values_list("submission__enrollment__cohort_id")
        .annotate(n=Count("pk"))
        .values_list("submission__enrollment__cohort_id", "n")
    )
    by_program: dict[int, list[CohortNumbers]] = defaultdict(list)
    regrades_url = reverse("submissions:regrade-list")
    for cohort in cohorts:
        register = reverse("certificates:cohort", args=[cohort.pk])
        matrix = reverse("workspace:matrix", args=[cohort.pk])
        count, oldest = waiting.get(cohort.pk, (0, None))
        numbers = (
            Number(
                "applications",
                int(getattr(cohort, "applications_to_screen", 0)),
                reverse("applications:screening", args=[cohort.pk]),
            ),
            Number("at_risk", at_risk[cohort.pk], f"{matrix}?sort=risk&at_risk=1"),
            Number(
                "to_grade",
                count,
                _queue_url(cohort=cohort.pk, state=QueueState.NEEDS_GRADING.value),
                oldest,
            ),
            Number(
                "ready_to_release",
                ready.get(cohort.pk, 0),
                _queue_url(cohort=cohort.pk, state=QueueState.READY.value),
            ),
            Number("certificates_ready", certificates_ready[cohort.pk], f"{register}?status=ready"),
            Number("awaiting_approval", pending.get(cohort.pk, 0), f"{register}?status=pending"),
            Number(
                "escalated",
                escalated.get(cohort.pk, 0),
                f"{regrades_url}?{urlencode({'cohort': cohort.pk, 'state': 'escalated'})}",
            ),
        )
        by_program[cohort.program_id].append(CohortNumbers(cohort, numbers))
    return [ProgramNumbers(p, tuple(by_program[p.pk])) for p in programs]


@dataclass(frozen=True)
class AssignmentBacklog:
    assignment: Assignment
    count: int
    oldest: dt.datetime
    url: str
    holders: tuple[str, ...] = ()  # who holds a lease on one of them now


@dataclass(frozen=True)
class Due:
    assignment: Assignment
    due_at: dt.datetime


@dataclass(frozen=True)
class InstructorWeek:
    backlog: tuple[AssignmentBacklog, ...]
    regrades: int
    deadlines: tuple[Due, ...]
    released: int
    unreleased: int
    cohorts: tuple[Cohort, ...] = field(default=())
    # Attempts of these cohorts waiting for autograding (docs/grading.md, "Place in the queue").
    autograding: GradingBacklog | None = None

    @property
    def to_grade(self) -> int:
        return sum(b.count for b in self.backlog)


def instructor_week(user: User, *, now: dt.datetime, days: int = 14) -> InstructorWeek | None:
    """What is due for the cohorts the user teaches; None when they teach none."""
    cohorts = list(
        Cohort.objects.taught_by(user)
        .select_related("program")
        .annotate(
            has_tandems=Exists(Module.tandem_modules().filter(program=OuterRef("program_id")))
        )
        .order_by("program__title", "name")
    )
    if not cohorts:
        return None
    ids = [c.pk for c in cohorts]
    pending = Submission.objects.latest_attempts().filter(
        enrollment__cohort_id__in=ids, review__isnull=True
    )
    rows = list(pending.values("assignment_id").annotate(n=Count("pk"), oldest=Min("submitted_at")))
    assignments = Assignment.objects.in_bulk([r["assignment_id"] for r in rows])
    holders: dict[int, set[str]] = defaultdict(set)
    for lease in GradingLease.objects.filter(
        submission__in=pending, holder__isnull=False, expires_at__gt=now
    ).select_related("holder", "submission"):
        assert lease.holder is not None
        holders[lease.submission.assignment_id].add(lease.holder.full_name)
    backlog = sorted(
        (
            AssignmentBacklog(
                assignments[r["assignment_id"]],
                r["n"],
                r["oldest"],
                _queue_url(assignment=r["assignment_id"], state=QueueState.NEEDS_GRADING.value),
                tuple(sorted(holders[r["assignment_id"]])),
            )
            for r in rows
        ),
        key=lambda b: (b.oldest, b.assignment.pk),
    )
    program_ids = {c.program_id for c in cohorts}
    deadlines = tuple(
        Due(a, a.due_at)
        for a in Assignment.objects.published()
        .filter(
            module__program_id__in=program_ids,
            due_at__gte=now,
            due_at__lt=now + dt.timedelta(days=days),
        )
        .select_related("module__program")
        .order_by("due_at", "pk")
        if a.due_at is not None
    )
    reviews = Review.objects.filter(grader=user).aggregate(
        released=Count("pk", filter=Q(state=Review.State.RELEASED)),
        unreleased=Count("pk", filter=~Q(state=Review.State.RELEASED)),
    )
    regrades = requests_for_handler(user).filter(state=RegradeRequest.State.OPEN).count()
    return InstructorWeek(
        backlog=tuple(backlog),
        regrades=regrades,
        deadlines=deadlines,
        released=reviews["released"],
        unreleased=reviews["unreleased"],
        cohorts=tuple(cohorts),
        autograding=grading_backlog(ids, now=now),
    )
