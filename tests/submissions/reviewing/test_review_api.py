"""REST endpoints for reviews and release: access, rules, visibility. The gradebook export
is tested in tests/submissions/gradebook/test_gradebook_api.py."""

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from courses.models import Grade
from submissions.models import GradeEvent, Review
from tests.helpers import api_client, graded, submit


@pytest.fixture
def attempt(enrolled: Any, assignment: Any) -> Any:
    submission = submit(enrolled, assignment)
    graded(submission)
    return submission


def review_url(submission: Any) -> str:
    return reverse("submissions-api:review", args=[submission.pk])


def release_url(submission: Any) -> str:
    return reverse("submissions-api:release", args=[submission.pk])


def test_a_grader_reads_an_empty_review_with_the_cells_to_grade(
    attempt: Any, instructor: Any
) -> None:
    response = api_client(instructor).get(review_url(attempt))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] is None and body["scores"] == []
    assert body["manual_cells"] == [{"grade_id": "explain", "kind": "manual", "max_points": "2.00"}]
    assert body["autograded_points"] == "3.00"


def test_a_grader_saves_points_comments_and_feedback_through_the_same_rules(
    attempt: Any, instructor: Any
) -> None:
    client = api_client(instructor)
    response = client.put(
        review_url(attempt),
        {
            "scores": [{"grade_id": "explain", "points": "1.5", "comment": "Say why."}],
            "feedback": "Good start.",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["state"], body["manual_points"], body["feedback"]) == (
        "draft",
        "1.50",
        "Good start.",
    )
    assert body["scores"] == [{"grade_id": "explain", "points": "1.50", "comment": "Say why."}]
    event = GradeEvent.objects.get(source="review")
    assert (event.actor, event.new_points) == (instructor, Decimal("1.5"))
    # Omitted feedback and comment stay as they were.
    response = client.put(
        review_url(attempt), {"scores": [{"grade_id": "explain", "points": "2"}]}, format="json"
    )
    body = response.json()
    assert (body["feedback"], body["scores"][0]["comment"]) == ("Good start.", "Say why.")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"scores": [{"grade_id": "explain", "points": "2.5"}]}, "scores"),
        ({"scores": [{"grade_id": "test_square", "points": "1"}]}, "scores"),
        ({"scores": [{"grade_id": "nope", "points": "1"}]}, "scores"),
        ({"scores": [{"grade_id": "explain", "points": "-1"}]}, "scores"),
        ({"scores": [{"grade_id": "explain", "points": "abc"}]}, "scores"),
        (
            {
                "scores": [
                    {"grade_id": "explain", "points": "1"},
                    {"grade_id": "explain", "points": "2"},
                ]
            },
            "scores",
        ),
        ({"scores": "explain=1"}, "scores"),
    ],
)
def test_bad_reviews_are_400s_that_change_nothing(
    attempt: Any, instructor: Any, payload: dict[str, Any], field: str
) -> None:
    response = api_client(instructor).put(review_url(attempt), payload, format="json")
    assert response.status_code == 400
    # a nested field is named by its path: "scores[0].points" (docs/api.md, "Errors")
    assert field in {key.split("[")[0] for key in response.json()}
    assert not Review.objects.exists()
    assert not GradeEvent.objects.filter(source="review").exists()


def test_release_through_the_api_records_the_grade_and_notifies(
    attempt: Any, instructor: Any, enrolled: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(instructor)
    client.put(
        review_url(attempt), {"scores": [{"grade_id": "explain", "points": "2"}]}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(release_url(attempt))
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["total_points"]) == ("released", "5.00")
    assert Grade.objects.get().points == Decimal(5)
    # The grade e-mail, and (this release completes the one-module program) the certificate's.
    sent = len(mail.outbox)
    assert sent == 2 and all(m.to == [enrolled.email] for m in mail.outbox)
    assert any(attempt.assignment.title in m.subject for m in mail.outbox)
    # Releasing again changes nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(release_url(attempt)).status_code == 200
    assert len(mail.outbox) == sent


def test_release_before_autograding_finished_is_a_409(
    enrolled: Any, assignment: Any, instructor: Any
) -> None:
    waiting = submit(enrolled, assignment)  # its run is still queued
    response = api_client(instructor).post(release_url(waiting))
    assert response.status_code == 409
    assert "autograding" in response.json()["detail"]
    assert not Grade.objects.exists()


def test_nothing_leaks_to_the_participant_before_release(
    attempt: Any, instructor: Any, enrolled: Any
) -> None:
    grader = api_client(instructor)
    grader.put(
        review_url(attempt),
        {
            "scores": [{"grade_id": "explain", "points": "2", "comment": "secret draft"}],
            "feedback": "draft feedback",
        },
        format="json",
    )
    participant = api_client(enrolled)
    status = reverse("submissions-api:submission", args=[attempt.pk])
    before = participant.get(status).json()
    assert (before["released"], before["total_points"], before["feedback"]) == (False, None, "")
    assert "secret draft" not in str(before) and "draft feedback" not in str(before)
    # Hidden tests report their status only.
    hidden = next(r for r in before["results"] if r["grade_id"] == "test_square_hidden")
    assert hidden["message"] == ""
    assert participant.get(review_url(attempt)).status_code == 404
    assert participant.put(review_url(attempt), {}, format="json").status_code == 404
    assert participant.post(release_url(attempt)).status_code == 404
    assert not Grade.objects.exists()
    grader.post(release_url(attempt))
    after = participant.get(status).json()
    assert (after["released"], after["total_points"], after["feedback"]) == (
        True,
        "5.00",
        "draft feedback",
    )


def test_only_the_cohorts_graders_reach_reviews(
    attempt: Any, other_instructor: Any, coordinator: Any, other_enrolled: Any, client: Any
) -> None:
    for user in [other_instructor, other_enrolled]:
        api = api_client(user)
        assert api.get(review_url(attempt)).status_code == 404
        assert api.post(release_url(attempt)).status_code == 404
    # Coordinators grade every cohort (Cohort.objects.graded_by), as on the grading screen.
    assert api_client(coordinator).get(review_url(attempt)).status_code == 200
    assert client.get(review_url(attempt)).status_code in {401, 403}
    assert client.post(release_url(attempt)).status_code in {401, 403}
    missing = reverse("submissions-api:review", args=[99999])
    assert api_client(other_instructor).get(missing).status_code == 404


def test_wrong_methods_are_405(attempt: Any, instructor: Any) -> None:
    api = api_client(instructor)
    assert api.delete(review_url(attempt)).status_code == 405
    assert api.get(release_url(attempt)).status_code == 405
    assert (
        api.post(
            reverse("submissions-api:gradebook", args=[attempt.enrollment.cohort_id])
        ).status_code
        == 405
    )


def test_the_schema_lists_the_review_release_and_gradebook_endpoints(client: Any) -> None:
    paths = client.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    review = next(
        p for p in paths if p.startswith("/api/v1/submissions/") and p.endswith("/review/")
    )
    assert {"get", "put"} <= set(paths[review])
    assert any(p.endswith("/release/") and "post" in paths[p] for p in paths)
    assert any(p.endswith("/gradebook/") for p in paths)
    assert any(p.endswith("/gradebook.csv") for p in paths)
