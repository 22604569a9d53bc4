"""A real worker reports its heartbeat for /readyz, forgets it when stopped, and writes JSON log
lines in which its grading carries the upload's request id."""

import json
import signal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from platform.models import WorkerHeartbeat
from platform.observability.logging import bound_request
from submissions.models import Submission
from tests.helpers import submit, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]

REQUEST_ID = "upload-in-the-rush-0042"


@pytest.mark.django_db(transaction=True)
def test_a_worker_beats_logs_json_under_the_uploads_request_id_and_leaves_cleanly(
    start_worker: Any, enrolled: Any, assignment: Any, tmp_path: Path
) -> None:
    worker = start_worker(LOG_FORMAT="json", GRADING_STALE_SECONDS="6")
    log = tmp_path / "worker-1.log"
    wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=60, log=log)
    beat = WorkerHeartbeat.objects.get()
    assert beat.name.endswith(f":{worker.pid}")
    assert beat.queues == "*"
    workers = Client().get(reverse("readyz")).json()["checks"]["workers"]
    assert [w["name"] for w in workers["alive"]] == [beat.name]
    wait_for(
        lambda: WorkerHeartbeat.objects.get().seen_at > beat.seen_at, timeout=30, log=log
    )  # beats again

    with bound_request(REQUEST_ID):
        submission = submit(enrolled, assignment)
    wait_for(lambda: Submission.objects.get(pk=submission.pk).is_settled, timeout=180, log=log)

    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)
    assert not WorkerHeartbeat.objects.exists()

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert {"time", "level", "logger", "message", "request_id", "user_id"} <= set(lines[0])
    grading = [
        line
        for line in lines
        if line["logger"] == "platform.observability.jobs"
        and line["message"].startswith("grade_submission")
    ]
    assert [line["request_id"] for line in grading] == [REQUEST_ID, REQUEST_ID]
    assert grading[-1]["message"].split(": ")[1].startswith("graded in ")
