"""The outgoing-mail queue (``platform.mail``): stored with the transaction that reports it,
sent after the commit, retried with growing pauses by the worker when the server fails."""

from collections.abc import Sequence
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.db import transaction

from platform.mail import (
    RETRY_PAUSES,
    deliver,
    deliver_due_mail,
    queue_mail,
    queue_mail_in_language,
)
from platform.models import OutgoingMail

FAILING = {"default": {"BACKEND": "tests.platform.test_mail_queue.FailingBackend"}}
WORKING = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise ConnectionRefusedError("the mail server is down")


def test_a_queued_mail_is_stored_and_sent_after_the_commit(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        stored = queue_mail(to="ada@example.com", subject="Hello", body="Text", topic="test 1")
        assert mail.outbox == []  # not before the commit
    stored.refresh_from_db()
    assert stored.sent_at is not None and stored.attempts == 1
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (["ada@example.com"], "Hello", "Text")
    ]


def test_a_rolled_back_transaction_stores_and_sends_nothing(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue_mail(to="ada@example.com", subject="Hello", body="Text")
        raise RuntimeError("the write it reports failed")
    assert not OutgoingMail.objects.exists()
    assert mail.outbox == []


def test_a_failing_server_is_retried_by_the_worker_until_it_works(
    db: None, settings: Any, later: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MAILERS = FAILING
    with django_capture_on_commit_callbacks(execute=True):
        stored = queue_mail(to="ada@example.com", subject="Hello", body="Text")
    stored.refresh_from_db()
    assert stored.sent_at is None and stored.attempts == 1
    assert "the mail server is down" in stored.last_error
    # Not due before its pause is over; then tried again, still failing, with a longer pause.
    assert deliver_due_mail() == 0
    later(RETRY_PAUSES[0] + 1)
    assert deliver_due_mail() == 0
    stored.refresh_from_db()
    assert stored.attempts == 2
    # The server is back: the next due run sends it, once.
    settings.MAILERS = WORKING
    later(RETRY_PAUSES[1] + 1)
    assert deliver_due_mail() == 1
    assert deliver_due_mail() == 0
    stored.refresh_from_db()
    assert stored.sent_at is not None and stored.last_error == ""
    assert len(mail.outbox) == 1


def test_a_mail_that_keeps_failing_stops_after_the_last_attempt(
    db: None, settings: Any, later: Any
) -> None:
    settings.MAILERS = FAILING
    stored = OutgoingMail.objects.create(to="ada@example.com", subject="Hello", body="Text")
    for _ in range(OutgoingMail.MAX_ATTEMPTS + 2):
        deliver_due_mail()
        later(max(RETRY_PAUSES) + 1)
    stored.refresh_from_db()
    assert stored.attempts == OutgoingMail.MAX_ATTEMPTS
    assert stored.sent_at is None
    assert not OutgoingMail.objects.due().exists()


def test_a_sent_mail_is_never_sent_twice(db: None) -> None:
    stored = OutgoingMail.objects.create(to="ada@example.com", subject="Hello", body="Text")
    assert deliver(stored.pk) is True
    assert deliver(stored.pk) is True
    assert len(mail.outbox) == 1
    assert deliver(stored.pk + 1000) is False


def test_a_mail_is_rendered_in_the_language_asked_for(db: None) -> None:
    stored = queue_mail_in_language(
        to="dora@example.com",
        language="de-AT",
        template="courses/applications/mail/status_link",
        context={"name": "Dora", "program": "ML", "cohort": "2027", "status_url": "https://x/"},
    )
    assert stored.subject == "Ihre Bewerbung für ML"
    assert stored.body.startswith("Guten Tag Dora,")
