"""One access helper per resource; each returns the object or raises Http404."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from courses.access import get_assignment_for_instructor
from courses.models import Assignment, Cohort, Extension
from platform.models import User
from submissions.models import Submission, SubmissionNotebook
from submissions.reviewing.queue import grading_cohorts

_RELATED = (
    "assignment__module__program",
    "assignment__settings",
    # Its grade cells name the notebook of each result (submissions.notebook_results).
    "assignment_version",
    "enrollment__cohort",
    "participant",
)


def get_submission_for_viewer(user: User, pk: int) -> Submission:
    """The participant's own submission, or one in a cohort the user grades."""
    return get_object_or_404(
        Submission.objects.filter(
            Q(participant=user) | Q(pk__in=Submission.objects.gradable_by(user).values("pk"))
        ).select_related(*_RELATED),
        pk=pk,
    )


def get_notebook_of_submission(submission: Submission, position: str | None) -> SubmissionNotebook:
    """One notebook of an attempt the user may see (``?notebook=<position>``, counted from 0;
    the first when not given), or 404."""
    notebooks = submission.notebook_files()
    position = position or "0"
    if not position.isdigit() or int(position) >= len(notebooks):
        raise Http404
    return notebooks[int(position)]


def get_submission_for_grader(user: User, pk: int) -> Submission:
    """A submission in a cohort the user grades (``Cohort.objects.graded_by``: the one rule
    the grading queue lists by, so every row of the queue opens)."""
    return get_object_or_404(Submission.objects.gradable_by(user).select_related(*_RELATED), pk=pk)


def is_grader_of(user: User, submission: Submission) -> bool:
    return grading_cohorts(user).filter(pk=submission.enrollment.cohort_id).exists()


def get_submission_for_coordinator(user: User, pk: int) -> Submission:
    """Any submission, for coordinators (breaking a lease); a 404 for everyone else."""
    if not user.is_coordinator:
        raise Http404("Not a coordinator")
    return get_object_or_404(Submission.objects.select_related(*_RELATED), pk=pk)


def get_assignment_for_grading(user: User, pk: int) -> Assignment:
    """A published assignment of a program in which the user grades a cohort (instructors,
    the program's coordinators, staff), for its late work, review settings and release.
    Changing its own settings also needs ``courses.access.require_assignment_manager``."""
    return get_object_or_404(
        Assignment.objects.published()
        .filter(module__program__cohorts__in=grading_cohorts(user))
        .select_related("module__program")
        .distinct(),
        pk=pk,
    )


def get_personal_extension_for_grading(user: User, assignment: Assignment, pk: int) -> Extension:
    """A personal extension of the assignment (from ``get_assignment_for_grading``) for a
    participant of a cohort the user grades; a 404 for a cohort's extension, another
    assignment's, or another cohort's participant."""
    return get_object_or_404(
        Extension.objects.filter(
            assignment=assignment,
            enrollment__cohort__in=grading_cohorts(user).filter(
                program_id=assignment.module.program_id
            ),
        ).select_related("assignment", "enrollment__user"),
        pk=pk,
    )


def require_identity_revealer(user: User, assignment: Assignment) -> None:
    """Revealing identities is for the program's coordinators (staff coordinate every
    program); instructors, who see the review settings, get a 403."""
    if not assignment.module.program.is_coordinated_by(user):
        raise PermissionDenied(_("Only the program's coordinators reveal identities."))


def require_grading_cohorts(user: User) -> None:
    """The queue exists for those who grade a cohort only."""
    if not grading_cohorts(user).exists():
        raise Http404("Not a grader")


def get_assignment_for_analytics(user: User, pk: int) -> tuple[Assignment, list[Cohort]]:
    """An assignment and the cohorts of its program whose figures the user may see: those
    they grade. Aggregates only, no names."""
    assignment = get_assignment_for_instructor(user, pk)
    cohorts = grading_cohorts(user).filter(program_id=assignment.module.program_id)
    return assignment, list(cohorts.order_by("-starts_on", "pk"))
