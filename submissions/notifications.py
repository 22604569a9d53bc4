"""Telling participants of a release. Only a release notifies: drafts and autograde runs never do."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from platform.mail import send_in_language
from platform.models import NotificationKind
from platform.notifications.services import notify, wants_email
from submissions.models import Review


def notify_release(review: Review) -> None:
    """Tell the participant that a grade and feedback are waiting: under the bell at once (in
    the releasing transaction), by e-mail after it commits if they want it. Cell comments
    released with the review come with this one notification."""
    submission = review.submission
    notify(
        user=submission.participant,
        kind=NotificationKind.GRADE_RELEASED,
        message=gettext_noop("Your grade for “%(assignment)s” has been released."),
        values={"assignment": submission.assignment.title},
        url=reverse("submissions:detail", args=[submission.pk]),
    )
    transaction.on_commit(lambda: send_release_mail(review))


def send_release_mail(review: Review) -> None:
    """The release e-mail, in the participant's language, if they want it by e-mail."""
    submission = review.submission
    participant = submission.participant
    if not wants_email(participant, NotificationKind.GRADE_RELEASED):
        return
    send_in_language(
        recipient=participant,
        fallback_language=submission.assignment.module.program.language,
        template="submissions/email/grade_released",
        context={
            "participant": participant,
            "assignment": submission.assignment,
            "review": review,
            "url": settings.SITE_URL + reverse("submissions:detail", args=[submission.pk]),
        },
    )
