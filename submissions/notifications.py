"""E-mails to participants. Only a release notifies: drafts and autograde runs never do."""

from django.conf import settings
from django.urls import reverse

from platform.mail import send_in_language
from submissions.models import Review


def notify_release(review: Review) -> None:
    """Tell the participant, in their language, that a grade and feedback are waiting."""
    submission = review.submission
    participant = submission.participant
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
