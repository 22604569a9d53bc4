"""The client's read-only report of a cohort, and the participant's consent
(docs/client-reports.md). Anyone but the client's contact person and the program's
coordinators gets a 404 for the report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.access import get_enrollment_in_program
from courses.clients.report import client_report, get_cohort_for_client
from courses.clients.services import set_client_consent
from courses.exceptions import CoursesError
from platform.types import AuthenticatedHttpRequest


@require_GET
@login_required
def report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_client(request.user, pk)
    return render(request, "courses/clients/report.html", {"report": client_report(cohort)})


@require_POST
@login_required
def consent(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The participant agrees (``agreed=1``) or withdraws; back to their program page."""
    enrollment = get_enrollment_in_program(request.user, slug)
    agreed = request.POST.get("agreed") == "1"
    try:
        set_client_consent(enrollment=enrollment, agreed=agreed)
    except CoursesError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Your individual results are shared with %(client)s.")
            % {"client": enrollment.cohort.client_organisation}
            if agreed
            else _("Your individual results are no longer shared."),
        )
    return redirect("courses:program", slug)
