"""Who sets up what (docs/program-setup.md, "Who"): staff set up every program and alone create
new ones; a program's coordinators (``Program.coordinators``) set up their own program. Anyone
else, instructors and participants included, gets a 404 for every set-up address."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from courses.access import get_cohort_for_coordinator
from courses.models import Cohort, GradingPolicy, Module, Program
from platform.models import User


def require_program_creator(user: User) -> None:
    """Only staff create programs: a new program names its institution and coordinators."""
    if not user.is_coordinator:
        raise Http404("Only staff create programs")


def get_program_for_setup(user: User, pk: int) -> Program:
    return get_object_or_404(
        Program.objects.coordinated_by(user).select_related("institution"), pk=pk
    )


def get_module_for_setup(program: Program, pk: int) -> Module:
    """A module of a program already checked by ``get_program_for_setup``."""
    return get_object_or_404(Module.objects.filter(program=program), pk=pk)


def get_cohort_for_setup(user: User, pk: int) -> Cohort:
    """The cohorts a coordinator sets up are those they coordinate."""
    return get_cohort_for_coordinator(user, pk)


def get_draft_policy(program: Program) -> GradingPolicy | None:
    """The program's draft version being edited (the newest draft), if any."""
    return (
        GradingPolicy.objects.filter(program=program, status=GradingPolicy.Status.DRAFT)
        .order_by("-version")
        .first()
    )
