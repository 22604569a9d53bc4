"""E-mails to certificate holders: issued (automatically or by a coordinator), approved,
re-issued, revoked. Each in the holder's language (their preference, else the program's)."""

from django.urls import reverse

from courses.certificates.credentials.vocabulary import absolute_url, verification_url
from courses.models import Certificate
from platform.mail import send_in_language

KINDS = ("issued", "approved", "reissued", "revoked")


def notify_certificate(certificate: Certificate, kind: str) -> None:
    """Tell the holder what happened to their certificate, with the links they need.

    Called after the change commits, so a rolled-back change never sends mail.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown certificate notification {kind!r}")
    certificate = Certificate.objects.select_related("user", "program", "superseded_by").get(
        pk=certificate.pk
    )
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
