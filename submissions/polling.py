"""How often the submission page asks whether grading or rendering has settled.

A typical notebook is graded about 1.5 s after its upload, so a participant who just uploaded
waits for a result that is seconds away; a fixed one-second poll would add half a second on
average (up to a whole one) to that wait. The page therefore polls every 250 ms while a result
is near (a quarter of a second added at most), every second up to two minutes (a long notebook
or a queue at a deadline), and every 5 seconds after that (a backlog or a stuck worker: a tab
left open costs the server little). See docs/grading.md.

"Near" is the first 10 seconds of a grading run that is *running*, counted from its start. A
run still *queued* polls fast only for its first 3 seconds (an idle worker starts it at once);
after that it waits behind other runs, as at a deadline, and its page polls every second until
the run starts. So the fast polling of a whole class uploading at once is bounded by the runs
the workers are grading, not by the number of people waiting.
"""

import datetime as dt
from typing import Final

from django.utils import timezone

from submissions.models import GradingRun

FAST: Final = "250ms"
# How long a result counts as near: from a run's start, or from a queued run's enqueuing.
FAST_FOR: Final = dt.timedelta(seconds=10)
QUEUED_FAST_FOR: Final = dt.timedelta(seconds=3)
# (age of the work below which this interval applies, the interval as htmx's `every` reads it)
LATER: Final[tuple[tuple[dt.timedelta, str], ...]] = ((dt.timedelta(minutes=2), "1s"),)
SLOWEST: Final = "5s"


def poll_interval(
    since: dt.datetime, *, now: dt.datetime | None = None, fast_for: dt.timedelta = FAST_FOR
) -> str:
    """The htmx interval (``"250ms"``, ``"1s"``, ``"5s"``) for work queued at ``since``."""
    age = (now or timezone.now()) - since
    if age < fast_for:
        return FAST
    for limit, interval in LATER:
        if age < limit:
            return interval
    return SLOWEST


def grading_interval(
    run: GradingRun | None, submitted_at: dt.datetime, *, now: dt.datetime | None = None
) -> str:
    """The interval for an unsettled attempt's grading region, from its latest run's state."""
    if run is None:
        return poll_interval(submitted_at, now=now)
    if run.status == GradingRun.Status.RUNNING and run.started_at is not None:
        return poll_interval(run.started_at, now=now)
    return poll_interval(run.enqueued_at, now=now, fast_for=QUEUED_FAST_FOR)
