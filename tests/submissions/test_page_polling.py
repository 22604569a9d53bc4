"""The submission page's polling: fast while a result is likely near, slower later, never once
settled; the polled fragments stay cheap and private."""

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from submissions import services
from submissions.models import GradingRun, RenderedNotebook, Submission
from submissions.polling import QUEUED, RENDERING, RUNNING, Schedule, poll_interval
from tests.helpers import participant_notebook, upload_file

PARTS = ["grading", "notebook"]


@pytest.fixture
def attempt(enrolled: Any, assignment: Any, client_for: Any) -> Submission:
    """An attempt uploaded through the page; its tasks never run (no on-commit callbacks), so
    grading stays queued and rendering pending."""
    client_for(enrolled).post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook())},
    )
    return Submission.objects.get()


def poll(client: Client, submission: Submission, part: str) -> Any:
    url = reverse("submissions:detail", args=[submission.pk])
    return client.get(url, {"part": part}, headers={"HX-Request": "true"})


def triggers(html: str) -> list[str]:
    return re.findall(r'hx-trigger="([^"]*)"', html)


def age_by(submission: Submission, seconds: float) -> None:
    """Move the attempt, its grading run (running since then) and its render request into
    the past."""
    then = timezone.now() - dt.timedelta(seconds=seconds)
    Submission.objects.filter(pk=submission.pk).update(submitted_at=then)
    GradingRun.objects.filter(submission=submission).update(
        enqueued_at=then, started_at=then, status=GradingRun.Status.RUNNING
    )
    RenderedNotebook.objects.filter(notebook_sha256=submission.notebook_sha256).update(
        created_at=then
    )


def test_the_schedules_are_fast_first_then_back_off() -> None:
    start = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)

    def intervals(schedule: Schedule, *ages: float) -> list[str]:
        return [
            poll_interval(start, now=start + dt.timedelta(seconds=age), schedule=schedule)
            for age in ages
        ]

    assert intervals(RENDERING, 0, 1.9, 2, 9.9, 10, 119.9, 120, 3600) == [
        "100ms",
        "100ms",
        "250ms",
        "250ms",
        "1s",
        "1s",
        "5s",
        "5s",
    ]
    assert intervals(RUNNING, 0, 4.9, 5, 9.9, 10, 120) == [
        "100ms",
        "100ms",
        "250ms",
        "250ms",
        "1s",
        "5s",
    ]
    assert intervals(QUEUED, 2.9, 3, 119.9, 120) == ["250ms", "1s", "1s", "5s"]


@pytest.mark.parametrize(
    ("age_s", "grading", "notebook"),
    [
        (0, "100ms", "100ms"),
        (5, "250ms", "250ms"),
        (30, "1s", "1s"),
        (110, "1s", "1s"),
        (600, "5s", "5s"),
    ],
)
def test_both_regions_poll_more_slowly_as_the_attempt_ages(
    attempt: Submission, enrolled: Any, client_for: Any, age_s: float, grading: str, notebook: str
) -> None:
    age_by(attempt, age_s)
    client = client_for(enrolled)
    page = client.get(reverse("submissions:detail", args=[attempt.pk])).content.decode()
    assert triggers(page) == [f"every {notebook}", f"every {grading}"]
    for part, interval in (("grading", grading), ("notebook", notebook)):
        fragment = poll(client, attempt, part).content.decode()
        assert fragment.lstrip().startswith(f'<section id="{part}-region"')
        assert triggers(fragment) == [f"every {interval}"]


@pytest.mark.parametrize(
    ("queued_s", "interval"), [(0, "250ms"), (2, "250ms"), (5, "1s"), (110, "1s"), (600, "5s")]
)
def test_a_run_waiting_in_the_queue_polls_fast_only_at_first(
    attempt: Submission, enrolled: Any, client_for: Any, queued_s: float, interval: str
) -> None:
    """Behind other runs (a deadline) the result is not near: every second, not four times."""
    then = timezone.now() - dt.timedelta(seconds=queued_s)
    GradingRun.objects.filter(submission=attempt).update(enqueued_at=then)
    client = client_for(enrolled)
    assert triggers(poll(client, attempt, "grading").content.decode()) == [f"every {interval}"]

    # Once a worker starts it, the result is near again: fast, counted from the start.
    GradingRun.objects.filter(submission=attempt).update(
        status=GradingRun.Status.RUNNING, started_at=timezone.now()
    )
    assert triggers(poll(client, attempt, "grading").content.decode()) == ["every 100ms"]


def test_a_new_grading_run_polls_fast_again(
    attempt: Submission, enrolled: Any, instructor: Any, client_for: Any
) -> None:
    """The clock is the latest run's: grading again (here after a failure) starts it anew."""
    age_by(attempt, 600)
    GradingRun.objects.filter(submission=attempt).update(status=GradingRun.Status.FAILED)
    Submission.objects.filter(pk=attempt.pk).update(status=Submission.Status.FAILED)
    client = client_for(enrolled)
    assert triggers(poll(client, attempt, "grading").content.decode()) == []
    attempt.refresh_from_db()
    [run] = services.rerun_grading(actor=instructor, submissions=[attempt])
    assert run.status == GradingRun.Status.QUEUED
    assert triggers(poll(client, attempt, "grading").content.decode()) == ["every 250ms"]


def test_polling_stops_once_each_region_has_settled(
    attempt: Submission, enrolled: Any, client_for: Any
) -> None:
    client = client_for(enrolled)
    GradingRun.objects.filter(submission=attempt).update(
        status=GradingRun.Status.GRADED, autograded_points=3, autograded_max=3
    )
    Submission.objects.filter(pk=attempt.pk).update(status=Submission.Status.GRADED)
    grading = poll(client, attempt, "grading").content.decode()
    assert triggers(grading) == []
    assert 'data-status="graded"' in grading
    assert 'data-points="3.00"' in grading
    # The notebook region still renders, so it still polls (fast: 100 ms in its first 2 s).
    assert triggers(poll(client, attempt, "notebook").content.decode()) in (
        ["every 100ms"],
        ["every 250ms"],
    )

    RenderedNotebook.objects.update(status=RenderedNotebook.Status.FAILED)
    notebook = poll(client, attempt, "notebook").content.decode()
    assert triggers(notebook) == []
    assert 'id="render-failed"' in notebook
    page = client.get(reverse("submissions:detail", args=[attempt.pk])).content.decode()
    assert triggers(page) == []


def test_the_score_is_machine_readable_in_every_language(
    attempt: Submission, enrolled: Any, client_for: Any
) -> None:
    GradingRun.objects.filter(submission=attempt).update(
        status=GradingRun.Status.GRADED, autograded_points="2.5", autograded_max=3
    )
    Submission.objects.filter(pk=attempt.pk).update(status=Submission.Status.GRADED)
    client = client_for(enrolled)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    fragment = poll(client, attempt, "grading").content.decode()
    assert "<strong>2,5 / 3</strong> Punkte aus automatischen Tests" in fragment
    assert 'data-points="2.50"' in fragment  # not "2,50"


@pytest.mark.parametrize(("part", "queries"), [("grading", 6), ("notebook", 4)])
def test_a_poll_costs_a_few_queries(
    attempt: Submission,
    enrolled: Any,
    client_for: Any,
    django_assert_num_queries: Any,
    part: str,
    queries: int,
) -> None:
    """Session, user, the attempt with its course; then grading: the grader check, the latest
    run and the review; or the notebook: its render."""
    client = client_for(enrolled)
    poll(client, attempt, part)  # the session's first read is warm afterwards
    with django_assert_num_queries(queries):
        assert poll(client, attempt, part).status_code == 200


def test_another_participant_cannot_poll_someone_elses_attempt(
    attempt: Submission, other_enrolled: Any, client_for: Any
) -> None:
    client = client_for(other_enrolled)
    for part in PARTS:
        assert poll(client, attempt, part).status_code == 404
    anonymous = poll(client_for(None), attempt, "grading")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
