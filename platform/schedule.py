"""Periodic jobs run by the grading worker, so the embedded default needs no cron (docs/operations.md,
"Scheduled jobs").

A job is a function registered with ``@periodic(name, every=timedelta)`` in a module the
``PERIODIC_MODULES`` list names; each worker calls ``run_due_jobs`` about once a minute. A job
is claimed by moving its ``ScheduledJob.last_started_at`` forward in one conditional UPDATE, so
with several workers (or hosts) each due run happens once; jobs must be idempotent anyway (a
worker killed mid-run leaves the job to run again at its next period). The outcome (the job's
return value, or the error) is recorded on the row.
"""

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from platform.models import ScheduledJob

logger = logging.getLogger(__name__)

# Modules whose import registers their jobs.
PERIODIC_MODULES = [
    "platform.jobs",
    "platform.privacy.jobs",
    "courses.applications.jobs",
    "courses.communication.jobs",
    "submissions.reviewing.jobs",
    "courses.workspace.jobs",
]


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], object]


JOBS: dict[str, Job] = {}


def periodic(
    name: str, *, every: timedelta
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(function: Callable[[], object]) -> Callable[[], object]:
        JOBS[name] = Job(name=name, every=every, run=function)
        return function

    return register


def load_jobs() -> dict[str, Job]:
    for module in PERIODIC_MODULES:
        importlib.import_module(module)
    return JOBS


def claim(job: Job) -> bool:
    """Whether this process may run ``job`` now (it is due and nobody else claimed it)."""
    now = timezone.now()
    ScheduledJob.objects.get_or_create(name=job.name)
    return bool(
        ScheduledJob.objects.filter(name=job.name)
        .filter(Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.every))
        .update(last_started_at=now)
    )


def run_due_jobs() -> list[str]:
    """Run every registered job that is due; returns the names of those that ran."""
    ran = []
    for job in load_jobs().values():
        if not claim(job):
            continue
        try:
            result = job.run()
        except Exception as error:
            logger.exception("periodic job %s failed", job.name)
            ScheduledJob.objects.filter(name=job.name).update(
                last_finished_at=timezone.now(), last_error=f"{type(error).__name__}: {error}"
            )
        else:
            ScheduledJob.objects.filter(name=job.name).update(
                last_finished_at=timezone.now(), last_result=str(result)[:500], last_error=""
            )
        ran.append(job.name)
    return ran
