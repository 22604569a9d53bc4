"""E-mails, each in its recipient's language (docs/i18n.md, "Outside a request")."""

import logging
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from platform.middleware import supported_language
from platform.models import OutgoingMail, User

logger = logging.getLogger(__name__)


def recipient_language(recipient: User, *, fallback: str) -> str:
    """The language to write to ``recipient`` in: their preferred language if the site
    supports it, else ``fallback`` (the program's), else ``settings.LANGUAGE_CODE``."""
    return (
        supported_language(recipient.preferred_language)
        or supported_language(fallback)
        or settings.LANGUAGE_CODE
    )


def send_in_language(
    *, recipient: User, fallback_language: str, template: str, context: Mapping[str, object]
) -> None:
    """Render ``<template>_subject.txt`` and ``<template>.txt`` in the recipient's language
    (``recipient_language``) and send them; nothing is sent to a user without an address."""
    if not recipient.email:
        return
    language = recipient_language(recipient, fallback=fallback_language)
    subject, body = render_in_language(language, template, context)
    send_mail(subject, body, None, [recipient.email])


def render_in_language(
    language: str, template: str, context: Mapping[str, object]
) -> tuple[str, str]:
    """The subject (``<template>_subject.txt``, one line) and body (``<template>.txt``) of an
    e-mail, rendered in ``language`` (the site's default when it is not supported)."""
    with translation.override(supported_language(language) or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", dict(context)).strip()
        body = render_to_string(f"{template}.txt", dict(context))
    return subject, body


# --- the outgoing-mail queue (platform.models.OutgoingMail) -----------------------------------

RETRY_PAUSES = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)  # seconds after each failure


def queue_mail(
    *, to: str, subject: str, body: str, topic: str = "", deliver_now: bool = True
) -> OutgoingMail:
    """Store an e-mail and send it once the surrounding transaction commits.

    Call it inside the transaction that writes what the mail reports: if that rolls back, no
    mail goes out; if it commits, the mail is stored whatever happens to the delivery, which
    is tried at once and, on failure, again by the worker (``deliver_due_mail``). With
    ``deliver_now=False`` (hundreds of mails from one request, such as a bulk enrolment) the
    worker sends it, within a minute, so the request does not wait for the mail server."""
    mail = OutgoingMail.objects.create(to=to, subject=subject[:300], body=body, topic=topic)
    if deliver_now:
        transaction.on_commit(lambda: deliver(mail.pk))
    return mail


def queue_mail_in_language(
    *,
    to: str,
    language: str,
    template: str,
    context: Mapping[str, object],
    topic: str = "",
    deliver_now: bool = True,
) -> OutgoingMail:
    """``queue_mail`` with ``<template>_subject.txt`` and ``<template>.txt`` rendered in
    ``language`` (for people who may have no account yet, such as applicants)."""
    subject, body = render_in_language(language, template, context)
    return queue_mail(to=to, subject=subject, body=body, topic=topic, deliver_now=deliver_now)


def deliver(pk: int) -> bool:
    """Try to send one stored mail now; True when it is (or already was) sent. A failure is
    recorded with the time of the next attempt; it never raises."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=pk).first()
        if mail is None or mail.sent_at is not None:
            return mail is not None
        mail.attempts += 1
        try:
            send_mail(mail.subject, mail.body, None, [mail.to])
        except Exception as error:  # noqa: BLE001 - any transport error means "try again later"
            pause = RETRY_PAUSES[min(mail.attempts - 1, len(RETRY_PAUSES) - 1)]
            mail.last_error = f"{type(error).__name__}: {error}"[:2000]
            mail.next_attempt_at = timezone.now() + timedelta(seconds=pause)
            logger.warning(
                "mail %s to %s failed (attempt %s): %s", pk, mail.to, mail.attempts, error
            )
        else:
            mail.sent_at = timezone.now()
            mail.last_error = ""
        mail.save(update_fields=["attempts", "last_error", "next_attempt_at", "sent_at"])
        return mail.sent_at is not None


def deliver_due_mail() -> int:
    """Send every stored mail whose next attempt is due (the worker calls it every minute);
    returns how many went out."""
    return sum(deliver(pk) for pk in OutgoingMail.objects.due().values_list("pk", flat=True))
