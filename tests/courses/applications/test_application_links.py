"""The signed links of an applicant's mails: confirming the address (also expired and
tampered), the application's page, withdrawal."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from courses.applications import links, services
from courses.models import Application, Enrollment


@pytest.fixture
def unconfirmed(apply_for: Any) -> Application:
    return apply_for("Ada Applicant", confirm=False)


def test_the_confirmation_link_makes_the_application_count(
    client: Client, unconfirmed: Application
) -> None:
    response = client.get(reverse("applications:confirm", args=[links.confirm_token(unconfirmed)]))
    assert response.status_code == 302
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == Application.Status.SUBMITTED
    assert unconfirmed.confirmed_at is not None
    page = client.get(response["Location"])
    assert "is confirmed" in page.content.decode()
    # Following it again changes nothing.
    confirmed_at = unconfirmed.confirmed_at
    client.get(reverse("applications:confirm", args=[links.confirm_token(unconfirmed)]))
    unconfirmed.refresh_from_db()
    assert unconfirmed.confirmed_at == confirmed_at


def test_a_tampered_link_is_a_404(client: Client, unconfirmed: Application) -> None:
    token = links.confirm_token(unconfirmed)
    assert client.get(reverse("applications:confirm", args=[token[:-2] + "xx"])).status_code == 404
    # A status link is no confirmation link (another salt).
    status_token = links.status_token(unconfirmed)
    assert client.get(reverse("applications:confirm", args=[status_token])).status_code == 404
    forged = signing.dumps(unconfirmed.pk, salt="something else")
    assert client.get(reverse("applications:status", args=[forged])).status_code == 404
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == Application.Status.UNCONFIRMED


def test_an_expired_link_offers_a_new_one(
    client: Client,
    unconfirmed: Application,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    token = links.confirm_token(unconfirmed)
    monkeypatch.setattr(links, "CONFIRM_MAX_AGE", dt.timedelta(seconds=-1))
    response = client.get(reverse("applications:confirm", args=[token]))
    assert response.status_code == 410
    assert "new-link-form" in response.content.decode()
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == Application.Status.UNCONFIRMED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("applications:new-link"), {"token": token})
    assert sent.status_code == 302
    assert client.get(sent["Location"]).status_code == 200
    assert len(mail.outbox) == 1 and "/applications/confirm/" in mail.outbox[0].body
    assert client.post(reverse("applications:new-link"), {"token": "forged"}).status_code == 404


def test_the_status_page_shows_the_status_without_a_log_in(client: Client, apply_for: Any) -> None:
    application = apply_for("Ada Applicant")
    response = client.get(reverse("applications:status", args=[links.status_token(application)]))
    assert response.status_code == 200
    assert "to be screened" in response.content.decode()
    assert "withdraw-form" in response.content.decode()


def test_the_applicant_withdraws(client: Client, apply_for: Any) -> None:
    application = apply_for("Ada Applicant")
    token = links.status_token(application)
    assert client.get(reverse("applications:withdraw", args=[token])).status_code == 405
    response = client.post(reverse("applications:withdraw", args=[token]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    page = client.get(response["Location"]).content.decode()
    assert "withdrawn" in page and "withdraw-form" not in page
    # Again: refused with a message, nothing changes.
    again = client.post(reverse("applications:withdraw", args=[token]), follow=True)
    assert "can no longer be withdrawn" in again.content.decode()


def test_an_admitted_applicant_who_withdraws_gives_the_place_back(
    apply_for: Any, coordinator: Any
) -> None:
    application = apply_for("Ada Applicant")
    services.decide(
        application=application,
        decision=services.Decision.ADMIT,
        message="Welcome",
        actor=coordinator,
    )
    application.refresh_from_db()
    assert application.enrollment is not None
    services.withdraw(application=application)
    enrollment = Enrollment.objects.get(pk=application.enrollment_id)
    assert enrollment.status == Enrollment.Status.WITHDRAWN
    assert not enrollment.invitations.usable().exists()
    assert services.places_taken(application.cohort) == 0


def test_after_withdrawal_the_address_may_apply_again(apply_for: Any) -> None:
    first = apply_for("Ada Applicant")
    services.withdraw(application=first)
    second = apply_for("Ada Applicant")
    assert second.pk != first.pk
