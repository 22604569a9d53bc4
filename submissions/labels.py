"""How a participant is named to graders: one function, so anonymous grading plugs in here.

Exports, analytics and grading pages call ``participant_label``. An assignment graded
anonymously shows a stable pseudonym instead of the name, derived from the secret key, the
assignment and the enrolment (so the same person has the same pseudonym on every page and in
every export of that assignment, and different ones across assignments).
"""

from django.utils.crypto import salted_hmac

from courses.models import Assignment, Enrollment


def is_anonymous(assignment: Assignment) -> bool:
    """Whether graders see pseudonyms for this assignment.

    The switch (``Assignment.anonymous_grading``, with the coordinator's reveal) belongs to
    the grading queue; until an assignment has it, names are shown.
    """
    return bool(getattr(assignment, "anonymous_grading", False))


def pseudonym(enrollment: Enrollment, assignment: Assignment) -> str:
    digest = salted_hmac(
        "certlab.submissions.pseudonym",
        f"{assignment.pk}:{enrollment.pk}",
        algorithm="sha256",
    ).hexdigest()
    return f"P-{digest[:8].upper()}"


def participant_label(enrollment: Enrollment, assignment: Assignment) -> str:
    """The name graders see for ``enrollment`` on ``assignment``."""
    if is_anonymous(assignment):
        return pseudonym(enrollment, assignment)
    return enrollment.user.full_name
