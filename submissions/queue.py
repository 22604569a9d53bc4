"""Where an attempt stands in the autograding queue, when to expect its result, and the backlog.

The participant's page and the API tell a queued or running attempt its place (the queued
grading runs enqueued before it) and an estimate; the instructor's home shows the autograding
backlog of their cohorts. Grading counts as *busy* when the oldest grading ready to run has
waited longer than ``GRADING_BACKLOG_SECONDS``: nothing is refused then, work stays queued and
the pages say so. Every read takes a constant number of queries (docs/grading.md, "Place in the
queue and an estimate").
"""

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from courses.models import Assignment
from platform.observability.health import live_workers, queue_stats
from submissions.models import GradingRun, GradingRunQuerySet
from submissions.tasks import GRADING_QUEUE

# How many of the latest finished runs the median duration is taken over.
SAMPLE_RUNS = 20


class Basis(StrEnum):
    """What an estimate rests on; without an estimate, why there is none."""

    ASSIGNMENT = "assignment"  # recent gradings of this assignment
    ALL = "all"  # recent gradings of any assignment (this one has none yet)
    NO_HISTORY = "no_history"  # nothing was graded yet
    NO_WORKERS = "no_workers"  # no grading worker is alive right now


def estimate_seconds(
    *, ahead: int, running_for: float | None, median: float | None, workers: int
) -> float | None:
    """Seconds until an attempt's result, from the median grading duration; None if unknown.

    A running attempt needs what is left of one median (at least a second). A queued one
    waits for the ``ahead`` runs before it, graded ``workers`` at a time, and then its own:
    ``ceil((ahead + 1) / workers)`` medians. Runs being graded now are not counted, and their
    progress not credited: the two roughly cancel out at a deadline, when every worker is busy.
    """
    if median is None or workers < 1:
        return None
    if running_for is not None:
        return max(1.0, median - running_for)
    return median * math.ceil((ahead + 1) / workers)


def median_duration(durations: Sequence[float]) -> float | None:
    return statistics.median(durations) if durations else None


@dataclass(frozen=True)
class QueuePlace:
    """A queued or running attempt's place and estimate, as the page and the API show them."""

    running: bool
    ahead: int  # queued grading runs enqueued before this one (0 while it runs)
    workers: int  # live workers serving the grading queue
    basis: Basis
    estimate: float | None  # seconds until the result, or None (``basis`` says why)
    busy: bool  # the grading queue is older than GRADING_BACKLOG_SECONDS

    @property
    def place(self) -> int | None:
        """1 for the next to be graded; None while it is being graded."""
        return None if self.running else self.ahead + 1

    @property
    def seconds(self) -> int | None:
        """The estimate in whole seconds when under a minute (shown so); else None."""
        if self.estimate is None or self.estimate >= 59.5:
            return None
        return max(1, round(self.estimate))

    @property
    def minutes(self) -> int | None:
        """The estimate in whole minutes from a minute on (shown so); else None."""
        if self.estimate is None or self.estimate < 59.5:
            return None
        return max(1, round(self.estimate / 60))


def _durations(runs: GradingRunQuerySet) -> list[float]:
    finished = (
        runs.filter(
            status__in=[GradingRun.Status.GRADED, GradingRun.Status.FAILED],
            started_at__isnull=False,
            finished_at__isnull=False,
        )
        .order_by("-finished_at")
        .annotate(took=F("finished_at") - F("started_at"))
        .values_list("took", flat=True)[:SAMPLE_RUNS]
    )
    return [took.total_seconds() for took in finished]


def queue_place(
    run: GradingRun, *, assignment_id: int, now: dt.datetime | None = None
) -> QueuePlace | None:
    """``run``'s place and estimate while it is queued or running (at most five queries);
    ``assignment_id`` is its attempt's assignment."""
    if not run.is_active:
        return None
    now = now or timezone.now()
    running = run.status == GradingRun.Status.RUNNING
    ahead = (
        0
        if running
        else GradingRun.objects.filter(status=GradingRun.Status.QUEUED)
        .filter(Q(enqueued_at__lt=run.enqueued_at) | Q(enqueued_at=run.enqueued_at, pk__lt=run.pk))
        .count()
    )
    workers = live_workers(GRADING_QUEUE, now)
    basis, median = (
        Basis.ASSIGNMENT,
        median_duration(
            _durations(GradingRun.objects.filter(submission__assignment_id=assignment_id))
        ),
    )
    if median is None:
        basis, median = Basis.ALL, median_duration(_durations(GradingRun.objects.all()))
    if median is None:
        basis = Basis.NO_HISTORY
    elif not workers:
        basis = Basis.NO_WORKERS
    started = run.started_at if running else None
    return QueuePlace(
        running=running,
        ahead=ahead,
        workers=workers,
        basis=basis,
        estimate=estimate_seconds(
            ahead=ahead,
            running_for=(now - started).total_seconds() if started else None,
            median=median,
            workers=workers,
        ),
        busy=grading_busy(now),
    )


def grading_busy(now: dt.datetime | None = None) -> bool:
    """Whether the oldest grading ready to run waited longer than ``GRADING_BACKLOG_SECONDS``."""
    return any(
        stats.queue == GRADING_QUEUE and is_backlogged(stats.oldest_age_seconds)
        for stats in queue_stats(now)
    )


def is_backlogged(oldest_age_seconds: float) -> bool:
    return oldest_age_seconds > settings.GRADING_BACKLOG_SECONDS


@dataclass(frozen=True)
class AssignmentQueue:
    assignment: Assignment
    queued: int
    oldest: dt.datetime  # when the oldest queued run of it was enqueued


@dataclass(frozen=True)
class GradingBacklog:
    """Autograding not started yet for some cohorts' attempts, per assignment, oldest first."""

    assignments: tuple[AssignmentQueue, ...]
    now: dt.datetime

    @property
    def queued(self) -> int:
        return sum(a.queued for a in self.assignments)

    @property
    def oldest_age_seconds(self) -> float:
        oldest = min((a.oldest for a in self.assignments), default=self.now)
        return max(0.0, (self.now - oldest).total_seconds())

    @property
    def busy(self) -> bool:
        return is_backlogged(self.oldest_age_seconds)


def grading_backlog(cohort_ids: Sequence[int], *, now: dt.datetime) -> GradingBacklog:
    """The queued grading runs of these cohorts' attempts (two queries)."""
    rows = list(
        GradingRun.objects.filter(
            status=GradingRun.Status.QUEUED, submission__enrollment__cohort_id__in=cohort_ids
        )
        .order_by()
        .values("submission__assignment_id")
        .annotate(n=Count("pk"), oldest=Min("enqueued_at"))
    )
    assignments = Assignment.objects.in_bulk([r["submission__assignment_id"] for r in rows])
    return GradingBacklog(
        assignments=tuple(
            sorted(
                (
                    AssignmentQueue(
                        assignments[r["submission__assignment_id"]], r["n"], r["oldest"]
                    )
                    for r in rows
                ),
                key=lambda a: (a.oldest, a.assignment.pk),
            )
        ),
        now=now,
    )
