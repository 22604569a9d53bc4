"""The worker to run: ``db_worker`` plus the watchdog that re-queues runs of dead workers."""

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from submissions.grading.kernel import prestart_template
from submissions.services import requeue_abandoned_runs
from submissions.tasks import grading_limits

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run a background worker for grading and rendering (all queues by default). Every "
        "worker also re-queues grading runs whose worker died, so a SIGKILLed worker's "
        "attempt is graded by another one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="*")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(
        self, *args: Any, queue_name: str, interval: float, max_tasks: int | None, **options: Any
    ) -> None:
        stop = threading.Event()
        watchdog = threading.Thread(
            target=self._watch, args=(stop,), name="requeue-watchdog", daemon=True
        )
        watchdog.start()
        # Started here, in the thread that grades: bubblewrap's --die-with-parent follows the
        # thread that started the template, and the first submission finds it warm, with its
        # kernel forked and started.
        prestart_template(grading_limits())
        extra = {"max_tasks": max_tasks} if max_tasks else {}
        try:
            call_command(
                "db_worker",
                queue_name=queue_name,
                interval=interval,
                startup_delay=False,
                reload=False,
                **extra,
            )
        finally:
            stop.set()

    def _watch(self, stop: threading.Event) -> None:
        period = max(1.0, settings.GRADING_STALE_SECONDS / 3)
        while True:
            try:
                for run in requeue_abandoned_runs():
                    logger.warning("re-queued attempt %s: its worker stopped", run.submission_id)
            except Exception:
                logger.exception("the re-queue watchdog failed; trying again")
            finally:
                close_old_connections()
            if stop.wait(period):
                return
