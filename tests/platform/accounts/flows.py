"""Helpers for the accounts tests: real log-ins through allauth's pages."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from platform.accounts.services import set_up_totp
from platform.models import User

PASSWORD = "correct horse battery"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user: User) -> list[str]:
    """A TOTP app and recovery codes for ``user``; returns the recovery codes."""
    return set_up_totp(user=user, secret=SECRET, recovery_seed=f"seed-{user.pk}")


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
