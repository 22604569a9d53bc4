"""E-mails to participants. Only a release notifies: drafts and autograde runs never do."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from submissions.models import Review


def notify_release(review: Review) -> None:
    """Tell the participant, in their language, that a grade and feedback are waiting."""
    submission = review.submission
    participant = submission.participant
    if not participant.email:
        return
    language = participant.preferred_language or submission.assignment.module.program.language
    with translation.override(language):
        context = {
            "participant": participant,
            "assignment": submission.assignment,
            "review": review,
            "url": settings.SITE_URL + reverse("submissions:detail", args=[submission.pk]),
        }
        subject = render_to_string("submissions/email/grade_released_subject.txt", context).strip()
        body = render_to_string("submissions/email/grade_released.txt", context)
    send_mail(subject, body, None, [participant.email])
