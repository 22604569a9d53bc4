"""Frozen grades that do not follow an assignment's late rules, as a page or the API shows them.

``services.stale_frozen_grades`` finds them; this module decides what one user is told: only
their own cohorts' participants (every cohort for coordinators), named the way graders see
them (a pseudonym while the assignment is graded anonymously), and the unfreeze page only to
those who may unfreeze (a link names the enrolment, which would undo a pseudonym).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from courses.models import Assignment, Cohort
from platform.models import User
from submissions.reviewing.anonymity import participant_label
from submissions.reviewing.queue import grading_cohorts
from submissions.services import FrozenGrade


@dataclass(frozen=True)
class FrozenRow:
    label: str
    grade: FrozenGrade
    unfreeze_url: str | None


def cohorts_of(user: User, assignment: Assignment) -> QuerySet[Cohort]:
    """The assignment's cohorts whose late work the user manages."""
    return grading_cohorts(user).filter(program_id=assignment.module.program_id)


def frozen_rows(
    *, user: User, assignment: Assignment, grades: Iterable[FrozenGrade]
) -> list[FrozenRow]:
    """The frozen grades of the user's cohorts, labelled and sorted by label."""
    allowed = set(cohorts_of(user, assignment).values_list("pk", flat=True))
    can_unfreeze = assignment.module.program.is_coordinated_by(user)
    rows = [
        FrozenRow(
            label=participant_label(grade.submission),
            grade=grade,
            unfreeze_url=reverse("courses:grade-freeze", args=[grade.submission.enrollment_id])
            if can_unfreeze
            else None,
        )
        for grade in grades
        if grade.submission.enrollment.cohort_id in allowed
    ]
    return sorted(rows, key=lambda row: (row.label, row.grade.submission.attempt_no))
