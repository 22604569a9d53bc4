"""Helpers for the accounts tests: real log-ins through allauth's pages."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from platform.models import User
from tests.helpers import PASSWORD
from tests.helpers import give_second_factor as give_totp

__all__ = ["PASSWORD", "give_totp", "has_totp", "log_in_with_password", "logged_in_as"]


def log_in_with_password(client: Client, login: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("login"), {"login": login, "password": password})


def logged_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RefusingBackend:
    """A mail server that refuses every message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("mail server down")

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass
