"""One release: the grading screen, "release to N participants" and the API all release through
``services.release_review``, so each refuses while another grader holds the lease."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from courses.models import Grade
from submissions.models import Review, Submission
from submissions.reviewing import leases, services, states
from tests.helpers import api_client, graded, submit


@pytest.fixture
def colleague(other_instructor: Any, cohort: Any) -> Any:
    """A second grader of the same cohort."""
    cohort.instructors.add(other_instructor)
    return other_instructor


def ready_attempt(grader: Any, participant: Any, assignment: Any, points: str = "2") -> Submission:
    """A graded attempt whose review is complete and ready for release."""
    submission = graded(submit(participant, assignment))
    services.save_review(
        grader=grader,
        submission=submission,
        points={"explain": Decimal(points)},
        comments={},
        feedback="Well argued.",
    )
    states.mark_ready(grader=grader, submission=submission)
    return submission


@pytest.fixture
def ready(enrolled: Any, assignment: Any, instructor: Any) -> Submission:
    return ready_attempt(instructor, enrolled, assignment)


def released(submission: Submission) -> bool:
    return Review.objects.get(submission=submission).is_released


def test_the_api_release_is_refused_while_another_grader_holds_the_lease(
    ready: Submission, instructor: Any, colleague: Any
) -> None:
    leases.take_lease(grader=colleague, submission=ready)
    response = api_client(instructor).post(reverse("submissions-api:release", args=[ready.pk]))
    assert response.status_code == 409
    assert f"{colleague.full_name} is grading this submission" in response.json()["detail"]
    assert not released(ready)
    assert not Grade.objects.exists()


def test_the_api_release_works_for_the_lease_holder_and_when_nobody_holds_it(
    ready: Submission, instructor: Any
) -> None:
    leases.take_lease(grader=instructor, submission=ready)
    response = api_client(instructor).post(reverse("submissions-api:release", args=[ready.pk]))
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "released"
    assert Grade.objects.get().submission_id == ready.pk


def test_the_grading_screen_release_is_refused_while_another_grader_holds_the_lease(
    ready: Submission, instructor: Any, colleague: Any, client_for: Any
) -> None:
    leases.take_lease(grader=colleague, submission=ready)
    response = client_for(instructor).post(
        reverse("submissions:release", args=[ready.pk]), follow=True
    )
    assert f"{colleague.full_name} is grading this submission" in response.content.decode()
    assert not released(ready)


def test_release_to_n_leaves_a_review_another_grader_has_open_ready_and_says_why(
    ready: Submission,
    other_enrolled: Any,
    assignment: Any,
    instructor: Any,
    colleague: Any,
    client_for: Any,
) -> None:
    grace = ready_attempt(instructor, other_enrolled, assignment, points="1")
    leases.take_lease(grader=colleague, submission=ready)
    url = reverse("submissions:release-ready", args=[assignment.pk])
    ids = list(Review.objects.values_list("pk", flat=True))
    page = client_for(instructor).post(url, {"reviews": ids}, follow=True).content.decode()
    assert "1 review waits for the next release" in page
    assert f"{colleague.full_name} is grading this submission" in page
    assert Review.objects.get(submission=ready).state == "ready"
    assert released(grace)
    assert Grade.objects.get().submission_id == grace.pk


def test_release_to_n_keeps_all_of_a_participants_reviews_waiting_when_one_is_refused(
    ready: Submission, enrolled: Any, assignment: Any, instructor: Any, colleague: Any
) -> None:
    again = ready_attempt(instructor, enrolled, assignment, points="1")
    leases.take_lease(grader=colleague, submission=again)
    result = states.release_ready_reviews(
        actor=instructor,
        assignment=assignment,
        review_ids=Review.objects.values_list("pk", flat=True),
    )
    assert (result.reviews, result.participants, result.skipped) == (0, 0, 2)
    assert set(Review.objects.values_list("state", flat=True)) == {"ready"}
    assert not Grade.objects.exists()


def test_every_release_path_goes_through_release_review(
    ready: Submission,
    other_enrolled: Any,
    assignment: Any,
    instructor: Any,
    client_for: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, int]] = []
    original = services.release_review

    def spy(**kwargs: Any) -> Review:
        calls.append((kwargs["grader"].username, kwargs["submission"].pk))
        return original(**kwargs)

    monkeypatch.setattr(services, "release_review", spy)
    grace = graded(submit(other_enrolled, assignment))
    third = ready_attempt(instructor, other_enrolled, assignment, points="1")

    client_for(instructor).post(reverse("submissions:release", args=[ready.pk]))
    api_client(instructor).post(reverse("submissions-api:release", args=[grace.pk]))
    client_for(instructor).post(
        reverse("submissions:release-ready", args=[assignment.pk]),
        {"reviews": [Review.objects.get(submission=third).pk]},
    )
    assert calls == [
        (instructor.username, ready.pk),
        (instructor.username, grace.pk),
        (instructor.username, third.pk),
    ]
    assert released(ready) and released(grace)
