"""E-mails to certificate holders: issued (automatically or by a coordinator), approved,
re-issued, revoked. Each in the holder's language (their preference, else the program's)."""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from courses.certificates.credentials.vocabulary import absolute_url, verification_url
from courses.models import Certificate

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
    holder = certificate.user
    if not holder.email:
        return
    language = holder.preferred_language or certificate.program.language
    with translation.override(language):
        context = {
            "certificate": certificate,
            "holder": holder,
            "kind": kind,
            "page_url": absolute_url(reverse("courses:certificate", args=[certificate.code])),
            "verify_url": verification_url(certificate),
        }
        subject = render_to_string("courses/certificates/email/subject.txt", context).strip()
        body = render_to_string("courses/certificates/email/body.txt", context)
    send_mail(subject, body, None, [holder.email])
