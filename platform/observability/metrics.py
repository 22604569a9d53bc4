"""The platform's own Prometheus metrics, observed where the work happens.

Request latency by view comes from django-prometheus's middleware; the queue's depth and age
and the live workers are read from the database at scrape time (``health.QueueCollector``).
What is observed here happens in the grading workers, so a scrape of a web process sees it only
in prometheus-client's multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set for every web
and worker process of a host, each process writes its samples to files there and ``/metrics``
adds them up (docs/operations.md, "Health, metrics and logs").

This module imports nothing of Django's: the sandbox code imports it.
"""

import os

from prometheus_client import Counter, Histogram

# From a tenth of a second (a cached or tiny notebook) to the 600 s notebook timeout.
_JOB_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, float("inf"))

GRADING_SECONDS = Histogram(
    "certlab_grading_duration_seconds",
    "Time a worker spent on one grading run, by how it ended (graded, failed, skipped).",
    ["outcome"],
    buckets=_JOB_BUCKETS,
)
RENDER_SECONDS = Histogram(
    "certlab_render_duration_seconds",
    "Time a worker spent rendering one notebook, by how it ended (ok, failed, skipped).",
    ["outcome"],
    buckets=_JOB_BUCKETS,
)
KERNEL_FAILURES = Counter(
    "certlab_kernel_failures_total",
    "Grading kernels that did not run a notebook to its end: it never started (start), "
    "died, was stopped at a limit (run), or stopped answering (hung).",
    ["stage"],
)
TEMPLATE_RESTARTS = Counter(
    "certlab_kernel_template_restarts_total",
    "Kernel templates found dead and started again by their worker.",
)


def multiprocess_dir() -> str | None:
    """Where every process of this host writes its samples, if multiprocess mode is on."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
