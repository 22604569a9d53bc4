"""Who screens a cohort's applications: the coordinators of its program
(``Program.objects.coordinated_by``: staff and the program's own coordinators). The cohort's
instructors, who know it exists, get a 403; anyone else a 404."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from courses.models import Application, Cohort, Program
from platform.models import User


def get_cohort_for_screening(user: User, pk: int) -> Cohort:
    cohort = (
        Cohort.objects.filter(program__in=Program.objects.coordinated_by(user))
        .select_related("program")
        .filter(pk=pk)
        .first()
    )
    if cohort is not None:
        return cohort
    if Cohort.objects.graded_by(user).filter(pk=pk).exists():
        raise PermissionDenied(_("Only the program's coordinators screen its applications."))
    raise Http404("No such cohort")


def screenable_applications(user: User) -> QuerySet[Application]:
    """The confirmed applications of the programs the user coordinates (unconfirmed ones do
    not count yet, and nobody sees them)."""
    return (
        Application.objects.filter(cohort__program__in=Program.objects.coordinated_by(user))
        .exclude(status=Application.Status.UNCONFIRMED)
        .select_related("cohort__program", "privacy_notice", "decided_by", "enrollment")
    )


def get_application_in_cohort(cohort: Cohort, pk: int) -> Application:
    application = (
        Application.objects.exclude(status=Application.Status.UNCONFIRMED)
        .select_related("cohort__program", "privacy_notice", "decided_by", "enrollment")
        .filter(cohort=cohort, pk=pk)
        .first()
    )
    if application is None:
        raise Http404("No such application")
    return application


def get_application_for_coordinator(user: User, pk: int) -> Application:
    application = screenable_applications(user).filter(pk=pk).first()
    if application is None:
        raise Http404("No such application")
    return application
