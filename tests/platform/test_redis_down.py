"""Fault drill: Redis configured (``REDIS_URL``) but down (docs/operations.md, "Fault drills").
What counts in Redis answers 503 with the reason instead of a 500; ``/readyz`` says Redis is
failing; pages that count nothing keep working."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from platform.models import User

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _redis_down(settings: Any) -> Iterator[None]:
    settings.REDIS_URL = CLOSED_PORT
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    yield
    caches["default"].close()


def test_a_log_in_says_why_instead_of_failing(participant: User) -> None:
    response = Client(raise_request_exception=False).post(
        reverse("account_login"), {"login": participant.username, "password": "wrong"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "shared cache (Redis) does not answer" in response.content.decode()


def test_readiness_names_redis(client: Client, db: None) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = json.loads(response.content)["checks"]
    assert checks["redis"] == {"state": "failing", "error": "ConnectionError"}
    assert checks["database"]["state"] == "ok"


def test_pages_that_count_nothing_keep_working(client_for: Any, enrolled: User) -> None:
    assert client_for(enrolled).get(reverse("home")).status_code == 200
