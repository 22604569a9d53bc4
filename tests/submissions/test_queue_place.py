"""A queued attempt's place in the grading queue and its estimate, on the page and in the API;
back-pressure: a grading queue older than its threshold refuses nothing and says it is busy."""

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from courses.models import Assignment, Cohort
from courses.services import enroll
from platform.models import User
from platform.observability import health
from submissions import tasks
from submissions.models import GradingRun, Submission
from submissions.queue import Basis, QueuePlace, estimate_seconds, median_duration, queue_place
from tests.helpers import api_client, make_user, participant_notebook, publish, submit, upload_file

DATABASE_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "grading", "rendering"],
    }
}


# --- the estimate, a pure function ----------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "running_for", "median", "workers", "expected"),
    [
        (0, None, 10.0, 1, 10.0),  # next in line, one worker: its own grading
        (3, None, 10.0, 1, 40.0),  # number 4: three before it, then its own
        (3, None, 10.0, 2, 20.0),  # two workers take two at a time
        (3, None, 10.0, 4, 10.0),  # enough workers: it starts at once
        (4, None, 10.0, 4, 20.0),  # one too many: a second round
        (0, 4.0, 10.0, 1, 6.0),  # running for 4 s of a 10 s median
        (0, 30.0, 10.0, 1, 1.0),  # running longer than usual: any moment, never negative
        (5, None, None, 2, None),  # nothing graded yet: no estimate
        (5, None, 10.0, 0, None),  # no live worker: no estimate
    ],
)
def test_the_estimate_is_medians_in_rounds_of_the_live_workers(
    ahead: int, running_for: float | None, median: float | None, workers: int, expected: Any
) -> None:
    assert (
        estimate_seconds(ahead=ahead, running_for=running_for, median=median, workers=workers)
        == expected
    )


def test_the_median_of_no_durations_is_none() -> None:
    assert median_duration([]) is None
    assert median_duration([3.0, 100.0, 4.0]) == 4.0


@pytest.mark.parametrize(
    ("estimate", "seconds", "minutes"),
    [(0.2, 1, None), (40.4, 40, None), (59.4, 59, None), (59.6, None, 1), (200, None, 3)],
)
def test_an_estimate_is_shown_in_seconds_under_a_minute_then_in_minutes(
    estimate: float, seconds: int | None, minutes: int | None
) -> None:
    place = QueuePlace(
        running=False, ahead=0, workers=1, basis=Basis.ASSIGNMENT, estimate=estimate, busy=False
    )
    assert (place.seconds, place.minutes) == (seconds, minutes)


# --- building a queue -----------------------------------------------------------------------


def queued(assignment: Assignment, cohort: Cohort, n: int, prefix: str = "p") -> list[Submission]:
    """``n`` attempts by new participants, each with a queued grading run, oldest first."""
    attempts = []
    for i in range(n):
        user = make_user(f"{prefix}{i}")
        enroll(user=user, cohort=cohort)
        attempts.append(submit(user, assignment))
    start = timezone.now() - dt.timedelta(minutes=1)
    for i, attempt in enumerate(attempts):
        attempt.grading_runs.update(enqueued_at=start + dt.timedelta(seconds=i))
    return attempts


def finished(attempts: list[Submission], seconds: list[float]) -> None:
    """Mark the attempts' runs graded, each having taken its number of seconds."""
    end = timezone.now() - dt.timedelta(minutes=5)
    for attempt, took in zip(attempts, seconds, strict=True):
        attempt.grading_runs.update(
            status=GradingRun.Status.GRADED,
            started_at=end - dt.timedelta(seconds=took),
            finished_at=end,
        )
        Submission.objects.filter(pk=attempt.pk).update(status=Submission.Status.GRADED)


@pytest.fixture
def live_worker(settings: Any, db: None) -> None:
    settings.TASKS = DATABASE_TASKS
    health.record_heartbeat(name="host-a:1", queues="grading")


def poll(client: Client, submission: Submission) -> str:
    url = reverse("submissions:detail", args=[submission.pk])
    response = client.get(url, {"part": "grading"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def place_of(submission: Submission) -> QueuePlace | None:
    run = submission.grading_runs.get()
    return queue_place(run, assignment_id=submission.assignment_id)


# --- place and estimate ---------------------------------------------------------------------


def test_the_place_counts_queued_runs_enqueued_before_it(
    live_worker: None, assignment: Assignment, cohort: Cohort
) -> None:
    attempts = queued(assignment, cohort, 5)
    finished(attempts[:1], [10.0])  # graded: no longer in the queue
    GradingRun.objects.filter(submission=attempts[1]).update(
        status=GradingRun.Status.RUNNING, started_at=timezone.now()
    )
    places = [place_of(a) for a in attempts[1:]]
    assert [p.place if p else None for p in places] == [None, 1, 2, 3]
    assert places[0] is not None and places[0].running
    assert all(p is not None and p.basis == Basis.ASSIGNMENT for p in places)
    assert [p.estimate if p else None for p in places[1:]] == [10.0, 20.0, 30.0]


def test_the_median_comes_from_this_assignment_else_from_all_else_there_is_none(
    live_worker: None, assignment: Assignment, cohort: Cohort, module: Any
) -> None:
    other = publish(module, slug="other", title="Other assignment")
    waiting = queued(assignment, cohort, 1)[0]
    place = place_of(waiting)
    assert place is not None and (place.basis, place.estimate) == (Basis.NO_HISTORY, None)

    finished(queued(other, cohort, 3, prefix="o"), [2.0, 8.0, 100.0])
    place = place_of(waiting)
    assert place is not None and (place.basis, place.estimate) == (Basis.ALL, 8.0)

    finished(queued(assignment, cohort, 1, prefix="s"), [30.0])
    place = place_of(waiting)
    assert place is not None and (place.basis, place.estimate) == (Basis.ASSIGNMENT, 30.0)


def test_without_a_live_grading_worker_there_is_no_estimate(
    settings: Any, assignment: Assignment, cohort: Cohort
) -> None:
    settings.TASKS = DATABASE_TASKS
    health.record_heartbeat(name="host-a:2", queues="rendering,default")  # serves no grading
    stale = timezone.now() - dt.timedelta(seconds=settings.GRADING_STALE_SECONDS + 1)
    health.record_heartbeat(name="host-b:3", queues="grading")
    health.WorkerHeartbeat.objects.filter(name="host-b:3").update(seen_at=stale)
    attempts = queued(assignment, cohort, 2)
    finished(attempts[:1], [10.0])
    place = place_of(attempts[1])
    assert place is not None
    assert (place.workers, place.basis, place.estimate) == (0, Basis.NO_WORKERS, None)


def test_the_page_shows_the_place_and_the_estimate_and_updates_with_the_queue(
    live_worker: None, assignment: Assignment, cohort: Cohort, enrolled: User, client_for: Any
) -> None:
    finished(queued(assignment, cohort, 1, prefix="done"), [10.0])
    ahead = queued(assignment, cohort, 3)
    mine = submit(enrolled, assignment)
    client = client_for(enrolled)
    html = poll(client, mine)
    assert 'id="queue-place" data-place="4"' in html
    assert "Number 4 in the queue." in html
    assert "Expected in about 40 seconds." in html
    assert 'id="grading-busy"' not in html

    finished(ahead, [10.0, 10.0, 10.0])  # the ones before it were graded meanwhile
    html = poll(client, mine)
    assert "Number 1 in the queue." in html
    assert "Expected in about 10 seconds." in html


def test_the_place_is_shown_in_german(
    live_worker: None, assignment: Assignment, cohort: Cohort, enrolled: User, client_for: Any
) -> None:
    finished(queued(assignment, cohort, 1, prefix="done"), [90.0])
    queued(assignment, cohort, 1)
    mine = submit(enrolled, assignment)
    client = client_for(enrolled)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    html = poll(client, mine)
    assert "Nummer 2 in der Warteschlange." in html
    assert "Voraussichtlich in etwa 3 Minuten." in html


def test_a_settled_attempt_shows_no_place(
    live_worker: None, assignment: Assignment, enrolled: User, client_for: Any
) -> None:
    mine = submit(enrolled, assignment)
    finished([mine], [5.0])
    assert 'id="queue-place"' not in poll(client_for(enrolled), mine)


def test_the_place_costs_the_same_queries_however_long_the_queue(
    live_worker: None,
    assignment: Assignment,
    cohort: Cohort,
    enrolled: User,
    client_for: Any,
    django_assert_num_queries: Any,
) -> None:
    finished(queued(assignment, cohort, 2, prefix="done"), [10.0, 12.0])
    queued(assignment, cohort, 2, prefix="a")
    mine = submit(enrolled, assignment)
    client = client_for(enrolled)
    poll(client, mine)  # the session's first read is warm afterwards
    # The page's six, then: runs ahead, live workers, this assignment's durations, queue age.
    with django_assert_num_queries(10) as small:
        assert "Number 3 in the queue." in poll(client, mine)
    finished(queued(assignment, cohort, 20, prefix="more-done"), [10.0] * 20)
    queued(assignment, cohort, 20, prefix="b")
    GradingRun.objects.filter(submission=mine).update(enqueued_at=timezone.now())
    with django_assert_num_queries(len(small.captured_queries)):
        assert "Number 23 in the queue." in poll(client, mine)


def test_the_api_gives_the_place_while_queued_and_null_once_settled(
    live_worker: None, assignment: Assignment, cohort: Cohort, enrolled: User
) -> None:
    finished(queued(assignment, cohort, 1, prefix="done"), [12.0])
    queued(assignment, cohort, 2)
    mine = submit(enrolled, assignment)
    client = api_client(enrolled)
    url = reverse("submissions-api:submission", args=[mine.pk])
    body = client.get(url).json()
    assert body["queue"] == {
        "running": False,
        "place": 3,
        "ahead": 2,
        "workers": 1,
        "estimate_seconds": 36,
        "basis": "assignment",
        "busy": False,
    }
    finished([mine], [5.0])
    assert client.get(url).json()["queue"] is None


# --- back-pressure --------------------------------------------------------------------------


def make_queue_old(seconds: float) -> None:
    """A grading task that has waited ``seconds`` (the database queue's oldest)."""
    result = tasks.grade_submission.enqueue(0)  # a run that does not exist: skipped if run
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def test_an_old_queue_refuses_no_upload_and_the_page_says_grading_is_busy(
    live_worker: None,
    settings: Any,
    assignment: Assignment,
    cohort: Cohort,
    enrolled: User,
    client_for: Any,
) -> None:
    settings.GRADING_BACKLOG_SECONDS = 300
    make_queue_old(301)
    queued(assignment, cohort, 2)
    client = client_for(enrolled)
    response = client.post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook())},
    )
    assert response.status_code == 302  # accepted, as ever
    mine = Submission.objects.get(participant=enrolled)
    assert mine.status == Submission.Status.QUEUED
    assert mine.grading_runs.get().status == GradingRun.Status.QUEUED
    assert GradingRun.objects.filter(status=GradingRun.Status.QUEUED).count() == 3  # none lost
    html = poll(client, mine)
    assert 'id="grading-busy"' in html
    assert "Number 3 in the queue." in html
    place = place_of(mine)
    assert place is not None and place.busy
    body = api_client(enrolled).get(reverse("submissions-api:submission", args=[mine.pk])).json()
    assert body["queue"]["busy"] is True


def test_a_queue_younger_than_the_threshold_is_not_busy(
    live_worker: None, settings: Any, assignment: Assignment, enrolled: User, client_for: Any
) -> None:
    settings.GRADING_BACKLOG_SECONDS = 300
    make_queue_old(299)
    mine = submit(enrolled, assignment)
    assert 'id="grading-busy"' not in poll(client_for(enrolled), mine)
