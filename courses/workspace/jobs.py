"""Periodic job of the workspace (``platform.schedule``): judge the at-risk rule again, so the
reasons that depend on "now" (a deadline passing, weeks without activity) stored with each
progress record are at most 15 minutes old (docs/workspace.md, "Performance")."""

from datetime import timedelta

from django.utils import timezone

from courses.risk import judge_running_cohorts
from platform.schedule import periodic


@periodic("judge-risk", every=timedelta(minutes=15))
def judge_risk() -> int:
    return judge_running_cohorts(now=timezone.now())
