"""E-mails about regrade requests, each in its recipient's language.

The handler (or, escalated, the coordinators) hears of a new request; the participant hears
of the outcome, and of a comment on released work, if they want those by e-mail. Nothing here is sent before a grade is released: requests need a release.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from platform.mail import send_in_language
from platform.models import NotificationKind, User
from platform.notifications.services import wants_email
from submissions.models import CellComment, RegradeRequest


def _send(recipients: Iterable[User], template: str, request: RegradeRequest, url: str) -> None:
    for user in recipients:
        send_in_language(
            recipient=user,
            fallback_language=request.submission.assignment.module.program.language,
            template=f"submissions/email/{template}",
            context={"request": request, "recipient": user, "url": settings.SITE_URL + url},
        )


def _coordinators(request: RegradeRequest) -> list[User]:
    """Who coordinates the request's program: staff and the program's own coordinators (the
    rule of ``Program.objects.coordinated_by``)."""
    program_id = request.submission.assignment.module.program_id
    return list(
        User.objects.filter(Q(is_staff=True) | Q(coordinated_programs=program_id), is_active=True)
        .distinct()
        .order_by("pk")
    )


def notify_new_request(request: RegradeRequest) -> None:
    """Tell whoever handles the request: the grader, else (escalated) the coordinators."""
    recipients = [request.handler] if request.handler and not request.escalated_at else []
    _send(
        recipients or _coordinators(request),
        "regrade_requested",
        request,
        reverse("submissions:grade", args=[request.submission_id]),
    )


def notify_escalated(request: RegradeRequest) -> None:
    _send(
        _coordinators(request),
        "regrade_escalated",
        request,
        reverse("submissions:grade", args=[request.submission_id]),
    )


def notify_resolved(request: RegradeRequest) -> None:
    """The outcome, to the participant, if they want regrade decisions by e-mail (they are
    told under the bell either way: ``regrades.resolve_regrade``)."""
    if not wants_email(request.requested_by, NotificationKind.REGRADE_DECIDED):
        return
    _send(
        [request.requested_by],
        "regrade_resolved",
        request,
        reverse("submissions:detail", args=[request.submission_id]),
    )


def notify_comment(comment: CellComment) -> None:
    """A comment on released work, to the participant, if they chose comments by e-mail."""
    submission = comment.review.submission
    participant = submission.participant
    if not wants_email(participant, NotificationKind.COMMENT):
        return
    send_in_language(
        recipient=participant,
        fallback_language=submission.assignment.module.program.language,
        template="submissions/email/comment_added",
        context={
            "comment": comment,
            "recipient": participant,
            "assignment": submission.assignment,
            "url": settings.SITE_URL + reverse("submissions:detail", args=[submission.pk]),
        },
    )
