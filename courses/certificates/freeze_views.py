"""Coordinators see and lift (or restore) the freeze a certificate puts on a participant's
grades; every lift needs a reason and stays on record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from courses.access import get_enrollment_for_coordinator
from courses.certificates.forms import UnfreezeForm
from courses.certificates.services import refreeze_grades, unfreeze_grades
from courses.exceptions import CoursesError
from platform.types import AuthenticatedHttpRequest


@require_http_methods(["GET", "POST"])
@login_required
def grade_freeze(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrollment = get_enrollment_for_coordinator(request.user, pk)
    if request.method == "POST" and request.POST.get("action") == "freeze":
        try:
            refreeze_grades(actor=request.user, enrollment=enrollment)
        except CoursesError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The grades are frozen again."))
        return redirect("courses:grade-freeze", pk=enrollment.pk)
    form = UnfreezeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unfreeze_grades(
                actor=request.user, enrollment=enrollment, reason=form.cleaned_data["reason"]
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The grades are unfrozen; re-issue the certificate after the correction."),
            )
            return redirect("courses:grade-freeze", pk=enrollment.pk)
    context = {
        "enrollment": enrollment,
        "form": form,
        "freezes": enrollment.grade_freezes.select_related("certificate", "lifted_by"),
        "frozen": enrollment.grades_frozen,
    }
    return render(
        request,
        "courses/certificates/grade_freeze.html",
        context,
        status=400 if form.errors else 200,
    )
