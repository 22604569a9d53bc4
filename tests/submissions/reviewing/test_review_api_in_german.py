"""The graders' and participants' REST answers speak the requester's language too."""

from typing import Any

from django.urls import reverse

from tests.helpers import api_client, graded, submit


def test_a_review_naming_a_cell_twice_is_refused_in_german(
    enrolled: Any, assignment: Any, instructor: Any
) -> None:
    attempt = submit(enrolled, assignment)
    graded(attempt)
    twice = [{"grade_id": "explain", "points": "1"}, {"grade_id": "explain", "points": "2"}]

    response = api_client(instructor).put(
        reverse("submissions-api:review", args=[attempt.pk]),
        {"scores": twice},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 400
    assert response.json()["scores"] == ["Jede grade_id darf nur einmal vorkommen."]


def test_releasing_a_lease_with_a_wrong_token_is_refused_in_german(
    enrolled: Any, assignment: Any, instructor: Any
) -> None:
    attempt = graded(submit(enrolled, assignment))
    client = api_client(instructor)
    assert client.post(reverse("submissions-api:lease", args=[attempt.pk])).status_code == 200

    response = client.post(
        reverse("submissions-api:lease-release", args=[attempt.pk]),
        {"token": "not-the-token"},
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 409
    assert response.json()["detail"] == "Dieses Token hält die Sperre nicht."
