"""E-mails about regrade requests, each in its recipient's language.

The handler (or, escalated, the coordinators) hears of a new request; the participant hears
of the outcome. Nothing here is sent before a grade is released: requests need a release.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from platform.models import User
from submissions.models import RegradeRequest


def _send(recipients: Iterable[User], template: str, request: RegradeRequest, url: str) -> None:
    program_language = request.submission.assignment.module.program.language
    for user in recipients:
        if not user.email:
            continue
        with translation.override(user.preferred_language or program_language):
            context = {"request": request, "recipient": user, "url": settings.SITE_URL + url}
            subject = render_to_string(f"submissions/email/{template}_subject.txt", context)
            body = render_to_string(f"submissions/email/{template}.txt", context)
        send_mail(subject.strip(), body, None, [user.email])


def _coordinators() -> list[User]:
    return list(User.objects.filter(is_staff=True, is_active=True).order_by("pk"))


def notify_new_request(request: RegradeRequest) -> None:
    """Tell whoever handles the request: the grader, else (escalated) the coordinators."""
    recipients = [request.handler] if request.handler and not request.escalated_at else []
    _send(
        recipients or _coordinators(),
        "regrade_requested",
        request,
        reverse("submissions:grade", args=[request.submission_id]),
    )


def notify_escalated(request: RegradeRequest) -> None:
    _send(
        _coordinators(),
        "regrade_escalated",
        request,
        reverse("submissions:grade", args=[request.submission_id]),
    )


def notify_resolved(request: RegradeRequest) -> None:
    _send(
        [request.requested_by],
        "regrade_resolved",
        request,
        reverse("submissions:detail", args=[request.submission_id]),
    )
