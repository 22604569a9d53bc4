"""A real worker: a ``manage.py grading_worker`` process grades and renders what the web side queued."""

import os
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest

from submissions.grading.isolation.sandbox import short_run_base
from submissions.models import RenderedNotebook, Submission
from tests.helpers import participant_notebook, submit, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_grades_and_renders_a_submission(
    worker: Any, enrolled: Any, assignment: Any, tmp_path: Path
) -> None:
    submission = submit(enrolled, assignment)
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.QUEUED

    def settled() -> bool:
        s = Submission.objects.get(pk=submission.pk)
        rendered = RenderedNotebook.objects.filter(notebook_sha256=s.notebook_sha256).first()
        return s.is_settled and rendered is not None and rendered.status != "pending"

    wait_for(settled, timeout=180, log=tmp_path / "worker-1.log")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.GRADED
    run = submission.grading_runs.get()
    assert run.autograded_points == 3
    assert run.worker and run.worker.split(":")[-1] != str(
        os.getpid()
    )  # graded by the other process
    assert RenderedNotebook.objects.get(notebook_sha256=submission.notebook_sha256).status == "ok"
    assert worker.poll() is None  # the worker is still alive


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_the_attempt_to_another_worker_which_grades_it_once(
    start_worker: Any, enrolled: Any, assignment: Any, tmp_path: Path
) -> None:
    fast_watchdog = {"GRADING_HEARTBEAT_SECONDS": "1", "GRADING_STALE_SECONDS": "4"}
    first = start_worker(**fast_watchdog)
    slow = participant_notebook("    return x * x\nimport time\ntime.sleep(8)")
    submission = submit(enrolled, assignment, notebook=slow)
    wait_for(
        lambda: submission.grading_runs.filter(status="running").exists(),
        timeout=120,
        log=tmp_path / "worker-1.log",
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)

    start_worker(**fast_watchdog)
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).is_settled,
        timeout=180,
        log=tmp_path / "worker-2.log",
    )
    runs = list(submission.grading_runs.order_by("pk"))
    assert [r.status for r in runs] == ["abandoned", "graded"]
    assert runs[1].replaces_id == runs[0].pk
    assert runs[0].worker != runs[1].worker
    assert runs[1].autograded_points == 3
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.GRADED
    # The killed worker's directories (its kernel template's spool, its run) are swept.
    parents = {short_run_base(), tempfile.gettempdir()}
    assert [p for parent in parents for p in Path(parent).glob(f"gr*-{first.pid}.*")] == []
