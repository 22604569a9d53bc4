"""Re-running grading, and re-queueing runs whose worker died."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from submissions import services
from submissions.models import GradingRun, Submission
from tests.helpers import api_client, graded, grading_failed, submit


def test_a_rerun_keeps_the_earlier_runs(enrolled: Any, instructor: Any, assignment: Any) -> None:
    submission = submit(enrolled, assignment)
    graded(submission)
    [run] = services.rerun_grading(actor=instructor, submissions=[submission])
    assert run.requested_by == instructor
    assert submission.grading_runs.count() == 2
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.QUEUED


def test_a_rerun_skips_attempts_still_being_graded(
    enrolled: Any, instructor: Any, assignment: Any
) -> None:
    submission = submit(enrolled, assignment)  # its first run is still queued
    assert services.rerun_grading(actor=instructor, submissions=[submission]) == []
    assert submission.grading_runs.count() == 1


def make_stale(run: GradingRun, seconds: int = 3600) -> None:
    run.status = GradingRun.Status.RUNNING
    run.heartbeat_at = timezone.now() - dt.timedelta(seconds=seconds)
    run.save(update_fields=["status", "heartbeat_at"])


def test_a_run_without_heartbeat_is_abandoned_and_replaced_once(
    enrolled: Any, assignment: Any
) -> None:
    submission = submit(enrolled, assignment)
    run = submission.grading_runs.get()
    make_stale(run)
    [replacement] = services.requeue_abandoned_runs()
    run.refresh_from_db()
    assert run.status == "abandoned"
    assert replacement.replaces == run and replacement.status == "queued"
    assert services.requeue_abandoned_runs() == []  # nothing is re-queued twice


def test_a_fresh_heartbeat_is_left_alone(enrolled: Any, assignment: Any) -> None:
    run = submit(enrolled, assignment).grading_runs.get()
    make_stale(run, seconds=1)
    assert services.requeue_abandoned_runs() == []


def test_an_attempt_that_keeps_killing_workers_fails_with_a_reason(
    enrolled: Any, assignment: Any
) -> None:
    submission = submit(enrolled, assignment)
    run = submission.grading_runs.get()
    for _ in range(services.MAX_LOST_RUNS):
        make_stale(run)
        replaced = services.requeue_abandoned_runs()
        if not replaced:
            break
        [run] = replaced
    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    last = submission.grading_runs.order_by("-pk").first()
    assert last is not None and "interrupted 3 times" in last.error_text
    assert submission.grading_runs.filter(status="abandoned").count() == services.MAX_LOST_RUNS


def test_instructors_rerun_one_attempt_an_assignment_or_only_failed_ones(
    enrolled: Any,
    other_enrolled: Any,
    instructor: Any,
    other_instructor: Any,
    assignment: Any,
    client_for: Any,
) -> None:
    good = submit(enrolled, assignment)
    bad = submit(other_enrolled, assignment)
    graded(good)
    grading_failed(bad)
    client = client_for(instructor)

    response = client.post(
        reverse("submissions:regrade-assignment", args=[assignment.pk]), {"only_failed": "1"}
    )
    assert response.status_code == 302
    assert (good.grading_runs.count(), bad.grading_runs.count()) == (1, 2)

    client.post(reverse("submissions:regrade", args=[good.pk]))
    assert good.grading_runs.count() == 2

    assert (
        client_for(other_instructor)
        .post(reverse("submissions:regrade", args=[good.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(enrolled).post(reverse("submissions:regrade", args=[good.pk])).status_code == 404
    )
    assert (
        client_for(other_instructor)
        .post(reverse("submissions:regrade-assignment", args=[assignment.pk]))
        .status_code
        == 404
    )
    assert client.get(reverse("submissions:regrade", args=[good.pk])).status_code == 405


def test_the_grading_screen_shows_old_and_new_scores_side_by_side(
    enrolled: Any, instructor: Any, assignment: Any, client_for: Any
) -> None:
    submission = submit(enrolled, assignment)
    graded(submission, passed=(False, True))
    [rerun] = services.rerun_grading(actor=instructor, submissions=[submission])
    graded(submission)
    page = (
        client_for(instructor)
        .get(reverse("submissions:grade", args=[submission.pk]))
        .content.decode()
    )
    assert 'id="grading-runs"' in page
    history = page[page.index('id="grading-runs"') :]
    assert history.index(">3<") < history.index(">1<")  # newest first, both shown


@pytest.mark.parametrize("only_failed", [False, True])
def test_the_api_reruns_grading(
    enrolled: Any, instructor: Any, assignment: Any, only_failed: bool
) -> None:
    submission = submit(enrolled, assignment)
    graded(submission)
    client = api_client(instructor)
    response = client.post(
        reverse("submissions-api:regrade-assignment", args=[assignment.pk]),
        {"only_failed": only_failed},
        format="json",
    )
    assert response.status_code == 202
    assert response.json()["queued"] == (0 if only_failed else 1)
    response = client.post(reverse("submissions-api:regrade", args=[submission.pk]))
    assert response.status_code == 202
