"""A real idle worker starts new work when it is enqueued, not at its next poll, and stops on SIGTERM.

The worker polls only once an hour (``--interval 3600``); a deadline of a minute, far below that,
can only be met because the enqueue rang its doorbell (UNIX sockets on SQLite, LISTEN/NOTIFY on
PostgreSQL: whichever database the suite runs on).
"""

import signal
from pathlib import Path
from typing import Any

import pytest

from submissions import services
from submissions.models import GradingRun, RenderedNotebook, Submission
from tests.helpers import submit, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]

AN_HOUR = 3600
A_MINUTE = 60


@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_starts_new_work_at_once_and_stops_on_sigterm(
    start_worker: Any, enrolled: Any, assignment: Any, tmp_path: Path
) -> None:
    worker = start_worker(interval=AN_HOUR)
    log = tmp_path / "worker-1.log"
    submission = submit(enrolled, assignment)

    def settled() -> bool:
        s = Submission.objects.get(pk=submission.pk)
        rendered = RenderedNotebook.objects.filter(notebook_sha256=s.notebook_sha256).first()
        return s.is_settled and rendered is not None and rendered.status != "pending"

    # The worker may have found these at its first poll; now it is idle until its next one.
    wait_for(settled, timeout=180, log=log)

    run = services.queue_grading(submission=submission)
    wait_for(
        lambda: GradingRun.objects.get(pk=run.pk).status == GradingRun.Status.GRADED,
        timeout=A_MINUTE,
        log=log,
    )
    assert GradingRun.objects.get(pk=run.pk).autograded_points == 3

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=A_MINUTE) == 0
