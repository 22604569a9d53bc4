"""Is the platform ready to do its work? The checks behind ``/readyz``, and worker heartbeats.

Each check reads one thing, in a constant number of queries whatever the data's size, and says
``ok`` or ``failing`` with the numbers it judged; nothing personal and no secret (workers are
named host:pid, disks by their role, never their path). ``ready`` holds when every check is ok.
Thresholds are settings (docs/operations.md, "Health, metrics and logs"):

* database: a ``SELECT 1`` answers;
* queues: per queue of ``TASKS``, the tasks ready to run and the age of the oldest, failing
  when older than ``READINESS_QUEUE_MAX_AGE_SECONDS``;
* workers: the grading workers whose heartbeat is at most ``GRADING_STALE_SECONDS`` old (the
  same silence after which their grading runs count as lost); failing when none is, or when a
  queue with tasks waiting has no live worker serving it;
* scheduler: when a periodic job (``platform.schedule``) last started, failing when longer
  ago than ``READINESS_SCHEDULER_MAX_AGE_SECONDS``;
* disk: free space where ``VAR_DIR`` and ``PRIVATE_FILES_ROOT`` live, failing below
  ``READINESS_DISK_MIN_FREE_MB``.
"""

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from platform.models import ScheduledJob, WorkerHeartbeat

logger = logging.getLogger(__name__)

OK, FAILING = "ok", "failing"
# A killed worker's row is kept this long (listed as stale), then removed by the next beat.
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Check:
    name: str
    state: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.state == OK


@dataclass(frozen=True)
class QueueStats:
    queue: str
    depth: int
    oldest_age_seconds: float


def queue_stats(now: datetime | None = None) -> list[QueueStats]:
    """Every configured queue's ready tasks and the age of its oldest, in one query."""
    now = now or timezone.now()
    backend = settings.TASKS["default"]
    rows = {
        row["queue_name"]: row
        for row in DBTaskResult.objects.ready()
        .order_by()
        .values("queue_name")
        .annotate(depth=Count("id"), oldest=Min("enqueued_at"))
    }
    names = sorted({*backend.get("QUEUES", ["default"]), *rows})
    return [
        QueueStats(
            queue=name,
            depth=rows[name]["depth"] if name in rows else 0,
            oldest_age_seconds=max(0.0, (now - rows[name]["oldest"]).total_seconds())
            if name in rows
            else 0.0,
        )
        for name in names
    ]


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("readiness: the database does not answer (%s)", type(error).__name__)
        return Check("database", FAILING, {"error": type(error).__name__})
    return Check("database", OK)


def check_queues(stats: list[QueueStats]) -> Check:
    limit = settings.READINESS_QUEUE_MAX_AGE_SECONDS
    late = [s.queue for s in stats if s.oldest_age_seconds > limit]
    return Check(
        "queues",
        FAILING if late else OK,
        {
            "max_age_seconds": limit,
            "queues": {
                s.queue: {"depth": s.depth, "oldest_age_seconds": round(s.oldest_age_seconds, 1)}
                for s in stats
            },
            "too_old": late,
        },
    )


def check_workers(now: datetime, waiting: set[str]) -> Check:
    """Live workers, and none of the queues with ``waiting`` tasks left without one."""
    silent_after = settings.GRADING_STALE_SECONDS
    cutoff = now - timedelta(seconds=silent_after)
    alive: list[dict[str, object]] = []
    stale: list[dict[str, object]] = []
    served: set[str] = set()
    for beat in WorkerHeartbeat.objects.order_by("name"):
        entry = {
            "name": beat.name,
            "queues": beat.queues,
            "seen_seconds_ago": round((now - beat.seen_at).total_seconds(), 1),
        }
        if beat.seen_at >= cutoff:
            alive.append(entry)
            served.update(beat.queues.split(","))
        else:
            stale.append(entry)
    unserved = [] if "*" in served else sorted(waiting - served)
    return Check(
        "workers",
        OK if alive and not unserved else FAILING,
        {"stale_after_seconds": silent_after, "alive": alive, "stale": stale, "unserved": unserved},
    )


def check_scheduler(now: datetime) -> Check:
    limit = settings.READINESS_SCHEDULER_MAX_AGE_SECONDS
    last = ScheduledJob.objects.aggregate(last=Max("last_started_at"))["last"]
    age = None if last is None else round((now - last).total_seconds(), 1)
    return Check(
        "scheduler",
        OK if age is not None and age <= limit else FAILING,
        {"max_age_seconds": limit, "last_run_seconds_ago": age},
    )


def check_disk() -> Check:
    minimum = settings.READINESS_DISK_MIN_FREE_MB
    places = {"var": settings.VAR_DIR, "private_files": settings.PRIVATE_FILES_ROOT}
    free: dict[str, int | None] = {}
    for role, path in places.items():
        try:
            free[role] = shutil.disk_usage(path).free // (1024 * 1024)
        except OSError:
            free[role] = None  # missing or unreadable: as bad as full
    low = [role for role, mb in free.items() if mb is None or mb < minimum]
    return Check(
        "disk",
        FAILING if low else OK,
        {"min_free_mb": minimum, "free_mb": free, "low": low},
    )


def check_redis() -> Check:
    """Only with ``REDIS_URL``: the rate limits count there (platform/redis_guard.py)."""
    from django.core.cache import caches
    from redis.exceptions import RedisError

    try:
        caches["default"].get("readiness-probe")
    except RedisError as error:
        logger.warning("readiness: Redis does not answer (%s)", type(error).__name__)
        return Check("redis", FAILING, {"error": type(error).__name__})
    return Check("redis", OK)


def readiness() -> list[Check]:
    """Every check; the ones that need the database are skipped (failing) when it is down."""
    database = check_database()
    if not database.ok:
        skipped = [
            Check(name, FAILING, {"error": "database unavailable"})
            for name in ("queues", "workers", "scheduler")
        ]
        return [database, *skipped, check_disk(), *_redis_checks()]
    now = timezone.now()
    stats = queue_stats(now)
    waiting = {s.queue for s in stats if s.depth}
    return [
        database,
        check_queues(stats),
        check_workers(now, waiting),
        check_scheduler(now),
        check_disk(),
        *_redis_checks(),
    ]


def _redis_checks() -> list[Check]:
    return [check_redis()] if settings.REDIS_URL else []


# --- the workers' heartbeat -------------------------------------------------------------------


def record_heartbeat(*, name: str, queues: str) -> None:
    """Say that the worker ``name`` is alive (its watch thread calls this every few seconds),
    and forget workers silent for a day. Never raises: a missed beat only ages the row."""
    now = timezone.now()
    try:
        WorkerHeartbeat.objects.update_or_create(
            name=name, defaults={"seen_at": now, "queues": queues[:200]}
        )
        WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    except DatabaseError:
        logger.exception("recording the worker's heartbeat failed; trying again")


def live_workers(queue: str, now: datetime | None = None) -> int:
    """How many workers with a fresh heartbeat serve ``queue`` (one query; a worker started
    without ``--queue-name`` serves every queue)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.GRADING_STALE_SECONDS)
    served = WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("queues", flat=True)
    return sum(1 for queues in served if {"*", queue} & set(queues.split(",")))


def forget_worker(*, name: str) -> None:
    """A worker that stops cleanly removes its row; a killed one's goes stale."""
    try:
        WorkerHeartbeat.objects.filter(name=name).delete()
    except DatabaseError:
        logger.exception("removing the worker's heartbeat failed")


# --- the same numbers for Prometheus ----------------------------------------------------------


class QueueCollector(Collector):
    """Queue depth and oldest age per queue and the live workers, read at scrape time (two
    queries), so every web process reports the same numbers and no worker has to export them."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "certlab_queue_depth", "Tasks ready to run, per queue.", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "certlab_queue_oldest_age_seconds",
            "Age of the oldest task ready to run, per queue (0 when empty).",
            labels=["queue"],
        )
        for stats in queue_stats():
            depth.add_metric([stats.queue], stats.depth)
            age.add_metric([stats.queue], stats.oldest_age_seconds)
        cutoff = timezone.now() - timedelta(seconds=settings.GRADING_STALE_SECONDS)
        workers = GaugeMetricFamily(
            "certlab_workers_alive", "Grading workers whose heartbeat is recent."
        )
        workers.add_metric([], WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).count())
        yield from (depth, age, workers)
