"""Bounded request parsing and the one shape of every error answer of the API (docs/api.md,
"Errors").

Every error under ``/api/`` is JSON: DRF views answer through :func:`api_exception_handler`
(``REST_FRAMEWORK["EXCEPTION_HANDLER"]``), and what Django answers before or around a view (an
unknown path or a non-numeric id, a body Django refuses, a server error) goes through the
``handler400``/``handler403``/``handler404``/``handler500`` of ``platform.urls``, which call
:func:`api_error_response` for ``/api/`` paths and Django's pages elsewhere.
"""

import io
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, parsers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

API_PREFIX = "/api/"
# The deepest JSON body the API reads. Its bodies nest three levels at most (a list of score
# objects); json.loads itself would recurse until RecursionError, a 500 (docs/api.md).
JSON_MAX_DEPTH = 32


# --- request bodies -------------------------------------------------------------------------


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        super().__init__(
            _("The request body is too large: at most %(limit)s bytes are read.") % {"limit": limit}
        )


def read_bounded(stream: IO[bytes]) -> bytes:
    """The whole body, refused (``RequestDataTooBig``) beyond ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

    Django applies that limit to ``request.body`` and forms, but DRF's JSON and form parsers read
    the raw stream, which Django does not limit."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestDataTooBig(f"Request body exceeded {limit} bytes.")
    return body


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser within the body size limit and ``JSON_MAX_DEPTH`` levels of nesting.

    ``json.loads`` recurses in C: ``[[[[...`` a thousand levels deep ends in ``RecursionError``,
    which DRF does not catch (a 500). That is answered as too deep, and so is anything parsed
    that nests deeper than ``JSON_MAX_DEPTH`` (a body of at most
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes is cheap to walk). The notebook intake has its own
    scan before parsing (``submissions.intake.notebooks``), which must run without Django.
    """

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        body = io.BytesIO(read_bounded(stream))
        try:
            data = super().parse(body, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        if _nests_deeper_than(data, JSON_MAX_DEPTH):
            raise _too_deep()
        return data


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("The JSON body is nested too deeply (more than %(depth)s levels).")
        % {"depth": JSON_MAX_DEPTH}
    )


def _nests_deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects in ``value`` nest more than ``limit`` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedFormParser(parsers.FormParser):
    """DRF's form parser within the body size limit (Django limits the number of fields)."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        return super().parse(io.BytesIO(read_bounded(stream)), media_type, parser_context)


# --- errors ---------------------------------------------------------------------------------


def as_api_exception(exc: BaseException) -> BaseException:
    """Django's refusals of a request body, as the API exceptions they amount to."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, TooManyFieldsSent):
        return exceptions.ParseError(
            _("The request has too many fields (at most %(limit)s).")
            % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
        )
    if isinstance(exc, TooManyFilesSent):
        return exceptions.ParseError(
            _("The request has too many files (at most %(limit)s).")
            % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
        )
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError()
    return exc


def error_body(data: Any) -> dict[str, Any]:
    """Any DRF error detail in the documented shape: ``detail`` (a string) for what is not about
    one field, and one flat key per field, nested fields named by their path
    (``data_files[0]``, ``scores[1].points``), each with a list of messages."""
    if not isinstance(data, Mapping):
        return {"detail": _sentence(data)}
    body: dict[str, Any] = {}
    for key, value in data.items():
        if key in {"detail", api_settings.NON_FIELD_ERRORS_KEY}:
            body["detail"] = " ".join(filter(None, [body.get("detail"), _sentence(value)]))
        else:
            _flatten(str(key), value, body)
    return body


def _sentence(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_sentence(item) for item in value)
    if isinstance(value, Mapping):
        return " ".join(_sentence(item) for item in value.values())
    return str(value)


def _flatten(path: str, value: Any, into: dict[str, Any]) -> None:
    if isinstance(value, Mapping):  # a nested serializer's, or a ListField's {index: errors}
        for key, item in value.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                _flatten(path, item, into)
            elif isinstance(key, int) or str(key).isdigit():
                _flatten(f"{path}[{key}]", item, into)
            else:
                _flatten(f"{path}.{key}", item, into)
    elif isinstance(value, list | tuple) and any(isinstance(i, Mapping | list) for i in value):
        for index, item in enumerate(value):  # a list serializer's: {} for the valid items
            _flatten(f"{path}[{index}]", item, into)
    elif isinstance(value, list | tuple):
        into.setdefault(path, []).extend(str(message) for message in value)
    else:
        into.setdefault(path, []).append(str(value))


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, for Django's body refusals too, with every body in the documented shape."""
    # Imported here: DRF imports this module's parsers while rest_framework.views loads.
    from rest_framework.views import exception_handler

    response = exception_handler(as_api_exception(exc), context)  # type: ignore[arg-type]
    if response is not None:
        response.data = error_body(response.data)
    return response


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error_response(exc: BaseException | None, status_code: int) -> JsonResponse:
    """The JSON answer of an error Django answers itself on an ``/api/`` path."""
    exc = as_api_exception(exc) if exc is not None else None
    if isinstance(exc, exceptions.APIException):
        return JsonResponse(error_body(exc.detail), status=exc.status_code)
    detail = {
        status.HTTP_400_BAD_REQUEST: exceptions.ParseError.default_detail,
        status.HTTP_403_FORBIDDEN: exceptions.PermissionDenied.default_detail,
        status.HTTP_404_NOT_FOUND: exceptions.NotFound.default_detail,
    }.get(status_code, _("A server error occurred."))
    return JsonResponse({"detail": str(detail)}, status=status_code)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(exception, status.HTTP_400_BAD_REQUEST)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(None, status.HTTP_403_FORBIDDEN)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(None, status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(None, status.HTTP_500_INTERNAL_SERVER_ERROR)
    return defaults.server_error(request)
