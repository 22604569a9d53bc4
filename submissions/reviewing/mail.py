"""E-mails about regrade requests, each in its recipient's language.

The handler (or, escalated, the coordinators) hears of a new request; the participant hears
of the outcome. Nothing here is sent before a grade is released: requests need a release.
"""

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from platform.mail import send_in_language
from platform.models import User
from submissions.models import RegradeRequest


def _send(recipients: Iterable[User], template: str, request: RegradeRequest, url: str) -> None:
    for user in recipients:
        send_in_language(
            recipient=user,
            fallback_language=request.submission.assignment.module.program.language,
            template=f"submissions/email/{template}",
            context={"request": request, "recipient": user, "url": settings.SITE_URL + url},
        )


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
