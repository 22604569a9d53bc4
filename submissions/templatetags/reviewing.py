"""Template filters of reviewing: the name (or pseudonym) graders see for a participant."""

from django import template

from submissions.models import Submission
from submissions.reviewing.anonymity import participant_label

register = template.Library()


@register.filter
def shown_participant(submission: Submission) -> str:
    """The participant's name, or their pseudonym while the assignment is graded anonymously."""
    return participant_label(submission)
