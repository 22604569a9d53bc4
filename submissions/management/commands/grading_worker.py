"""The worker to run: django-tasks-db's worker, woken by the doorbell, plus the re-queue watchdog."""

import logging
import threading
from argparse import ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, router
from django.db.utils import OperationalError
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import (
    Worker,
    valid_backend_name,
    valid_interval,
    valid_max_tasks,
)
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from platform.doorbell import Doorbell, doorbell_for
from platform.observability.health import forget_worker, record_heartbeat
from platform.schedule import run_due_jobs
from submissions.grading.isolation.rundirs import prestart_template
from submissions.grading.isolation.spool import sweep_abandoned
from submissions.orphans import SWEEP_PERIOD, sweep_orphan_blobs
from submissions.rendering import prestart_renderer, stop_prestarted_renderer
from submissions.services import requeue_abandoned_runs
from submissions.tasks import (
    GRADING_QUEUE,
    RENDERING_QUEUE,
    grading_limits,
    intake_limits,
    render_limits,
    worker_name,
)

logger = logging.getLogger(__name__)


class DoorbellWorker(Worker):
    """django-tasks-db's worker that, with nothing to do, waits on the doorbell, not a sleep.

    Claiming, running a task and the signal handling (SIGTERM finishes the current task, and
    exits at once when idle) are the library's; only the loop is ours.
    """

    def __init__(self, *, doorbell: Doorbell, **options: Any) -> None:
        super().__init__(batch=False, startup_delay=False, excluded_queue_names=[], **options)
        self.doorbell = doorbell

    def run(self) -> None:
        logger.info("worker %s serves the queues %s", self.worker_id, ",".join(self.queue_names))
        while self.running:
            close_old_connections()
            task_result = self.claim()
            if task_result is not None:
                self.run_task(task_result)
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    logger.info("worker %s ran its %d tasks", self.worker_id, self._run_tasks)
                    return
            elif self.running:
                close_old_connections()
                self.doorbell.wait(self.interval)

    def claim(self) -> DBTaskResult[..., Any] | None:
        """The next ready task of this worker's queues, claimed for it; None when there is none."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result: DBTaskResult[..., Any] | None = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as e:
                if not is_locked_database_exception(e):
                    raise
                return None  # SQLite is busy: look again after the next ring or interval
        return task_result


def served_queues(raw: str) -> list[str]:
    """``--queue-name`` as a list: ``["*"]`` for all, else names of ``settings.TASKS``' queues."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if names == ["*"]:
        return names
    known = settings.TASKS[DEFAULT_TASK_BACKEND_ALIAS].get("QUEUES", [])
    unknown = [name for name in names if name not in known]
    if not names or unknown:
        raise CommandError(
            f"--queue-name {raw!r}: not a queue of this site ({', '.join(unknown) or 'none'}); "
            f"the queues are {', '.join(known)}, or '*' for all"
        )
    return names


def serves(queue_names: list[str], queue: str) -> bool:
    return "*" in queue_names or queue in queue_names


class Command(BaseCommand):
    help = (
        "Run a background worker for grading and rendering (all queues by default; "
        "--queue-name grading and --queue-name rendering,default split them between two "
        "workers, so a render never waits in front of a grading). It picks up new work as "
        "soon as it is enqueued (the doorbell) and polls every --interval seconds besides. Every worker also re-queues grading runs whose worker died, so a "
        "SIGKILLed worker's attempt is graded by another one, removes the temporary "
        "directories such a worker left on this host, and deletes stored blobs that no row "
        "names once they are an hour old (as manage.py purge_orphan_blobs does)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="*",
            help="the queues this worker serves, comma-separated; '*' for all (default)",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="seconds between polls of the queue when no ring comes (default: 1)",
        )
        parser.add_argument("--max-tasks", type=valid_max_tasks, default=None)

    def handle(
        self, *args: Any, queue_name: str, interval: float, max_tasks: int | None, **options: Any
    ) -> None:
        try:
            valid_backend_name(DEFAULT_TASK_BACKEND_ALIAS)
        except ArgumentTypeError as e:
            raise CommandError(f"grading_worker runs database tasks only: {e}") from e
        queue_names = served_queues(queue_name)
        stop = threading.Event()
        watchdog = threading.Thread(
            target=self._watch,
            args=(stop, ",".join(queue_names)),
            name="requeue-watchdog",
            daemon=True,
        )
        watchdog.start()
        # A thread of its own: a long sweep of a large store must not delay the re-queueing.
        threading.Thread(
            target=self._sweep_blobs, args=(stop,), name="orphan-blob-sweep", daemon=True
        ).start()
        if serves(queue_names, GRADING_QUEUE):
            # Started here, in the thread that grades: bubblewrap's --die-with-parent follows
            # the thread that started the template, and the first submission finds it warm,
            # with its kernel forked and started.
            prestart_template(grading_limits())
        try:
            if serves(queue_names, RENDERING_QUEUE):
                # The first render finds a child with the renderer imported waiting for it.
                prestart_renderer(render_limits(), intake_limits=intake_limits())
            worker = DoorbellWorker(
                doorbell=doorbell_for(using=router.db_for_write(DBTaskResult)),
                queue_names=queue_names,
                interval=interval,
                backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                max_tasks=max_tasks,
                worker_id=get_random_string(32),
            )
            worker.configure_signals()
            with worker.doorbell:
                worker.run()
        finally:
            stop.set()
            stop_prestarted_renderer()
            forget_worker(name=worker_name())

    def _watch(self, stop: threading.Event, queues: str) -> None:
        period = max(1.0, settings.GRADING_STALE_SECONDS / 3)
        while True:
            record_heartbeat(name=worker_name(), queues=queues)  # /readyz lists the live workers
            try:
                for run in requeue_abandoned_runs():
                    logger.warning("re-queued attempt %s: its worker stopped", run.submission_id)
            except Exception:
                logger.exception("the re-queue watchdog failed; trying again")
            finally:
                close_old_connections()
            try:
                # What a killed worker of this host left in the temporary directory.
                sweep_abandoned()
            except Exception:
                logger.exception("sweeping abandoned grading directories failed")
            try:
                # Mail retries, offer expiries and the like (platform/schedule.py).
                run_due_jobs()
            except Exception:
                logger.exception("running the periodic jobs failed; trying again")
            finally:
                close_old_connections()
            if stop.wait(period):
                return

    def _sweep_blobs(self, stop: threading.Event) -> None:
        while True:
            try:
                deleted = sweep_orphan_blobs()
                if deleted:
                    logger.info("deleted %d orphaned blobs", len(deleted))
            except Exception:
                logger.exception("sweeping orphaned blobs failed; trying again")
            finally:
                close_old_connections()
            if stop.wait(SWEEP_PERIOD.total_seconds()):
                return
