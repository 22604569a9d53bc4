"""The grading queue: what it lists, its filters and order, "next ungraded", keyboard flow,
access rules and its query budget."""

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Module
from courses.services import enroll
from submissions.models import GradingLease, Review, Submission
from submissions.reviewing import leases
from tests.helpers import graded, make_user, publish, review_data, submit

QUEUE = reverse("submissions:queue")


@pytest.fixture
def second_assignment(module: Any) -> Any:
    return publish(module, "cubes", "Cubes")


def at(submission: Submission, minutes_ago: int) -> Submission:
    when = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Submission.objects.filter(pk=submission.pk).update(submitted_at=when)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def three(enrolled: Any, other_enrolled: Any, assignment: Any, second_assignment: Any) -> Any:
    """Ada (two attempts at Squares, one at Cubes) and Grace (one at Squares)."""
    ada_old = at(graded(submit(enrolled, assignment)), 90)
    ada_new = at(graded(submit(enrolled, assignment)), 30)
    grace = at(graded(submit(other_enrolled, assignment)), 60)
    ada_cubes = at(graded(submit(enrolled, second_assignment)), 10)
    return ada_old, ada_new, grace, ada_cubes


def row_ids(response: Any) -> list[int]:
    return [row.pk for row in response.context["page"].object_list]


# --- what the queue lists ----------------------------------------------------------------------


def test_the_queue_lists_the_latest_attempts_oldest_first(
    three: Any, instructor: Any, client_for: Any
) -> None:
    ada_old, ada_new, grace, ada_cubes = three
    response = client_for(instructor).get(QUEUE)
    assert response.status_code == 200
    assert row_ids(response) == [grace.pk, ada_new.pk, ada_cubes.pk]
    page = response.content.decode()
    assert "Ada Lovelace" in page and "Grace Hopper" in page
    newest = client_for(instructor).get(QUEUE, {"order": "newest", "who": "all"})
    assert row_ids(newest) == [ada_cubes.pk, ada_new.pk, grace.pk]


def test_the_queue_filters_by_assignment_module_program_and_cohort(
    three: Any, instructor: Any, client_for: Any, second_assignment: Any, module: Any, cohort: Any
) -> None:
    _old, ada_new, grace, ada_cubes = three
    client = client_for(instructor)
    assert row_ids(client.get(QUEUE, {"assignment": second_assignment.pk})) == [ada_cubes.pk]
    assert row_ids(client.get(QUEUE, {"module": module.pk})) == [grace.pk, ada_new.pk, ada_cubes.pk]
    assert len(row_ids(client.get(QUEUE, {"program": module.program_id}))) == 3
    assert len(row_ids(client.get(QUEUE, {"cohort": cohort.pk}))) == 3
    empty_module = Module.objects.create(program=module.program, title="Later", order=2)
    response = client.get(QUEUE, {"module": empty_module.pk})
    assert row_ids(response) == []
    assert 'id="queue-empty"' in response.content.decode()


def test_the_queue_filters_by_state_and_lease(
    three: Any, instructor: Any, other_instructor: Any, cohort: Any, client_for: Any
) -> None:
    _old, ada_new, grace, ada_cubes = three
    cohort.instructors.add(other_instructor)
    client = client_for(instructor)
    client.get(reverse("submissions:grade", args=[ada_new.pk]))
    token = GradingLease.objects.get(submission=ada_new).token
    client.post(reverse("submissions:grade", args=[ada_new.pk]), review_data(lease_token=token))
    client.get(reverse("submissions:grade", args=[grace.pk]))
    token = GradingLease.objects.get(submission=grace).token
    client.post(
        reverse("submissions:grade", args=[grace.pk]),
        review_data(lease_token=token, action="ready"),
    )
    leases.take_lease(grader=other_instructor, submission=ada_cubes)

    def ids(state: str) -> list[int]:
        return row_ids(client.get(QUEUE, {"state": state, "who": "all"}))

    assert ids("needs_grading") == [ada_cubes.pk]
    assert ids("draft") == [ada_new.pk]
    assert ids("ready") == [grace.pk]
    assert ids("released") == []
    assert set(ids("leased")) == {ada_new.pk, grace.pk, ada_cubes.pk}
    leases.release_lease(
        grader=instructor,
        submission=ada_new,
        token=GradingLease.objects.get(submission=ada_new).token,
    )
    assert set(ids("leased")) == {grace.pk, ada_cubes.pk}
    page = client.get(QUEUE, {"state": "leased", "who": "all"}).content.decode()
    assert "Otto Other until" in page


def test_bad_filters_are_a_clear_error_not_a_crash(
    three: Any, instructor: Any, other_cohort: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    for params in (
        {"assignment": "999999"},
        {"cohort": str(other_cohort.pk)},  # a cohort Ines does not teach
        {"program": "abc"},
        {"state": "lost"},
        {"order": "sideways"},
    ):
        response = client.get(QUEUE, params)
        assert response.status_code == 400, params
        assert 'id="filter-errors"' in response.content.decode(), params
    assert client.post(reverse("submissions:queue-next"), {"assignment": "x"}).status_code == 302


# --- next ungraded and the keyboard flow ------------------------------------------------------


def test_next_ungraded_takes_the_oldest_free_one_and_its_lease(
    three: Any, instructor: Any, other_instructor: Any, cohort: Any, client_for: Any
) -> None:
    _old, ada_new, grace, ada_cubes = three
    cohort.instructors.add(other_instructor)
    leases.take_lease(grader=other_instructor, submission=grace)  # Otto is on it
    response = client_for(instructor).post(reverse("submissions:queue-next"), {"who": "all"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("submissions:grade", args=[ada_new.pk])
    assert parse_qs(location.query)["who"] == ["all"]
    assert GradingLease.objects.get(submission=ada_new).holder == instructor


def test_next_ungraded_says_so_when_nothing_is_left(
    enrolled: Any, assignment: Any, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    response = client.post(reverse("submissions:queue-next"))
    assert response.status_code == 302 and response["Location"].startswith(QUEUE)
    assert "Nothing left to grade here" in [str(m) for m in get_messages(response.wsgi_request)][0]


def test_save_and_next_saves_gives_the_lease_back_and_opens_the_next(
    three: Any, instructor: Any, client_for: Any
) -> None:
    _old, ada_new, grace, ada_cubes = three
    client = client_for(instructor)
    client.get(reverse("submissions:grade", args=[grace.pk]) + "?who=all&state=needs_grading")
    token = GradingLease.objects.get(submission=grace).token
    response = client.post(
        reverse("submissions:grade", args=[grace.pk]),
        review_data(lease_token=token, action="next", who="all", state="needs_grading"),
    )
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("submissions:grade", args=[ada_new.pk])
    assert "state=needs_grading" in response["Location"]
    assert Review.objects.get(submission=grace).state == "draft"
    assert leases.current_lease(grace) is None
    assert GradingLease.objects.get(submission=ada_new).holder == instructor


def test_save_and_mark_ready_moves_the_review_to_ready(
    three: Any, instructor: Any, client_for: Any
) -> None:
    _old, ada_new, _grace, _cubes = three
    url = reverse("submissions:grade", args=[ada_new.pk])
    client = client_for(instructor)
    client.get(url)
    token = GradingLease.objects.get(submission=ada_new).token
    response = client.post(url, review_data(lease_token=token, action="ready"))
    assert response.status_code == 302
    assert Review.objects.get(submission=ada_new).state == "ready"
    page = client.get(url).content.decode()
    assert "ready for release" in page
    assert 'id="reopen-form"' in page


def test_the_pages_show_the_shortcuts_and_load_the_script_from_static_files(
    three: Any, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    queue_page = client.get(QUEUE).content.decode()
    assert 'id="shortcuts"' in queue_page and "<kbd>j</kbd>" in queue_page
    assert "data-queue" in queue_page
    assert "/static/submissions/grading.js" in queue_page
    screen = client.get(reverse("submissions:grade", args=[three[1].pk])).content.decode()
    assert "<kbd>n</kbd>" in screen and "<kbd>r</kbd>" in screen and "<kbd>s</kbd>" in screen
    assert "data-grading-screen" in screen and "data-review-form" in screen
    assert "/static/submissions/grading.js" in screen
    # The CSP allows scripts from 'self' and nonces only; nothing inline without one.
    assert "<script>" not in screen and "<script>" not in queue_page


# --- navigation and access --------------------------------------------------------------------


def test_instructors_and_coordinators_see_the_queue_in_the_navigation(
    enrolled: Any, instructor: Any, coordinator: Any, cohort: Any, client_for: Any
) -> None:
    home = reverse("home")
    assert 'id="nav-grading-queue"' in client_for(instructor).get(home).content.decode()
    assert 'id="nav-grading-queue"' in client_for(coordinator).get(home).content.decode()
    assert 'id="nav-grading-queue"' not in client_for(enrolled).get(home).content.decode()


def test_queue_access_rules(
    three: Any,
    enrolled: Any,
    other_instructor: Any,
    other_cohort: Any,
    coordinator: Any,
    client_for: Any,
) -> None:
    anonymous = client_for(None).get(QUEUE)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert client_for(enrolled).get(QUEUE).status_code == 404
    assert client_for(enrolled).post(reverse("submissions:queue-next")).status_code == 404
    # Another cohort's instructor sees their own (empty) queue, none of these rows.
    other = client_for(other_instructor).get(QUEUE, {"who": "all"})
    assert other.status_code == 200 and row_ids(other) == []
    # Coordinators see every cohort's queue.
    assert len(row_ids(client_for(coordinator).get(QUEUE, {"who": "all"}))) == 3
    assert client_for(other_instructor).post(QUEUE).status_code == 405
    assert client_for(other_instructor).get(reverse("submissions:queue-next")).status_code == 405


def test_a_coordinator_who_does_not_teach_gets_no_submission_from_next(
    three: Any, coordinator: Any, client_for: Any
) -> None:
    response = client_for(coordinator).post(reverse("submissions:queue-next"), {"who": "all"})
    assert response["Location"].startswith(QUEUE)
    assert not GradingLease.objects.filter(holder=coordinator).exists()


def test_the_queue_page_needs_a_constant_number_of_queries(
    cohort: Any, assignment: Any, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)

    def queries_for(participants: int) -> int:
        for i in range(participants):
            user = make_user(f"q{Submission.objects.count():03}{i}", last_name=f"Q{i}")
            enroll(user=user, cohort=cohort)
            graded(submit(user, assignment))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE, {"who": "all"}).status_code == 200
        return len(captured)

    assert queries_for(2) == queries_for(8)
