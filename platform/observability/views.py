"""``/healthz``, ``/readyz`` and ``/metrics`` (docs/operations.md, "Health, metrics and logs").

``/healthz`` answers without touching the database: the process is alive. ``/readyz`` answers
200 or 503 to anyone, and the checks behind it (queue ages, worker names, free disk) only to a
trusted caller: one from a loopback address, one with the bearer token of ``METRICS_TOKEN``, or
staff. ``/metrics`` is for trusted callers only, the others get 403.
"""

import ipaddress
import logging
import secrets

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from platform.observability.health import QueueCollector, readiness
from platform.observability.metrics import multiprocess_dir
from platform.ratelimit import peer_address

logger = logging.getLogger(__name__)


def is_trusted(request: HttpRequest) -> bool:
    """From a loopback address (behind the proxy: the client's, see ``BEHIND_PROXY``), or with
    ``Authorization: Bearer <METRICS_TOKEN>``."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(peer_address(request)).is_loopback
    except ValueError:
        return False


def _is_staff(request: HttpRequest) -> bool:
    try:
        return bool(request.user.is_staff)
    except DatabaseError:
        return False  # the session cannot be read: the status code says enough


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "alive"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    checks = readiness()
    failing = [check.name for check in checks if not check.ok]
    body: dict[str, object] = {"status": "not ready" if failing else "ready"}
    if is_trusted(request) or _is_staff(request):
        body["checks"] = {check.name: {"state": check.state, **check.detail} for check in checks}
    response = JsonResponse(body, status=503 if failing else 200)
    if failing:
        logger.warning("not ready: %s", ", ".join(failing))
        # Said once above; Django would add an ERROR "Service Unavailable" for every probe.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not is_trusted(request):
        return HttpResponseForbidden()
    registry = CollectorRegistry()
    directory = multiprocess_dir()
    if directory:
        # Every process's samples, added up.
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry.register(REGISTRY)  # this process's samples only
    registry.register(QueueCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
