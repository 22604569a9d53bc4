"""One access helper per resource: each returns the object or raises Http404.

A 404 (not a 403) for what a user may not see, so ids of other people's things reveal nothing.
Views and the API call these and never check ownership themselves.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from courses.models import (
    Assignment,
    Certificate,
    CertificateRequest,
    Cohort,
    Enrollment,
    Module,
    Program,
)
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
    """Staff coordinate every cohort, a program's coordinators its cohorts; anyone else gets a
    404."""
    cohorts = Cohort.objects.select_related("program")
    if not user.is_coordinator:
        cohorts = cohorts.filter(program__coordinators=user)
    return get_object_or_404(cohorts, pk=pk)


def require_program_wide_editor(user: User, program: Program) -> None:
    """Publishing or replacing an assignment changes it for every cohort of the program: staff,
    the program's coordinators and instructors of every one of its cohorts may; an instructor
    of only some gets a 403 saying why (docs/grading.md, "Who may publish")."""
    if not program.is_changed_wholly_by(user):
        raise PermissionDenied(
            _(
                "An assignment of %(program)s reaches every cohort of the program, and you "
                "teach only some of them: ask its coordinators, or an instructor of every "
                "cohort, to publish or replace it."
            )
            % {"program": program.title}
        )


def get_module_for_publisher(user: User, pk: int) -> Module:
    """A module the user may publish assignments into. 404 for who may not see it (neither
    staff, nor its program's coordinator, nor an instructor of one of its cohorts); 403 (see
    ``require_program_wide_editor``) for an instructor of only some of its cohorts."""
    modules = Module.objects.select_related("program")
    if not user.is_coordinator:
        modules = modules.filter(
            Q(program__cohorts__instructors=user) | Q(program__coordinators=user)
        ).distinct()
    module = get_object_or_404(modules, pk=pk)
    require_program_wide_editor(user, module.program)
    return module


def get_assignment_for_publisher(user: User, pk: int) -> Assignment:
    """A published assignment whose notebook the user may replace; 404 and 403 as for
    ``get_module_for_publisher``."""
    assignments = Assignment.objects.published().select_related("module__program")
    if not user.is_coordinator:
        assignments = assignments.filter(
            Q(module__program__cohorts__instructors=user) | Q(module__program__coordinators=user)
        ).distinct()
    assignment = get_object_or_404(assignments, pk=pk)
    require_program_wide_editor(user, assignment.module.program)
    return assignment


def get_cohort_for_certificates(user: User, pk: int) -> Cohort:
    """A cohort whose certificates the user may see: staff, the program's coordinators, and
    the cohort's own instructors (read-only). Anyone else, including instructors of other
    cohorts, gets a 404."""
    cohorts = Cohort.objects.select_related("program__institution")
    if not user.is_coordinator:
        cohorts = cohorts.filter(Q(instructors=user) | Q(program__coordinators=user)).distinct()
    return get_object_or_404(cohorts, pk=pk)


def require_certificate_manager(user: User, cohort: Cohort) -> None:
    """Issue, approve, revoke and re-issue are for coordinators; the cohort's instructors, who
    may see the list, get a 403 (they know the cohort exists)."""
    if not cohort.program.is_coordinated_by(user):
        raise PermissionDenied(_("Only the program's coordinators manage its certificates."))


def get_certificate_in_cohort(cohort: Cohort, pk: int) -> Certificate:
    """A certificate earned in this cohort; one of another cohort is a 404 here."""
    return get_object_or_404(
        Certificate.objects.select_related("user", "program__institution", "superseded_by"),
        pk=pk,
        enrollment__cohort=cohort,
    )


def get_certificate_request_in_cohort(cohort: Cohort, pk: int) -> CertificateRequest:
    return get_object_or_404(
        CertificateRequest.objects.select_related("user", "enrollment"),
        pk=pk,
        enrollment__cohort=cohort,
    )


def get_enrollment_in_cohort(cohort: Cohort, pk: int) -> Enrollment:
    return get_object_or_404(Enrollment.objects.select_related("user"), pk=pk, cohort=cohort)


def get_enrollment_for_coordinator(user: User, pk: int) -> Enrollment:
    """An enrolment in a program the user coordinates (staff: any), for freezing and
    unfreezing grades; 404 for anyone else."""
    enrollments = Enrollment.objects.select_related("user", "cohort__program")
    if not user.is_coordinator:
        enrollments = enrollments.filter(cohort__program__coordinators=user)
    return get_object_or_404(enrollments, pk=pk)
