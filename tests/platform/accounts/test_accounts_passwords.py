"""Password reset by e-mail (through the outgoing-mail queue), password change, addresses."""

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from platform.models import OutgoingMail, User
from tests.platform.accounts.flows import PASSWORD, log_in_with_password, logged_in_as

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a brand new passphrase"


def only_link(message: Any) -> str:
    links = re.findall(r"https?://testserver(/\S+)", message.body)
    assert len(links) == 1, message.body
    return str(links[0])


def test_a_forgotten_password_is_reset_with_the_link_from_the_mail(
    participant: User, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "ADA@example.org"})
    assert response["Location"] == reverse("account_reset_password_done")
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    stored = OutgoingMail.objects.get()
    assert stored.sent_at is not None and stored.to == "ada@example.org"
    # The link leads to a page without the key in its address, which sets the new password.
    form_page = client.get(only_link(message), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    assert log_in_with_password(Client(), "ada", PASSWORD).status_code == 200
    fresh = Client()
    log_in_with_password(fresh, "ada", NEW_PASSWORD)
    assert logged_in_as(fresh) == "ada"
    # The link works once.
    used = client.get(only_link(message), follow=True)
    assert "invalid" in used.content.decode().lower()


def test_a_reset_mail_the_server_refuses_stays_queued_for_the_worker(
    participant: User, client: Client, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "tests.platform.accounts.flows.RefusingBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "ada@example.org"})
    stored = OutgoingMail.objects.get()
    assert stored.sent_at is None and stored.attempts == 1
    assert "reset" in stored.body.lower()


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("account_reset_password_done")
    assert mail.outbox == [] and not OutgoingMail.objects.exists()


def test_a_participant_changes_their_password(participant: User, client: Client) -> None:
    log_in_with_password(client, "ada")
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert logged_in_as(client) == "ada"
    participant.refresh_from_db()
    assert participant.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_changes_nothing(participant: User, client: Client) -> None:
    log_in_with_password(client, "ada")
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.check_password(PASSWORD)


def test_a_new_address_is_verified_by_the_link_sent_to_it(
    participant: User, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    log_in_with_password(client, "ada")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "ada@uni.example"}
        )
    assert response.status_code == 302
    address = EmailAddress.objects.get(email="ada@uni.example")
    assert address.user == participant and not address.verified
    (message,) = mail.outbox
    assert message.to == ["ada@uni.example"]
    link = only_link(message)
    assert client.post(link).status_code == 302
    address.refresh_from_db()
    assert address.verified


def test_the_email_page_needs_a_log_in(client: Client) -> None:
    response = client.get(reverse("account_email"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
