"""Accounts tests: real log-ins through allauth's pages, and sessions made without them."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from platform.models import User


@pytest.fixture(autouse=True)
def _database_cache(settings: Any) -> None:
    """allauth's rate limits and used TOTP codes live in the shared cache (here the
    database's, emptied with each test's transaction)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "platform_cache",
        }
    }


@pytest.fixture
def plain_session() -> Callable[[User], Client]:
    """A session made past allauth's log-in, with no second factor in it."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
