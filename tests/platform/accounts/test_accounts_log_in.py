"""Log-in by user name or e-mail, log-out, no public sign-up, allauth's rate limits."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from platform.models import User
from tests.platform.accounts.flows import PASSWORD, log_in_with_password, logged_in_as

pytestmark = pytest.mark.django_db


def test_a_participant_logs_in_by_user_name(participant: User, client: Client) -> None:
    response = log_in_with_password(client, "ada")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert logged_in_as(client) == "ada"


def test_a_participant_logs_in_by_e_mail_address_in_any_case(
    participant: User, client: Client
) -> None:
    assert not EmailAddress.objects.filter(user=participant).exists()
    response = log_in_with_password(client, "ADA@example.org")
    assert response.status_code == 302
    assert logged_in_as(client) == "ada"


def test_a_second_verified_address_logs_in_too(participant: User, client: Client) -> None:
    EmailAddress.objects.create(user=participant, email="ada@uni.example", verified=True)
    log_in_with_password(client, "ada@uni.example")
    assert logged_in_as(client) == "ada"


def test_a_wrong_password_keeps_the_person_out_and_says_so(
    participant: User, client: Client
) -> None:
    response = log_in_with_password(client, "ada@example.org", "wrong")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert logged_in_as(client) is None


def test_the_log_in_page_returns_to_where_the_person_was_going(
    participant: User, client: Client
) -> None:
    response = client.post(
        reverse("login") + "?next=/verify/",
        {"login": "ada", "password": PASSWORD, "next": "/verify/"},
    )
    assert response["Location"] == "/verify/"


def test_the_log_in_page_never_sends_anyone_off_the_site(participant: User, client: Client) -> None:
    response = client.post(
        reverse("login"), {"login": "ada", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_log_out_asks_on_get_and_logs_out_on_post(participant: User, client: Client) -> None:
    log_in_with_password(client, "ada")
    assert client.get(reverse("logout")).status_code == 200
    assert logged_in_as(client) == "ada"
    assert client.post(reverse("logout")).status_code == 302
    assert logged_in_as(client) is None


def test_there_is_no_public_sign_up(client: Client) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "mallory@example.org",
            "username": "mallory",
            "password1": "a long passphrase here",
            "password2": "a long passphrase here",
        },
    )
    assert response.status_code == 200
    assert "No public sign-up" in response.content.decode()
    assert not User.objects.filter(username="mallory").exists()


def test_the_log_in_page_offers_no_sign_up_link(client: Client) -> None:
    body = client.get(reverse("login")).content.decode()
    assert reverse("account_signup") not in body
    assert reverse("account_reset_password") in body


def test_too_many_reset_requests_for_one_address_get_429(
    participant: User, client: Client, settings: Any
) -> None:
    statuses = [
        client.post(reverse("account_reset_password"), {"email": "ada@example.org"}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429


def test_wrong_second_factor_codes_are_rate_limited(participant: User) -> None:
    from tests.platform.accounts.flows import give_totp

    give_totp(participant)
    client = Client()
    log_in_with_password(client, "ada")
    bodies = [
        client.post(reverse("mfa_authenticate"), {"code": "000000"}).content.decode()
        for _ in range(6)
    ]
    assert "Too many failed login attempts" in bodies[-1]
    assert logged_in_as(client) is None
