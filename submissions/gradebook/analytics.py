"""Numbers about one assignment for its instructors: scores, tests, backlog, turnaround.

All figures are over the cohorts the viewer may see (``submissions.access``), in a constant
number of queries. "Latest attempt" is the attempt with the highest number per participant, the
one a grader reviews. Released scores are the final points of ``courses.Grade`` (after the late
penalty); an unreleased score is what a release would record now: the latest run's autograded
points plus the draft's manual points, capped and put through the late policy.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from courses.late import apply_late_policy
from courses.models import Assignment, Cohort, Enrollment, Grade
from courses.scoring import percentage
from submissions.models import GradingRun, Review, Submission, TestResult

BAND_COUNT = 10  # score bands of 10 percentage points; 100 % falls into the last one

# Age buckets of the backlog: (upper bound, key). The view names them in the user's language.
BACKLOG_BUCKETS: tuple[tuple[timedelta | None, str], ...] = (
    (timedelta(days=1), "day"),
    (timedelta(days=3), "3days"),
    (timedelta(days=7), "week"),
    (timedelta(days=14), "2weeks"),
    (None, "older"),
)


class _Latest(NamedTuple):
    """The latest attempt of one participant, as far as the figures need it."""

    pk: int
    submitted_at: datetime
    late_seconds: int
    review_state: str | None
    manual_points: Decimal | None


@dataclass(frozen=True)
class ScoreBand:
    low: int  # percent, inclusive
    high: int  # percent, exclusive (inclusive for the last band)
    released: int
    unreleased: int


@dataclass(frozen=True)
class TestPassRate:
    grade_id: str
    max_points: Decimal
    hidden: bool
    passed: int
    partial: int
    failed: int

    @property
    def total(self) -> int:
        return self.passed + self.partial + self.failed

    @property
    def rate(self) -> Decimal:
        """Share of latest attempts that passed the test fully, in percent (rounded)."""
        return percentage(Decimal(self.passed), Decimal(self.total))


@dataclass(frozen=True)
class BacklogBucket:
    key: str
    count: int


@dataclass(frozen=True)
class Turnaround:
    """Time from upload to release over released reviews; percentiles by nearest rank."""

    count: int
    median: timedelta | None
    p75: timedelta | None
    p90: timedelta | None
    longest: timedelta | None


@dataclass(frozen=True)
class AssignmentAnalytics:
    assignment: Assignment
    cohorts: tuple[Cohort, ...]
    participants: int
    submitted: int
    bands: tuple[ScoreBand, ...]
    unscored: int  # latest attempts without a released grade and without autograde points yet
    tests: tuple[TestPassRate, ...]
    backlog: tuple[BacklogBucket, ...]
    oldest_waiting: timedelta | None
    turnaround: Turnaround

    @property
    def released(self) -> int:
        return sum(b.released for b in self.bands)

    @property
    def unreleased(self) -> int:
        return sum(b.unreleased for b in self.bands)

    @property
    def waiting(self) -> int:
        return sum(b.count for b in self.backlog)


def analytics_for(
    assignment: Assignment, cohorts: Sequence[Cohort], *, now: datetime | None = None
) -> AssignmentAnalytics:
    now = now or timezone.now()
    cohort_ids = [c.pk for c in cohorts]
    latest = {
        enrollment_id: _Latest(pk, submitted_at, late_seconds, state, manual)
        for pk, enrollment_id, submitted_at, late_seconds, state, manual in Submission.objects.filter(
            assignment=assignment, enrollment__cohort_id__in=cohort_ids
        )
        .latest_attempts()
        .order_by("enrollment_id")
        .values_list(
            "pk",
            "enrollment_id",
            "submitted_at",
            "late_seconds",
            "review__state",
            "review__manual_points",
        )
    }
    runs = {
        run.submission_id: run
        for run in GradingRun.objects.filter(submission_id__in=[r.pk for r in latest.values()])
        .latest_per_submission()
        .only("submission_id", "status", "autograded_points")
    }
    grades = dict(
        Grade.objects.filter(
            assignment=assignment, enrollment__cohort_id__in=cohort_ids
        ).values_list("enrollment_id", "points")
    )
    participants = Enrollment.objects.current().filter(cohort_id__in=cohort_ids).count()
    bands, unscored = _bands(assignment, grades, latest, runs)
    waiting = [
        now - row.submitted_at
        for row in latest.values()
        if row.review_state != Review.State.RELEASED
    ]
    return AssignmentAnalytics(
        assignment=assignment,
        cohorts=tuple(cohorts),
        participants=participants,
        submitted=len(latest),
        bands=bands,
        unscored=unscored,
        tests=_pass_rates([run.pk for run in runs.values()]),
        backlog=_backlog(waiting),
        oldest_waiting=max(waiting) if waiting else None,
        turnaround=_turnaround(assignment, cohort_ids),
    )


def _bands(
    assignment: Assignment,
    grades: dict[int, Decimal],
    latest: dict[int, "_Latest"],
    runs: dict[int, GradingRun],
) -> tuple[tuple[ScoreBand, ...], int]:
    released = [0] * BAND_COUNT
    unreleased = [0] * BAND_COUNT
    unscored = 0
    max_points = assignment.max_points
    for points in grades.values():
        released[_band(percentage(points, max_points))] += 1
    for enrollment_id, row in latest.items():
        if enrollment_id in grades:
            continue
        run = runs.get(row.pk)
        if run is None or run.autograded_points is None:
            unscored += 1
            continue
        manual = row.manual_points or Decimal(0)
        provisional = apply_late_policy(
            raw=min(run.autograded_points + manual, max_points),
            max_points=max_points,
            late_seconds=row.late_seconds,
            policy=assignment.settings.late_policy,
        )
        unreleased[_band(percentage(provisional.final, max_points))] += 1
    step = 100 // BAND_COUNT
    return (
        tuple(
            ScoreBand(i * step, (i + 1) * step, released[i], unreleased[i])
            for i in range(BAND_COUNT)
        ),
        unscored,
    )


def _band(percent: Decimal) -> int:
    return max(0, min(BAND_COUNT - 1, int(percent // (100 // BAND_COUNT))))


def _pass_rates(run_ids: list[int]) -> tuple[TestPassRate, ...]:
    tally: dict[str, list[int]] = {}
    meta: dict[str, tuple[int, Decimal, bool]] = {}
    for grade_id, status, position, max_points, hidden in TestResult.objects.filter(
        run_id__in=run_ids, kind=TestResult.Kind.AUTOGRADED
    ).values_list("grade_id", "status", "position", "max_points", "hidden"):
        counts = tally.setdefault(grade_id, [0, 0, 0])
        index = (
            0
            if status == TestResult.Status.PASSED
            else 1
            if status == TestResult.Status.PARTIAL
            else 2
        )
        counts[index] += 1
        known = meta.get(grade_id)
        meta[grade_id] = (min(position, known[0]) if known else position, max_points, hidden)
    return tuple(
        TestPassRate(grade_id, meta[grade_id][1], meta[grade_id][2], *tally[grade_id])
        for grade_id in sorted(tally, key=lambda g: (meta[g][0], g))
    )


def _backlog(ages: Iterable[timedelta]) -> tuple[BacklogBucket, ...]:
    counts = dict.fromkeys((key for _bound, key in BACKLOG_BUCKETS), 0)
    for age in ages:
        for bound, key in BACKLOG_BUCKETS:
            if bound is None or age < bound:
                counts[key] += 1
                break
    return tuple(BacklogBucket(key, count) for key, count in counts.items())


def _turnaround(assignment: Assignment, cohort_ids: list[int]) -> Turnaround:
    durations = sorted(
        released - submitted
        for submitted, released in Review.objects.filter(
            state=Review.State.RELEASED,
            released_at__isnull=False,
            submission__assignment=assignment,
            submission__enrollment__cohort_id__in=cohort_ids,
        ).values_list("submission__submitted_at", "released_at")
        if released is not None
    )
    return Turnaround(
        count=len(durations),
        median=nearest_rank(durations, 50),
        p75=nearest_rank(durations, 75),
        p90=nearest_rank(durations, 90),
        longest=durations[-1] if durations else None,
    )


def nearest_rank(ordered: Sequence[timedelta], percent: int) -> timedelta | None:
    """The nearest-rank percentile of sorted values: always one of the observed values."""
    if not ordered:
        return None
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]
