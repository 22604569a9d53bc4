"""Access rules of every reviewing page in one table: anonymous visitors log in, participants
and other cohorts' instructors get 404, wrong methods 405; the happy path of "back to draft"."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from submissions.models import GradingLease, Review, Submission
from submissions.reviewing import services, states
from tests.helpers import graded, submit


@pytest.fixture
def submission(enrolled: Any, assignment: Any) -> Submission:
    return graded(submit(enrolled, assignment))


def pages(submission: Submission) -> list[tuple[str, str, str, str]]:
    """(name, url, an allowed method, a method that is not allowed) of every reviewing page."""
    pk, assignment, cohort = (
        submission.pk,
        submission.assignment_id,
        submission.enrollment.cohort_id,
    )
    return [
        ("queue", reverse("submissions:queue"), "get", "post"),
        ("queue-next", reverse("submissions:queue-next"), "post", "get"),
        ("lease-renew", reverse("submissions:lease-renew", args=[pk]), "post", "get"),
        ("lease-release", reverse("submissions:lease-release", args=[pk]), "post", "get"),
        ("lease-break", reverse("submissions:lease-break", args=[pk]), "post", "get"),
        ("reopen", reverse("submissions:reopen", args=[pk]), "post", "get"),
        ("release-ready", reverse("submissions:release-ready", args=[assignment]), "get", "put"),
        (
            "review-settings",
            reverse("submissions:review-settings", args=[assignment]),
            "get",
            "put",
        ),
        ("reveal", reverse("submissions:reveal-identities", args=[assignment]), "post", "get"),
        ("allocation", reverse("submissions:allocation", args=[cohort]), "get", "put"),
    ]


def test_anonymous_visitors_are_sent_to_log_in(submission: Submission, client_for: Any) -> None:
    client = client_for(None)
    for name, url, method, _wrong in pages(submission):
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_participants_and_other_cohorts_instructors_get_404(
    submission: Submission,
    enrolled: Any,
    other_participant: Any,
    other_instructor: Any,
    other_cohort: Any,
    client_for: Any,
) -> None:
    for user in (enrolled, other_participant):
        client = client_for(user)
        for name, url, method, _wrong in pages(submission):
            assert getattr(client, method)(url).status_code == 404, (user, name)
    client = client_for(other_instructor)
    for name, url, method, _wrong in pages(submission):
        if name in {"queue", "queue-next"}:
            continue  # their own queue, which holds none of these rows
        assert getattr(client, method)(url).status_code == 404, name


def test_wrong_methods_get_405(
    submission: Submission, instructor: Any, coordinator: Any, client_for: Any
) -> None:
    for user in (instructor, coordinator):
        client = client_for(user)
        for name, url, _method, wrong in pages(submission):
            if name == "lease-break" and user == instructor:
                continue  # instructors get 404 there before the method matters
            assert getattr(client, wrong)(url).status_code == 405, (user, name)


def test_back_to_draft_from_the_grading_screen(
    submission: Submission, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    client.get(reverse("submissions:grade", args=[submission.pk]))
    token = GradingLease.objects.get(submission=submission).token
    services.save_review(
        grader=instructor,
        submission=submission,
        points={"explain": Decimal(2)},
        comments={},
        feedback="",
        lease_token=token,
    )
    states.mark_ready(grader=instructor, submission=submission, lease_token=token)
    url = reverse("submissions:reopen", args=[submission.pk])
    assert client.post(url, {"lease_token": "stale"}).status_code == 302
    assert Review.objects.get().state == "ready"  # refused: not the lease's token
    assert client.post(url, {"lease_token": token}).status_code == 302
    assert Review.objects.get().state == "draft"
