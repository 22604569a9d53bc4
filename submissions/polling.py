"""How often the submission page asks whether grading or rendering has settled.

A typical notebook is graded about 1.3 s after its upload, so a participant who just uploaded
waits for a result that is a second away; a fixed one-second poll would add half a second on
average (up to a whole one) to that wait. The page therefore polls fast while a result is near
and backs off later: every second up to two minutes (a long notebook or a queue at a deadline)
and every 5 seconds after that (a backlog or a stuck worker: a tab left open costs the server
little). See docs/grading.md.

"Near" depends on the state of the attempt's grading run. A *running* run polls every 100 ms
for its first 5 seconds (most notebooks are graded by then; the poll adds 50 ms on average)
and every 250 ms up to 10 seconds, counted from its start. A run still *queued* polls every
250 ms for its first 3 seconds only (an idle worker starts it at once); after that it waits
behind other runs, as at a deadline, and its page asks every second until the run starts. So
the fast polling of a whole class uploading at once is bounded by the runs the workers are
grading, not by the number of people waiting. The rendered notebook (rendered after grading)
polls every 250 ms for its first 10 seconds.
"""

import datetime as dt
from typing import Final

from django.utils import timezone

from submissions.models import GradingRun

# (age of the work below which this interval applies, the interval as htmx's `every` reads it)
Schedule = tuple[tuple[dt.timedelta, str], ...]
_LATER: Final[Schedule] = ((dt.timedelta(minutes=2), "1s"),)
SLOWEST: Final = "5s"
RENDERING: Final[Schedule] = (
    (dt.timedelta(seconds=2), "100ms"),
    (dt.timedelta(seconds=10), "250ms"),
    *_LATER,
)
RUNNING: Final[Schedule] = (
    (dt.timedelta(seconds=5), "100ms"),
    (dt.timedelta(seconds=10), "250ms"),
    *_LATER,
)
QUEUED: Final[Schedule] = ((dt.timedelta(seconds=3), "250ms"), *_LATER)


def poll_interval(
    since: dt.datetime, *, now: dt.datetime | None = None, schedule: Schedule = RENDERING
) -> str:
    """The htmx interval (``"100ms"`` … ``"5s"``) for work that began at ``since``."""
    age = (now or timezone.now()) - since
    for limit, interval in schedule:
        if age < limit:
            return interval
    return SLOWEST


def grading_interval(
    run: GradingRun | None, submitted_at: dt.datetime, *, now: dt.datetime | None = None
) -> str:
    """The interval for an unsettled attempt's grading region, from its latest run's state."""
    if run is None:
        return poll_interval(submitted_at, now=now, schedule=QUEUED)
    if run.status == GradingRun.Status.RUNNING and run.started_at is not None:
        return poll_interval(run.started_at, now=now, schedule=RUNNING)
    return poll_interval(run.enqueued_at, now=now, schedule=QUEUED)
