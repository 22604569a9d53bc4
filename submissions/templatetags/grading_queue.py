"""The queued attempt's place and estimate for ``templates/submissions/_queue_place.html``.

A tag rather than view context, so the submission page's grading region gains it through one
include (``submissions.queue``; docs/grading.md, "Place in the queue and an estimate").
"""

from django import template

from submissions.models import GradingRun, Submission
from submissions.queue import QueuePlace, queue_place

register = template.Library()


@register.simple_tag
def grading_queue_place(submission: Submission, run: GradingRun | None) -> QueuePlace | None:
    """``run``'s place while it is queued or running; None otherwise (no query then)."""
    if run is None:
        return None
    return queue_place(run, assignment_id=submission.assignment_id)
