"""Log lines that say which request (or which upload's grading) they belong to.

A request id lives in a context variable: the middleware sets it for a web request
(``platform.observability.middleware``), and a background job sets the id of the request that
queued it (``platform.observability.jobs``), so one id follows a submission from its upload
through its grading and rendering. ``ContextFilter`` copies it, and the user's id where known,
onto every record; ``LOG_FORMAT=json`` writes each record as one JSON object
(docs/operations.md, "Health, metrics and logs"). Names and e-mail addresses are never added.

This module is imported by the settings, so it imports nothing of Django's.
"""

import contextvars
import datetime as dt
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

# What a proxy's X-Request-ID may be to be kept: a UUID, or any id of this alphabet and length.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,64}")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# The request whose user a log line names; read lazily, see ``_user_id``.
_request: contextvars.ContextVar[Any] = contextvars.ContextVar("log_request", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str:
    """The id of the request (or job) running now; empty outside both."""
    return _request_id.get()


def well_formed(candidate: str) -> bool:
    return WELL_FORMED.fullmatch(candidate) is not None


@contextmanager
def bound_request(request_id: str, request: Any = None) -> Iterator[None]:
    """Log everything inside under ``request_id`` (and ``request``'s user, once it is known)."""
    id_token = _request_id.set(request_id)
    request_token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(request_token)
        _request_id.reset(id_token)


def _user_id(request: Any) -> int | None:
    """The logged-in user's id, if something has already looked the user up.

    ``request.user`` is lazy (a ``SimpleLazyObject`` until read, or DRF's authenticated user
    once the API view ran); a log line must never be what reads it, which would query the
    database from inside logging, so only a user already resolved is named.
    """
    if request is None:
        return None
    user = request.__dict__.get("user")
    if type(user).__name__ == "SimpleLazyObject":
        user = request.__dict__.get("_cached_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    pk = getattr(user, "pk", None)
    return pk if isinstance(pk, int) else None


class ContextFilter(logging.Filter):
    """Adds ``request_id`` ("-" when none) and ``user_id`` (None when unknown) to every record.

    Django logs a request's 4xx and 5xx answer ("Not Found: ...") after the middleware has
    returned, with the request as the record's ``request``: the id the middleware left on it
    (``request.request_id``) is used then.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = _request.get()
        request_id = _request_id.get()
        logged: Any = getattr(record, "request", None)
        if not request_id and hasattr(logged, "request_id"):
            request, request_id = logged, logged.request_id
        if not getattr(record, "request_id", None):
            record.request_id = request_id or "-"
        if getattr(record, "user_id", None) is None:
            record.user_id = _user_id(request)
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id,
    user_id, then the record's extras and the traceback. Django's request records carry the
    ``HttpRequest`` itself as an extra, which is left out (its repr holds the full URL)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("{message}", style="{", reserved_attrs=[*RESERVED_ATTRS, "request"])

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        super().add_fields(log_data, record, message_dict)
        log_data["request_id"] = getattr(record, "request_id", "-")
        log_data["user_id"] = getattr(record, "user_id", None)


TEXT_FORMAT = "{asctime} {levelname} {name} [{request_id}] {message}"
LOG_FORMATS = ("text", "json")


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: every record to stderr, as text or as JSON lines."""
    formatter: dict[str, Any] = (
        {"()": "platform.observability.logging.JsonFormatter"}
        if log_format == "json"
        else {"format": TEXT_FORMAT, "style": "{"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "platform.observability.logging.ContextFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["context"],
                "formatter": "default",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own loggers (and the development server's) write through the same handler
        # instead of their defaults, so every line has one format.
        "loggers": {
            name: {"handlers": ["console"], "level": level, "propagate": False}
            for name in ("django", "django.server")
        },
    }
