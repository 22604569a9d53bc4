"""The error answers of the OpenAPI schema: one ``Error`` component and, on every operation, the
error codes it really gives (docs/api.md, "Errors" and "Schema and fuzzing").

``ApiAutoSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) adds what the shared mechanisms
answer, read from the operation and its view, so no view repeats them: 400 for a request body
or query parameters, 401 where a token is needed, 403 for writes (session clients without a
valid CSRF token), 404 for paths with ids, 413 and 415 for request bodies, 429 for throttled
views. What only a view knows (a 409 for a refused action, a 403 for a role that may only read)
it declares with ``extend_schema(responses={409: ErrorSerializer, ...})``.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
FREE_FORM = {"type": "object", "additionalProperties": {}}  # OpenApiTypes.OBJECT


class ErrorSerializer(serializers.Serializer[None]):
    """The body of every error answer: `detail` when the error is not about one field, otherwise
    one key per field path (`data_files[0]`, `scores[1].points`) with its list of messages."""

    detail = serializers.CharField(
        required=False, help_text="What went wrong, when it is not about one field."
    )
    cell = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="An upload's refusal: the 1-based number of the cell to blame, or null.",
    )

    class Meta:
        ref_name = "Error"


class ErrorSchema(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
    """Every other key is a field's path (``scores[1].points``) with its list of messages."""

    target_class = ErrorSerializer

    def map_serializer(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super().map_serializer(auto_schema, direction)
        schema["additionalProperties"] = {"type": "array", "items": {"type": "string"}}
        return schema


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema with the error answers of the shared mechanisms added."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = {"application/json": {"schema": self._error_reference()}}
        responses: dict[str, Any] = operation["responses"]
        for status_code, description in self._error_codes(operation).items():
            response = responses.setdefault(str(status_code), {"description": description})
            response.setdefault("content", error)
        for key, response in responses.items():
            # An error a view declares without a body, or as a free-form object, is an Error.
            if int(key) >= 400 and _free_form(response):
                response["content"] = error
        return operation

    def _error_reference(self) -> dict[str, str]:
        component = self.resolve_serializer(ErrorSerializer, "response")
        return dict(component.ref)

    def _error_codes(self, operation: dict[str, Any]) -> dict[int, str]:
        codes: dict[int, str] = {}
        has_body = "requestBody" in operation
        has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        security = operation.get("security", [])
        if has_body or has_query:
            codes[400] = "The request is invalid (see the field paths)."
        if security and {} not in security:
            codes[401] = "No token, or a wrong or revoked one."
        if self.method in UNSAFE_METHODS and any(
            isinstance(auth, SessionAuthentication) for auth in self.view.get_authenticators()
        ):
            codes[403] = "Not allowed (or, with a session, no valid CSRF token)."
        if "{" in self.path:
            codes[404] = "Not found, or not visible to you."
        if has_body:
            codes[413] = "The request body is too large."
            codes[415] = "Unsupported content type."
        if getattr(self.view, "throttle_classes", None):
            codes[429] = "Too many requests; see Retry-After."
        return codes


def _free_form(response: dict[str, Any]) -> bool:
    schemas = [media.get("schema") for media in response.get("content", {}).values()]
    return all(schema in (None, FREE_FORM) for schema in schemas)


def error_responses(*codes: int) -> dict[int, type[ErrorSerializer]]:
    """``extend_schema(responses={**error_responses(403, 409), ...})`` for a view's own errors."""
    return dict.fromkeys(codes, ErrorSerializer)
