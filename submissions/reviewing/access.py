"""Access helpers for reviewing's resources; each returns the object or raises Http404."""

from django.shortcuts import get_object_or_404

from platform.models import User
from submissions.models import RegradeRequest, Submission
from submissions.reviewing import regrades


def get_submission_for_participant(user: User, pk: int) -> Submission:
    """The user's own submission (regrade requests are the participant's alone)."""
    return get_object_or_404(
        Submission.objects.of_participant(user).select_related(
            "assignment__module__program", "enrollment__cohort"
        ),
        pk=pk,
    )


def get_regrade_for_handler(user: User, pk: int) -> RegradeRequest:
    """A request routed to the user (the original grader) or, for coordinators, any."""
    return get_object_or_404(regrades.requests_for_handler(user), pk=pk)
