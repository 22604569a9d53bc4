"""Coordinators' certificate screens for one cohort: the register (page and CSV), and issue,
approve, revoke and re-issue, each behind a confirmation page.

Who: staff and the program's coordinators manage; the cohort's instructors see the register
(read-only: the actions answer 403); anyone else gets a 404 (``courses.access``).
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from courses.access import (
    get_certificate_in_cohort,
    get_certificate_request_in_cohort,
    get_cohort_for_certificates,
    get_enrollment_in_cohort,
    require_certificate_manager,
)
from courses.certificates import services
from courses.certificates.forms import RegisterFilterForm, ReissueForm, RevokeForm
from courses.certificates.register import register_csv, register_for
from courses.exceptions import CoursesError
from courses.models import Assignment, Certificate, Cohort, Enrollment
from courses.progress import progress_for
from platform.types import AuthenticatedHttpRequest


@require_GET
@login_required
def cohort_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The cohorts whose certificates the user may see, with what waits for a decision."""
    cohorts = Cohort.objects.graded_by(request.user).select_related("program")
    cohorts = cohorts.annotate(
        valid=Count(
            "enrollments__certificates",
            filter=Q(enrollments__certificates__status="issued"),
            distinct=True,
        ),
        pending=Count(
            "enrollments__certificate_requests",
            filter=Q(enrollments__certificate_requests__status="pending"),
            distinct=True,
        ),
    )
    return render(request, "courses/certificates/cohorts.html", {"cohorts": cohorts})


@require_GET
@login_required
def cohort_certificates(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_certificates(request.user, pk)
    form = RegisterFilterForm(request.GET)
    valid = form.is_valid()
    register = register_for(cohort, status=form.status_value() if valid else "")
    return render(
        request,
        "courses/certificates/cohort.html",
        {
            "register": register,
            "form": form,
            "can_manage": cohort.program.is_coordinated_by(request.user),
            "assignments": Assignment.objects.published()
            .filter(module__program_id=cohort.program_id)
            .select_related("module")
            .order_by("module__order", "order", "pk"),
        },
        status=200 if valid else 400,
    )


@require_GET
@login_required
@never_cache
def register_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    cohort = get_cohort_for_certificates(request.user, pk)
    form = RegisterFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            _("Unknown status filter."), status=400, content_type="text/plain; charset=utf-8"
        )
    response = StreamingHttpResponse(
        register_csv(register_for(cohort, status=form.status_value())),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"certificates-{cohort.program.slug}-{slugify(cohort.name)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def issue(request: AuthenticatedHttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    """Issue the certificate of an enrolment whose rule is met but that holds none."""
    cohort = get_cohort_for_certificates(request.user, pk)
    require_certificate_manager(request.user, cohort)
    enrollment = get_enrollment_in_cohort(cohort, enrollment_pk)
    return _confirm_issue(
        request,
        cohort,
        enrollment,
        act=lambda: services.issue_certificate(actor=request.user, enrollment=enrollment),
        done=_("Certificate %(code)s issued to %(name)s."),
        context={"action": "issue", "person": enrollment.user},
    )


@require_http_methods(["GET", "POST"])
@login_required
def approve(request: AuthenticatedHttpRequest, pk: int, request_pk: int) -> HttpResponse:
    """Approve a pending request: the certificate is issued now, recording who and when."""
    cohort = get_cohort_for_certificates(request.user, pk)
    require_certificate_manager(request.user, cohort)
    pending = get_certificate_request_in_cohort(cohort, request_pk)
    return _confirm_issue(
        request,
        cohort,
        pending.enrollment,
        act=lambda: services.approve_certificate(actor=request.user, request=pending),
        done=_("Approved: certificate %(code)s issued to %(name)s."),
        context={"action": "approve", "person": pending.user, "pending": pending},
    )


def _confirm_issue(
    request: AuthenticatedHttpRequest,
    cohort: Cohort,
    enrollment: Enrollment,
    *,
    act: Callable[[], Certificate],
    done: str,
    context: dict[str, object],
) -> HttpResponse:
    """Issue or approve on POST (``act``) and return to the register saying ``done`` (with
    ``%(code)s`` and ``%(name)s``); otherwise, and with the reason (409) when it is refused,
    the confirmation page with the participant's progress."""
    error = ""
    if request.method == "POST":
        try:
            certificate = act()
        except CoursesError as refused:
            error = refused.message
        else:
            names = {"code": certificate.code, "name": certificate.holder_name}
            messages.success(request, done % names)
            return redirect("certificates:cohort", pk=cohort.pk)
    enrollment.cohort = cohort
    [progress] = progress_for([enrollment])
    context |= {"cohort": cohort, "progress": progress, "error": error}
    return render(
        request, "courses/certificates/confirm.html", context, status=409 if error else 200
    )


@require_http_methods(["GET", "POST"])
@login_required
def revoke(request: AuthenticatedHttpRequest, pk: int, certificate_pk: int) -> HttpResponse:
    cohort = get_cohort_for_certificates(request.user, pk)
    require_certificate_manager(request.user, cohort)
    certificate = get_certificate_in_cohort(cohort, certificate_pk)
    form = RevokeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_certificate(
                actor=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
            )
        except CoursesError as refused:
            form.add_error(None, refused.message)
            status = 409
        else:
            messages.success(
                request, _("Certificate %(code)s revoked.") % {"code": certificate.code}
            )
            return redirect("certificates:cohort", pk=cohort.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "courses/certificates/revoke.html",
        {"cohort": cohort, "certificate": certificate, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def reissue(request: AuthenticatedHttpRequest, pk: int, certificate_pk: int) -> HttpResponse:
    """Re-issue after a name correction: enter the name, preview old -> new, confirm."""
    cohort = get_cohort_for_certificates(request.user, pk)
    require_certificate_manager(request.user, cohort)
    certificate = get_certificate_in_cohort(cohort, certificate_pk)
    initial = {"holder_name": certificate.user.certificate_name}
    form = ReissueForm(request.POST or None, initial=initial, current_name=certificate.holder_name)
    status, preview, refused = 200, False, ""
    if certificate.status != Certificate.Status.ISSUED:
        refused = _("Only a valid certificate can be re-issued.")
        status = 409 if request.method == "POST" else 200
    elif request.method == "POST" and form.is_valid():
        if not form.cleaned_data["confirm"]:
            preview = True
        else:
            try:
                new = services.reissue_certificate(
                    actor=request.user,
                    certificate=certificate,
                    holder_name=form.cleaned_data["holder_name"],
                )
            except CoursesError as refused:
                form.add_error(None, refused.message)
                status = 409
            else:
                messages.success(
                    request,
                    _("Certificate %(new)s issued; it supersedes %(old)s.")
                    % {"new": new.code, "old": certificate.code},
                )
                return redirect("certificates:cohort", pk=cohort.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "courses/certificates/reissue.html",
        {
            "cohort": cohort,
            "certificate": certificate,
            "form": form,
            "preview": preview,
            "refused": refused,
        },
        status=status,
    )
