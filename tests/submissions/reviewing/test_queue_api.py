"""REST endpoints of the grading queue and its leases: same rules as the pages, in the schema."""

from typing import Any

import pytest
import yaml
from django.urls import reverse
from rest_framework.test import APIClient

from submissions.models import GradingLease, Submission
from submissions.reviewing import leases, services
from tests.helpers import api_client, graded, submit


@pytest.fixture
def pair(enrolled: Any, other_enrolled: Any, assignment: Any) -> tuple[Submission, Submission]:
    return graded(submit(enrolled, assignment)), graded(submit(other_enrolled, assignment))


@pytest.fixture
def colleague(other_instructor: Any, cohort: Any) -> Any:
    cohort.instructors.add(other_instructor)
    return other_instructor


def test_the_queue_lists_rows_with_state_and_lease(
    pair: Any, instructor: Any, colleague: Any, assignment: Any
) -> None:
    ada, grace = pair
    leases.take_lease(grader=colleague, submission=grace)
    response = api_client(instructor).get(reverse("submissions-api:queue"))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and data["pages"] == 1
    rows = {row["id"]: row for row in data["results"]}
    assert rows[ada.pk]["participant"] == "Ada Lovelace"
    assert rows[ada.pk]["state"] == "needs_grading" and rows[ada.pk]["lease"] is None
    assert rows[grace.pk]["lease"]["holder"] == "Otto Other"
    assert "token" not in rows[grace.pk]["lease"]  # only its holder learns the token
    assert rows[ada.pk]["grading_url"] == reverse("submissions:grade", args=[ada.pk])
    leased = api_client(instructor).get(
        reverse("submissions-api:queue"), {"state": "leased", "assignment": assignment.pk}
    )
    assert [r["id"] for r in leased.json()["results"]] == [grace.pk]
    bad = api_client(instructor).get(reverse("submissions-api:queue"), {"assignment": "nope"})
    assert bad.status_code == 400 and "assignment" in bad.json()


def test_take_renew_release_and_the_conflict(pair: Any, instructor: Any, colleague: Any) -> None:
    ada, _grace = pair
    ines, otto = api_client(instructor), api_client(colleague)
    taken = ines.post(reverse("submissions-api:lease", args=[ada.pk]))
    assert taken.status_code == 200
    token = taken.json()["token"]
    assert taken.json()["holder"] == "Ines Instructor"
    conflict = otto.post(reverse("submissions-api:lease", args=[ada.pk]))
    assert conflict.status_code == 409
    assert conflict.json()["holder"] == "Ines Instructor"
    assert (
        conflict.json()["expires_at"] and "is grading this submission" in conflict.json()["detail"]
    )
    renew = reverse("submissions-api:lease-renew", args=[ada.pk])
    assert ines.post(renew, {"token": token}).status_code == 200
    assert otto.post(renew, {"token": token}).status_code == 409
    assert ines.post(renew, {}).status_code == 400
    release = reverse("submissions-api:lease-release", args=[ada.pk])
    assert otto.post(release, {"token": token}).status_code == 409
    assert ines.post(release, {"token": token}).status_code == 204
    assert otto.post(reverse("submissions-api:lease", args=[ada.pk])).status_code == 200


def test_take_next_leases_the_oldest_ungraded_and_then_says_none_is_left(
    pair: Any, instructor: Any, colleague: Any
) -> None:
    ada, grace = pair
    client = api_client(instructor)
    first = client.post(reverse("submissions-api:queue-next"))
    assert first.status_code == 200
    assert first.json()["submission"]["id"] == ada.pk
    assert first.json()["lease"]["token"] == GradingLease.objects.get(submission=ada).token
    # Until Ines reviews it, Ada's attempt stays her next one; Otto gets Grace's.
    assert client.post(reverse("submissions-api:queue-next")).json()["submission"]["id"] == ada.pk
    otto = api_client(colleague)
    assert otto.post(reverse("submissions-api:queue-next")).json()["submission"]["id"] == grace.pk
    services.save_review(
        grader=colleague, submission=grace, points={}, comments={}, feedback="Started"
    )
    assert otto.post(reverse("submissions-api:queue-next")).status_code == 204


def test_only_coordinators_break_leases(
    pair: Any, instructor: Any, colleague: Any, coordinator: Any
) -> None:
    ada, _grace = pair
    leases.take_lease(grader=instructor, submission=ada)
    url = reverse("submissions-api:lease-break", args=[ada.pk])
    assert api_client(colleague).post(url).status_code == 404
    response = api_client(coordinator).post(url)
    assert response.status_code == 200 and response.json()["holder"] is None
    assert leases.current_lease(ada) is None


def test_strangers_get_401_or_404(
    pair: Any, enrolled: Any, other_instructor: Any, other_cohort: Any
) -> None:
    ada, _grace = pair
    urls = [
        ("get", reverse("submissions-api:queue")),
        ("post", reverse("submissions-api:queue-next")),
        ("post", reverse("submissions-api:lease", args=[ada.pk])),
        ("post", reverse("submissions-api:lease-renew", args=[ada.pk])),
        ("post", reverse("submissions-api:lease-release", args=[ada.pk])),
        ("post", reverse("submissions-api:lease-break", args=[ada.pk])),
    ]
    for method, url in urls:
        assert getattr(APIClient(), method)(url).status_code == 401, url
        assert getattr(api_client(enrolled), method)(url, {"token": "x"}).status_code == 404, url
    stranger = api_client(other_instructor)  # teaches another program's cohort
    assert stranger.get(reverse("submissions-api:queue")).json()["count"] == 0
    for _method, url in urls[2:]:
        assert stranger.post(url, {"token": "x"}).status_code == 404, url
    assert api_client(enrolled).get(
        reverse("submissions-api:lease", args=[ada.pk])
    ).status_code in (
        404,
        405,
    )
    assert stranger.get(reverse("submissions-api:lease", args=[ada.pk])).status_code == 405


def test_the_queue_endpoints_are_in_the_openapi_schema(participant: Any) -> None:
    response = APIClient().get(reverse("api-schema"))
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in (
        "/api/v1/grading/queue/",
        "/api/v1/grading/next/",
        "/api/v1/submissions/{id}/lease/",
        "/api/v1/submissions/{id}/lease/renew/",
        "/api/v1/submissions/{id}/lease/release/",
        "/api/v1/submissions/{id}/lease/break/",
    ):
        assert path in paths, path
    parameters = {p["name"] for p in paths["/api/v1/grading/queue/"]["get"]["parameters"]}
    assert {"program", "module", "assignment", "state", "who", "order"} <= parameters
    assert "409" in paths["/api/v1/submissions/{id}/lease/"]["post"]["responses"]
