"""One access helper per resource: each returns the object or raises Http404.

A 404 (not a 403) for what a user may not see, so ids of other people's things reveal nothing.
Views and the API call these and never check ownership themselves.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    """An assignment (published or not) of a program in which the user grades a cohort
    (``Cohort.objects.graded_by``: instructors, the program's coordinators, staff)."""
    return get_object_or_404(
        Assignment.objects.filter(
            module__program__in=Cohort.objects.graded_by(user).values("program_id")
        ).select_related("module__program"),
        pk=pk,
    )


def require_assignment_manager(user: User, assignment: Assignment) -> None:
    """Settings of the assignment itself (late policy, cut-off, rubric, comment bank, regrade
    window, review settings, re-running all its attempts) reach every cohort of its program:
    see ``require_program_manager``."""
    require_program_manager(user, assignment.module.program)


def assignment_manager_refusal(user: User, assignment: Assignment) -> str:
    """Why ``require_assignment_manager`` refuses the user (empty when it does not), for
    pages that show the reason instead of a form."""
    return program_manager_refusal(user, assignment.module.program)


def require_program_manager(user: User, program: Program) -> None:
    """What every cohort of the program shares (its assignments' notebooks and settings) may be
    changed only by someone who grades every cohort with participants: staff, the program's
    coordinators, an instructor of all of them. Anyone else who may see it gets a 403 naming
    the cohorts out of their reach (docs/review.md, "Settings of an assignment")."""
    if reason := program_manager_refusal(user, program):
        raise PermissionDenied(reason)


def program_manager_refusal(user: User, program: Program) -> str:
    """Why ``require_program_manager`` refuses the user; empty when it does not."""
    beyond = [cohort.name for cohort in program.cohorts_out_of_reach(user)]
    if not beyond:
        return ""
    return ngettext(
        "This belongs to the assignment and so reaches every cohort of its program; you do "
        "not grade cohort %(cohorts)s, so the program's coordinators must change it.",
        "This belongs to the assignment and so reaches every cohort of its program; you do "
        "not grade cohorts %(cohorts)s, so the program's coordinators must change it.",
        len(beyond),
    ) % {"cohorts": ", ".join(beyond)}


def get_enrollment_in_program(user: User, slug: str) -> Enrollment:
    """The user's current enrolment in the program (the program page, the client consent)."""
    return get_object_or_404(
        Enrollment.objects.current().select_related("cohort__program__institution"),
        user=user,
        cohort__program__slug=slug,
    )


def get_cohort_for_instructor(user: User, pk: int) -> Cohort:
    """A cohort the user grades (``Cohort.objects.graded_by``)."""
    return get_object_or_404(Cohort.objects.graded_by(user).select_related("program"), pk=pk)


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
    """Staff coordinate every cohort, a program's coordinators its cohorts
    (``Program.objects.coordinated_by``); anyone else gets a 404."""
    cohorts = Cohort.objects.filter(program__in=Program.objects.coordinated_by(user))
    return get_object_or_404(cohorts.select_related("program"), pk=pk)


def get_module_for_instructor(user: User, pk: int) -> Module:
    """A module of a program in which the user grades a cohort (``Cohort.objects.graded_by``)."""
    return get_object_or_404(
        Module.objects.filter(
            program__in=Cohort.objects.graded_by(user).values("program_id")
        ).select_related("program"),
        pk=pk,
    )


def get_module_for_publisher(user: User, pk: int) -> Module:
    """A module the user may publish assignments into. 404 for who may not see it (neither
    staff, nor its program's coordinator, nor an instructor of one of its cohorts); 403 (see
    ``require_program_manager``) for an instructor of only some of its cohorts."""
    module = get_module_for_instructor(user, pk)
    require_program_manager(user, module.program)
    return module


def get_assignment_for_publisher(user: User, pk: int) -> Assignment:
    """A published assignment whose notebook the user may replace; 404 and 403 as for
    ``get_module_for_publisher``."""
    assignment = get_object_or_404(
        Assignment.objects.published()
        .filter(module__program__in=Cohort.objects.graded_by(user).values("program_id"))
        .select_related("module__program"),
        pk=pk,
    )
    require_program_manager(user, assignment.module.program)
    return assignment


def get_cohort_for_certificates(user: User, pk: int) -> Cohort:
    """A cohort whose certificates the user may see: staff, the program's coordinators, and
    the cohort's own instructors (read-only). Anyone else, including instructors of other
    cohorts, gets a 404."""
    return get_object_or_404(
        Cohort.objects.graded_by(user).select_related("program__institution"), pk=pk
    )


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


def get_enrollments_for_reader(user: User, pk: int) -> tuple[Cohort, "QuerySet[Enrollment]"]:
    """A cohort's enrolments as the user may read them: staff and the program's coordinators
    every one, a participant of the cohort only their own (in any state); anyone else, the
    cohort's instructors included, gets a 404."""
    enrollments = Enrollment.objects.select_related("user", "status_changed_by")
    try:
        cohort = get_cohort_for_coordinator(user, pk)
    except Http404:
        own = enrollments.filter(user=user, cohort_id=pk)
        first = own.select_related("cohort__program").first()
        if first is None:
            raise
        return first.cohort, own
    return cohort, enrollments.filter(cohort=cohort)
