"""The REST API: hashed-token authentication, upload, polling, progress, verification, schema."""

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from platform.models import ApiToken
from submissions.models import Submission
from tests.helpers import api_client, participant_notebook, submit, upload_file


def test_tokens_are_stored_only_as_hashes(participant: Any) -> None:
    token, raw_key = ApiToken.create_for(participant, name="laptop")
    assert raw_key not in token.key_hash
    assert ApiToken.objects.matching(raw_key).get() == token
    assert not ApiToken.objects.matching(raw_key + "x").exists()


def test_requests_without_or_with_a_wrong_token_are_refused(participant: Any) -> None:
    assert APIClient().get(reverse("courses-api:progress")).status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer nope")
    assert client.get(reverse("courses-api:progress")).status_code == 401


def test_a_revoked_token_is_refused(participant: Any) -> None:
    token, raw_key = ApiToken.create_for(participant, name="old")
    token.revoked_at = token.created_at
    token.save(update_fields=["revoked_at"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert client.get(reverse("courses-api:progress")).status_code == 401


@pytest.mark.slow
def test_a_participant_uploads_polls_and_reads_progress(
    enrolled: Any, assignment: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(enrolled)
    assert [a["id"] for a in client.get(reverse("submissions-api:assignments")).json()] == [
        assignment.pk
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions-api:upload", args=[assignment.pk]),
            {"notebook": upload_file(participant_notebook())},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    body = client.get(reverse("submissions-api:submission", args=[response.json()["id"]])).json()
    assert body["status"] == "graded"
    assert body["autograded_points"] == "3.00"
    assert body["released"] is False
    assert body["total_points"] is None
    hidden = [r for r in body["results"] if r["grade_id"] == "test_square_hidden"]
    assert hidden and hidden[0]["hidden"] is True and hidden[0]["message"] == ""

    progress = client.get(reverse("courses-api:progress")).json()
    assert progress[0]["program"] == "Machine Learning in Data Science"
    assert progress[0]["complete"] is False


def test_a_broken_upload_through_the_api_is_a_400_with_the_reason(
    enrolled: Any, assignment: Any
) -> None:
    response = api_client(enrolled).post(
        reverse("submissions-api:upload", args=[assignment.pk]),
        {"notebook": upload_file(b"[1, 2")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["notebook"][0]
    assert not Submission.objects.exists()


def test_another_participants_submission_is_a_404(
    enrolled: Any, other_enrolled: Any, assignment: Any
) -> None:

    submission = submit(enrolled, assignment)
    response = api_client(other_enrolled).get(
        reverse("submissions-api:submission", args=[submission.pk])
    )
    assert response.status_code == 404


def test_uploading_to_an_assignment_of_another_program_is_a_404(
    participant: Any, assignment: Any
) -> None:
    response = api_client(participant).post(
        reverse("submissions-api:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook())},
        format="multipart",
    )
    assert response.status_code == 404


def test_the_openapi_schema_is_served_and_names_the_endpoints(client: Any) -> None:
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert (
        "/api/v1/assignments/{id}/submissions/" in paths
        or "/api/v1/assignments/{pk}/submissions/" in paths
    )
    assert any(p.startswith("/api/v1/submissions/") for p in paths)
    assert "/api/v1/progress/" in paths
    assert response.json()["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
