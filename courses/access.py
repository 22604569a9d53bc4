"""One access helper per resource: each returns the object or raises Http404.

A 404 (not a 403) for what a user may not see, so ids of other people's things reveal nothing.
Views and the API call these and never check ownership themselves.
"""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from courses.models import Assignment, Certificate, Cohort, Enrollment, Module
from platform.models import User


def get_enrollment_for_participant(user: User, assignment: Assignment) -> Enrollment:
    """The participant's current enrolment in a cohort of the assignment's program."""
    enrollment = (
        Enrollment.objects.current()
        .filter(user=user, cohort__program_id=assignment.module.program_id)
        .select_related("cohort")
        .order_by("-enrolled_at")
        .first()
    )
    if enrollment is None:
        raise Http404("Not enrolled in this program")
    return enrollment


def get_assignment_for_user(user: User, pk: int) -> Assignment:
    """A published assignment the user takes part in or teaches."""
    return get_object_or_404(
        Assignment.objects.visible_to(user).select_related("module__program"), pk=pk
    )


def get_assignment_for_instructor(user: User, pk: int) -> Assignment:
    """An assignment of a program in which the user teaches a cohort."""
    return get_object_or_404(
        Assignment.objects.filter(module__program__cohorts__instructors=user)
        .select_related("module__program")
        .distinct(),
        pk=pk,
    )


def get_cohort_for_instructor(user: User, pk: int) -> Cohort:
    """A cohort the user teaches; coordinators see every cohort."""
    cohorts = Cohort.objects.all() if user.is_coordinator else Cohort.objects.taught_by(user)
    return get_object_or_404(cohorts.select_related("program"), pk=pk)


def get_certificate_for_holder(user: User, code: str) -> Certificate:
    return get_object_or_404(Certificate.objects.filter(Q(user=user)), code=code.upper())


def get_certificate_for_verification(code: str) -> Certificate:
    """Any certificate by its public code: verification needs no login, only the code."""
    normalized = code.strip().upper().replace(" ", "")
    if len(normalized) == 12 and "-" not in normalized:
        normalized = f"{normalized[:4]}-{normalized[4:8]}-{normalized[8:]}"
    certificate = (
        Certificate.objects.select_related("superseded_by").filter(code=normalized).first()
    )
    if certificate is None:
        raise Http404("Unknown certificate code")
    return certificate


def get_cohort_for_coordinator(user: User, pk: int) -> Cohort:
    """Coordinators (staff) manage every cohort; anyone else gets a 404."""
    if not user.is_coordinator:
        raise Http404("Not a coordinator")
    return get_object_or_404(Cohort.objects.select_related("program"), pk=pk)


def get_module_for_instructor(user: User, pk: int) -> Module:
    """A module of a program in which the user teaches a cohort (or any, for coordinators)."""
    modules = Module.objects.select_related("program")
    if not user.is_coordinator:
        modules = modules.filter(program__cohorts__instructors=user).distinct()
    return get_object_or_404(modules, pk=pk)


def get_enrollment_for_coordinator(user: User, pk: int) -> Enrollment:
    """Any enrolment, for coordinators (freezing and unfreezing grades); 404 for anyone else."""
    if not user.is_coordinator:
        raise Http404("Not a coordinator")
    return get_object_or_404(Enrollment.objects.select_related("user", "cohort__program"), pk=pk)
