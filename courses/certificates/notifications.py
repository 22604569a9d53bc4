"""E-mails to certificate holders: issued (automatically or by a coordinator), approved,
re-issued, revoked. Each in the holder's language (their preference, else the program's)."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from courses.certificates.credentials.vocabulary import absolute_url, verification_url
from courses.models import Certificate
from platform.mail import send_in_language
from platform.models import NotificationKind
from platform.notifications.services import notify, wants_email

KINDS = ("issued", "approved", "reissued", "revoked")

# What the bell says for each change (worded when shown, in the reader's language).
MESSAGES = {
    "issued": gettext_noop("Your certificate for “%(program)s” has been issued."),
    "approved": gettext_noop("Your certificate for “%(program)s” has been approved and issued."),
    "reissued": gettext_noop("Your certificate for “%(program)s” has been re-issued."),
    "revoked": gettext_noop("Your certificate for “%(program)s” has been revoked."),
}


def tell_holder(certificate: Certificate, kind: str) -> None:
    """Tell the holder: under the bell at once (inside the change's transaction), by e-mail
    once it commits, if they want certificate news by e-mail."""
    if kind not in KINDS:
        raise ValueError(f"unknown certificate notification {kind!r}")
    notify(
        user=certificate.user,
        kind=NotificationKind.CERTIFICATE,
        message=MESSAGES[kind],
        values={"program": certificate.program_title},
        url=reverse("courses:certificate", args=[certificate.code]),
    )
    transaction.on_commit(lambda: notify_certificate(certificate, kind))


def notify_certificate(certificate: Certificate, kind: str) -> None:
    """Tell the holder what happened to their certificate, with the links they need.

    Called after the change commits, so a rolled-back change never sends mail.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown certificate notification {kind!r}")
    certificate = Certificate.objects.select_related("user", "program", "superseded_by").get(
        pk=certificate.pk
    )
    if not wants_email(certificate.user, NotificationKind.CERTIFICATE):
        return
    send_in_language(
        recipient=certificate.user,
        fallback_language=certificate.program.language,
        template="courses/certificates/email/certificate",
        context={
            "certificate": certificate,
            "holder": certificate.user,
            "kind": kind,
            "page_url": absolute_url(reverse("courses:certificate", args=[certificate.code])),
            "verify_url": verification_url(certificate),
        },
    )
