"""A background job logged under the request that queued it, and timed.

``@observed_job(histogram, Model)`` wraps a task that takes the id of a ``Model`` row with a
``request_id`` field (a grading run, a rendered notebook): while the job runs, its log lines
carry that id, the one the upload's response returned; its duration is observed in
``histogram``, labelled with what the job returned ("graded", "failed", "skipped", ...).
A row without an id (queued by a command or the demo) gets a fresh one for the job's lines.
"""

import functools
import logging
import time
from collections.abc import Callable

from django.db import models
from prometheus_client import Histogram

from platform.observability.logging import bound_request, new_request_id

logger = logging.getLogger(__name__)


def observed_job(
    histogram: Histogram, model: type[models.Model]
) -> Callable[[Callable[[int], str]], Callable[[int], str]]:
    def decorate(job: Callable[[int], str]) -> Callable[[int], str]:
        @functools.wraps(job)
        def run(pk: int) -> str:
            request_id = (
                model._default_manager.filter(pk=pk).values_list("request_id", flat=True).first()
            )
            with bound_request(request_id or new_request_id()):
                logger.info("%s %s started", job.__name__, pk)
                started = time.monotonic()
                outcome = "error"
                try:
                    outcome = job(pk)
                    return outcome
                finally:
                    seconds = time.monotonic() - started
                    histogram.labels(outcome=outcome).observe(seconds)
                    logger.info("%s %s: %s in %.2f s", job.__name__, pk, outcome, seconds)

        return run

    return decorate
