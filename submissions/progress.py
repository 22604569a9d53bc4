"""What ``courses.progress`` needs to know from this app: which work has been handed in.

``courses`` must not import ``submissions``; the setting ``COURSES_SUBMITTED_WORK`` points
here instead, so a requirement whose work is all handed in shows as "pending review" rather
than "missing".
"""

from collections.abc import Sequence

from submissions.models import Submission


def submitted_work(enrollment_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(enrollment id, assignment id) pairs with at least one attempt, in one query."""
    return set(
        Submission.objects.filter(enrollment_id__in=enrollment_ids)
        .values_list("enrollment_id", "assignment_id")
        .distinct()
    )
