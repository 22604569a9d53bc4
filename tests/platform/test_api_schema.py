"""The OpenAPI schema documents the errors each operation really gives, in the one ``Error``
shape, and the bodies and content types the API really sends (docs/api.md)."""

from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import api_client
from tests.submissions.grading_state import submit

ERROR = {"$ref": "#/components/schemas/Error"}
# Errors that say more than the shape (docs/api.md, "Errors"): who holds a lease, a render status.
OWN_SHAPES = {
    ("/api/v1/submissions/{id}/rendered/", "409"),
    ("/api/v1/submissions/{id}/lease/", "409"),
    ("/api/v1/submissions/{id}/lease/renew/", "409"),
    ("/api/v1/submissions/{id}/lease/release/", "409"),
    ("/api/v1/modules/{id}/assignments/", "409"),
}


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    return dict(client.get(reverse("api-schema"), {"format": "json"}).json())


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def error_schema(operation: dict[str, Any], code: int) -> Any:
    return operation["responses"][str(code)]["content"]["application/json"]["schema"]


def test_every_error_answer_is_documented_in_the_error_shape(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["detail"] == {
        "type": "string",
        "description": "What went wrong, when it is not about one field.",
    }
    assert error["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    for path, method, operation in operations(spec):
        for code, response in operation["responses"].items():
            if int(code) >= 400 and (path, code) not in OWN_SHAPES:
                assert response["content"]["application/json"]["schema"] == ERROR, (
                    method,
                    path,
                    code,
                )


def test_each_operation_documents_the_errors_the_shared_layer_gives(
    spec: dict[str, Any],
) -> None:
    for path, method, operation in operations(spec):
        codes = set(operation["responses"])
        if path != "/api/v1/verify/{code}/":
            assert "401" in codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if "requestBody" in operation:
            assert {"400", "403", "413", "415"} <= codes, (method, path)
    verify = spec["paths"]["/api/v1/verify/{code}/"]["get"]
    assert error_schema(verify, 429) == ERROR and error_schema(verify, 404) == ERROR


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cohorts/{id}/enrollments/{enrollment_pk}/certificate/",
        "/api/v1/cohorts/{id}/certificate-requests/{request_pk}/approve/",
        "/api/v1/cohorts/{id}/certificates/{certificate_pk}/revoke/",
        "/api/v1/cohorts/{id}/certificates/{certificate_pk}/reissue/",
        "/api/v1/submissions/{id}/release/",
    ],
)
def test_refused_actions_document_their_409(spec: dict[str, Any], path: str) -> None:
    assert error_schema(spec["paths"][path]["post"], 409) == ERROR


def test_progress_percentages_are_nullable(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["ModuleProgress"]["properties"]["percent"]["nullable"] is True
    assert schemas["ProgramProgress"]["properties"]["weighted_grade"]["nullable"] is True


def test_the_notebook_download_documents_the_content_type_it_sends(
    spec: dict[str, Any], enrolled: Any, assignment: Any
) -> None:
    submission = submit(enrolled, assignment)
    response = api_client(enrolled).get(reverse("submissions-api:notebook", args=[submission.pk]))
    documented = spec["paths"]["/api/v1/submissions/{id}/notebook/"]["get"]["responses"]["200"]
    assert list(documented["content"]) == [response["Content-Type"]]
