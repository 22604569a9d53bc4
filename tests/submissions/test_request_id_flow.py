"""One request id follows an attempt from its upload through its grading and rendering in the
worker (docs/operations.md, "Health, metrics and logs")."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from prometheus_client import REGISTRY

from platform.observability.logging import bound_request
from submissions.models import GradingRun, RenderedNotebook, Submission
from submissions.services import requeue_abandoned_runs
from tests.helpers import participant_notebook, submit, upload_file

REQUEST_ID = "upload-7f3a9c21-rush"


def count(metric: str, outcome: str) -> float:
    return REGISTRY.get_sample_value(f"{metric}_count", {"outcome": outcome}) or 0.0


@pytest.mark.slow
def test_the_uploads_request_id_follows_it_into_grading_and_rendering(
    enrolled: Any,
    assignment: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
    json_log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    graded = count("certlab_grading_duration_seconds", "graded")
    rendered = count("certlab_render_duration_seconds", "ok")
    client = client_for(enrolled)
    # The jobs run when the captured commit callbacks do: after the request has ended, as in a
    # worker, so the id can only come from what the upload stored.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions:upload", args=[assignment.pk]),
            {"notebook": upload_file(participant_notebook())},
            HTTP_X_REQUEST_ID=REQUEST_ID,
        )
    assert response.status_code == 302
    assert response["X-Request-ID"] == REQUEST_ID

    submission = Submission.objects.get()
    assert submission.status == Submission.Status.GRADED
    assert GradingRun.objects.get().request_id == REQUEST_ID
    assert RenderedNotebook.objects.get().request_id == REQUEST_ID

    jobs = [line for line in json_log_lines() if line["logger"] == "platform.observability.jobs"]
    messages = [line["message"] for line in jobs]
    assert any(m.startswith("grade_submission ") and ": graded in " in m for m in messages)
    assert any(m.startswith("render_notebook ") and ": ok in " in m for m in messages)
    assert len(jobs) == 4
    assert {line["request_id"] for line in jobs} == {REQUEST_ID}
    assert count("certlab_grading_duration_seconds", "graded") == graded + 1
    assert count("certlab_render_duration_seconds", "ok") == rendered + 1


def test_a_requeued_run_keeps_its_uploads_request_id(enrolled: Any, assignment: Any) -> None:
    with bound_request(REQUEST_ID):
        submission = submit(enrolled, assignment)
    run = submission.grading_runs.get()
    GradingRun.objects.filter(pk=run.pk).update(
        status=GradingRun.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    (replacement,) = requeue_abandoned_runs()
    assert replacement.request_id == run.request_id == REQUEST_ID
