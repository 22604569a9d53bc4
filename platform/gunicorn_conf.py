"""gunicorn's settings for bin/serve and certlab-web.service (``--config python:platform.gunicorn_conf``).

Command-line options (``--workers``, ``--bind``) override these.
"""

from typing import Any

from prometheus_client import multiprocess

from platform.observability.metrics import multiprocess_dir

# nginx logs every request (with its request id); the application logs to stderr itself.
accesslog = None
# A request that takes longer is a bug or an attack; uploads are buffered by nginx first.
timeout = 120
graceful_timeout = 30
# gunicorn's runtime control socket sits at one path per user ($HOME/.gunicorn/gunicorn.ctl), so
# a second instance on the machine would take it over; nothing here uses it.
control_socket_disable = True


def child_exit(_server: Any, worker: Any) -> None:
    """Drop a dead gunicorn worker's live gauges from the shared metrics directory
    (prometheus-client's multiprocess mode; docs/operations.md, "Health, metrics and logs")."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
