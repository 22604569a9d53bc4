"""The Django admin uses the site's log-in and second factor."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from platform.accounts.services import current_totp_code
from platform.models import User
from tests.helpers import log_in
from tests.platform.accounts.flows import give_totp, log_in_with_password, logged_in_as

pytestmark = pytest.mark.django_db


def test_the_admins_log_in_page_is_the_sites(client: Client) -> None:
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login") + "?next=/admin/"
    assert b'name="login"' in response.content


def test_a_staff_member_without_a_second_factor_cannot_get_into_the_admin(
    coordinator: User, client: Client
) -> None:
    log_in_with_password(client, "cora")
    assert logged_in_as(client) == "cora"
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    assert client.get(reverse("admin:platform_user_changelist")).status_code == 302


def test_a_staff_session_that_skipped_the_second_factor_cannot_get_in(
    coordinator: User, plain_session: Callable[[User], Client]
) -> None:
    give_totp(coordinator)
    client = plain_session(coordinator)
    response = client.get(reverse("admin:index"))
    assert response["Location"] == reverse("login") + "?next=/admin/"


def test_a_staff_member_gets_in_with_password_and_code(coordinator: User) -> None:
    give_totp(coordinator)
    client = Client()
    response = client.post(
        reverse("login") + "?next=/admin/",
        {"login": "cora", "password": "correct horse battery", "next": "/admin/"},
    )
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(coordinator)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_participant_is_no_admin_whatever_the_second_factor(participant: User) -> None:
    client = log_in(Client(), participant)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert client.get(reverse("admin:login")).status_code == 302
    assert client.get(reverse("admin:login"))["Location"] == reverse("home")
