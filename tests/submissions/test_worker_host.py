"""A worker's name is ``host:pid``; ``WORKER_HOST`` names the host where the machine's name
does not tell hosts apart (docs/operations.md, "Several hosts")."""

import os
import socket
from typing import Any

from submissions.tasks import worker_name


def test_the_worker_is_named_after_its_host_and_pid(settings: Any) -> None:
    settings.WORKER_HOST = ""
    assert worker_name() == f"{socket.gethostname()}:{os.getpid()}"
    settings.WORKER_HOST = "grader-2"
    assert worker_name() == f"grader-2:{os.getpid()}"
