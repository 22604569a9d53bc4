"""How often the submission page asks whether grading or rendering has settled.

A typical notebook is graded about 1.5 s after its upload, so a participant who just uploaded
waits for a result that is seconds away; a fixed one-second poll would add half a second on
average (up to a whole one) to that wait. The page therefore polls every 250 ms for the
first 10 seconds (a quarter of a second added at most, 40 cheap requests), every second up to
two minutes (a long notebook or a queue at a deadline), and every 5 seconds after that (a
backlog or a stuck worker: a tab left open costs the server little). See docs/grading.md.
"""

import datetime as dt
from typing import Final

from django.utils import timezone

# (age of the work below which this interval applies, the interval as htmx's `every` reads it)
SCHEDULE: Final[tuple[tuple[dt.timedelta, str], ...]] = (
    (dt.timedelta(seconds=10), "250ms"),
    (dt.timedelta(minutes=2), "1s"),
)
SLOWEST: Final = "5s"


def poll_interval(since: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """The htmx interval (``"250ms"``, ``"1s"``, ``"5s"``) for work queued at ``since``."""
    age = (now or timezone.now()) - since
    for limit, interval in SCHEDULE:
        if age < limit:
            return interval
    return SLOWEST
