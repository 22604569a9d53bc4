"""Periodic job of reviewing (``platform.schedule``): regrade requests overdue for their grader
go to the coordinators, so a server needs no cron for it (``manage.py escalate_regrades``
remains for running it by hand)."""

from datetime import timedelta

from platform.schedule import periodic
from submissions.reviewing.regrades import escalate_overdue


@periodic("escalate-regrades", every=timedelta(hours=1))
def escalate_regrades() -> int:
    return len(escalate_overdue())
