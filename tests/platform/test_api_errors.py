"""Every API error is JSON in the documented shape (docs/api.md, "Errors"): bodies nested too
deeply, too large or with too many fields, paths that match no route, nested field errors."""

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from platform.api_errors import JSON_MAX_DEPTH, error_body
from submissions.models import Submission
from tests.helpers import api_client, participant_notebook, upload_file
from tests.submissions.grading_state import grade, submit


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return dict(body)


def upload(user: Any, assignment: Any, **fields: Any) -> Any:
    """Upload an attempt through the API with the notebook and ``fields``."""
    return api_client(user).post(
        reverse("submissions-api:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook()), **fields},
        format="multipart",
    )


def data_card(files: list[SimpleUploadedFile]) -> dict[str, Any]:
    return {"data_files": files, "source": "own survey", "licence": "CC BY 4.0"}


@pytest.fixture
def attempt(enrolled: Any, assignment: Any) -> Submission:
    submission = submit(enrolled, assignment)
    grade(submission)
    return submission


JSON_WRITES = [
    ("put", "submissions-api:review", "attempt", "instructor"),
    ("put", "submissions-api:late-policy", "assignment", "instructor"),
    ("post", "submissions-api:extensions", "assignment", "instructor"),
    ("post", "submissions-api:regrade-assignment", "assignment", "instructor"),
    ("post", "submissions-api:regrade-requests", "attempt", "enrolled"),
]


@pytest.mark.parametrize(("method", "name", "target", "role"), JSON_WRITES)
def test_a_json_body_nested_thousands_deep_is_a_400_on_every_json_endpoint(
    method: str, name: str, target: str, role: str, cohort: Any, request: Any
) -> None:
    client = api_client(request.getfixturevalue(role))
    url = reverse(name, args=[request.getfixturevalue(target).pk])
    response = getattr(client, method)(url, nested(5000), content_type="application/json")
    body = assert_json_error(response, 400)
    assert f"more than {JSON_MAX_DEPTH} levels" in body["detail"]


def test_a_json_body_at_the_depth_limit_is_read(
    instructor: Any, cohort: Any, assignment: Any
) -> None:
    response = api_client(instructor).put(
        reverse("submissions-api:late-policy", args=[assignment.pk]),
        json.dumps({"grace_minutes": json.loads(nested(JSON_MAX_DEPTH - 1))}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "grace_minutes" in response.json()  # a field error, not a refusal of the body


def test_a_nested_body_is_refused_in_the_requesters_language(
    instructor: Any, cohort: Any, assignment: Any
) -> None:
    response = api_client(instructor).post(
        reverse("submissions-api:regrade-assignment", args=[assignment.pk]),
        nested(3000),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert "zu tief verschachtelt" in assert_json_error(response, 400)["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/submissions/abc/",
        "/api/v1/assignments/1x/late-policy/",
        "/api/v1/no-such-endpoint/",
    ],
)
def test_a_path_that_matches_no_endpoint_is_a_json_404(path: str, instructor: Any) -> None:
    assert assert_json_error(api_client(instructor).get(path), 404) == {"detail": "Not found."}


def test_a_request_django_refuses_before_any_view_is_a_json_400(client: Any) -> None:
    response = client.get("/api/v1/progress/", HTTP_HOST="evil.example")  # not in ALLOWED_HOSTS
    assert assert_json_error(response, 400) == {"detail": "Malformed request."}


def test_pages_outside_the_api_keep_their_html_404(client: Any) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_json_body_over_the_size_limit_is_a_json_413(
    settings: Any, instructor: Any, cohort: Any, assignment: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client(instructor).post(
        reverse("submissions-api:extensions", args=[assignment.pk]),
        {"reason": "x" * 2000},
        format="json",
    )
    assert "at most 1000 bytes" in assert_json_error(response, 413)["detail"]


def test_a_multipart_field_over_the_size_limit_is_a_json_413_and_stores_nothing(
    settings: Any, enrolled: Any, assignment: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert_json_error(upload(enrolled, assignment, notes="x" * 2000), 413)
    assert not Submission.objects.exists()


@pytest.mark.parametrize("format", ["multipart", "form"])
def test_too_many_fields_are_a_json_400(
    format: str, settings: Any, instructor: Any, cohort: Any, assignment: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"field{n}": "x" for n in range(20)}
    client = api_client(instructor)
    url = reverse("submissions-api:regrade-assignment", args=[assignment.pk])
    if format == "form":
        response = client.post(
            url,
            "&".join(f"{key}={value}" for key, value in fields.items()),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = client.post(url, fields, format="multipart")
    assert "too many fields" in assert_json_error(response, 400)["detail"]


def test_too_many_files_are_a_json_400_and_store_nothing(
    settings: Any, enrolled: Any, assignment: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [SimpleUploadedFile(f"d{n}.csv", b"a,b\n1,2\n") for n in range(3)]
    response = upload(enrolled, assignment, **data_card(files))
    assert "too many files (at most 2)" in assert_json_error(response, 400)["detail"]
    assert not Submission.objects.exists()


def test_an_invalid_data_file_is_named_by_its_position(enrolled: Any, assignment: Any) -> None:
    response = upload(enrolled, assignment, **data_card([SimpleUploadedFile("empty.csv", b"")]))
    assert response.status_code == 400
    assert list(response.json()) == ["data_files[0]"]
    assert response.json()["data_files[0]"] == ["The submitted file is empty."]


def test_an_invalid_score_is_named_by_its_position_and_field(
    attempt: Submission, instructor: Any
) -> None:
    response = api_client(instructor).put(
        reverse("submissions-api:review", args=[attempt.pk]),
        {"scores": [{"grade_id": "explain", "points": "1"}, {"grade_id": "x", "points": "many"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"scores[1].points": ["A valid number is required."]}


def test_error_bodies_are_flattened_to_one_list_of_messages_per_field_path() -> None:
    assert error_body(
        {
            "non_field_errors": ["Both given."],
            "title": ["Too long."],
            "data_files": {0: ["Empty."], 2: ["Too big."]},
            "scores": [{}, {"points": ["Not a number."], "non_field_errors": ["Unknown cell."]}],
        }
    ) == {
        "detail": "Both given.",
        "title": ["Too long."],
        "data_files[0]": ["Empty."],
        "data_files[2]": ["Too big."],
        "scores[1].points": ["Not a number."],
        "scores[1]": ["Unknown cell."],
    }
    assert error_body(["Refused.", "Twice."]) == {"detail": "Refused. Twice."}


def test_a_server_error_under_the_api_is_json_too(
    instructor: Any, cohort: Any, assignment: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("a defect")

    monkeypatch.setattr("submissions.services.regrade_targets", broken)
    client = api_client(instructor)
    client.raise_request_exception = False
    response = client.post(reverse("submissions-api:regrade-assignment", args=[assignment.pk]))
    assert assert_json_error(response, 500) == {"detail": "A server error occurred."}
