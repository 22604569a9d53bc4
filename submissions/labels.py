"""How a participant is named in exports: their name, or, while an assignment is graded
anonymously and identities are not revealed, the same pseudonym code graders see on the
grading screens (``submissions.reviewing.anonymity``), so a file and a screen can be matched.
"""

from courses.models import Assignment, Enrollment
from submissions.reviewing.anonymity import pseudonym_code


def is_anonymous(assignment: Assignment) -> bool:
    """Whether graders see pseudonyms for this assignment (until a coordinator reveals)."""
    return assignment.settings.hides_identities


def participant_label(enrollment: Enrollment, assignment: Assignment) -> str:
    """The name graders see for ``enrollment`` on ``assignment`` in an export."""
    if is_anonymous(assignment):
        code = pseudonym_code(assignment_id=assignment.pk, participant_id=enrollment.user_id)
        return f"P-{code}"
    return enrollment.user.full_name
