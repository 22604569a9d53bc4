"""E-mails, each in its recipient's language (docs/i18n.md, "Outside a request")."""

from collections.abc import Mapping

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from platform.middleware import supported_language
from platform.models import User


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
    with translation.override(recipient_language(recipient, fallback=fallback_language)):
        subject = render_to_string(f"{template}_subject.txt", dict(context)).strip()
        body = render_to_string(f"{template}.txt", dict(context))
    send_mail(subject, body, None, [recipient.email])
