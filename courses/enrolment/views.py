"""Pages of enrolment: the invitation link (``accept``), a cohort's participants and their
states for coordinators (``cohort``, ``person`` and their actions), and bulk enrolment from a
file (``bulk``, ``bulk_confirm``). docs/enrolment.md describes the rules.

Who: the invitation page is for the invited person (anyone holding a usable link; a different
logged-in account is refused); everything else is for staff and the program's coordinators,
anyone else gets a 404 (``courses.access.get_cohort_for_coordinator``).
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from courses.access import get_cohort_for_coordinator, get_enrollment_in_cohort
from courses.enrolment import bulk, services
from courses.enrolment.forms import (
    BulkConfirmForm,
    BulkUploadForm,
    DirectEnrolmentForm,
    EnrolmentFilterForm,
    FeeForm,
    InvitationPasswordForm,
    StatusChangeForm,
)
from courses.exceptions import CoursesError
from courses.models import Cohort, Enrollment, Invitation
from platform.models import User
from platform.types import AuthenticatedHttpRequest

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- the invitation link ------------------------------------------------------------------------


def sso_logins(next_url: str) -> list[str]:
    """Log-in URLs of the configured university (OpenID Connect) providers, coming back to
    ``next_url``; empty when single sign-on is not configured (docs/profile-and-sso.md)."""
    apps: Any = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS") or []
    query = urlencode({"process": "login", "next": next_url})
    return [
        f"{reverse('openid_connect_login', kwargs={'provider_id': app['provider_id']})}?{query}"
        for app in apps
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.usable_invitation(token)
    if invitation is None:
        return render(request, "courses/enrolment/link_unusable.html", status=404)
    invited: User = invitation.enrollment.user
    viewer = request.user
    if viewer.is_authenticated and viewer.pk != invited.pk:
        return render(request, "courses/enrolment/wrong_account.html", status=403)
    form = InvitationPasswordForm(invited, request.POST if request.method == "POST" else None)
    needs_password = not viewer.is_authenticated and not invited.has_usable_password()
    if request.method == "POST":
        if viewer.is_authenticated:
            return _accepted(request, token, user=invited)
        if needs_password and form.is_valid():
            return _accepted(request, token, user=invited, form=form)
    context = {
        "invitation": invitation,
        "cohort": invitation.enrollment.cohort,
        "invited": invited,
        "form": form,
        "needs_password": needs_password,
        "login_url": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}",
        "sso_logins": sso_logins(request.path) if needs_password else [],
        "fee_first": services.fee_holds_admission(invitation.enrollment),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "courses/enrolment/accept.html", context, status=status)


def _accepted(
    request: HttpRequest,
    token: str,
    *,
    user: User,
    form: InvitationPasswordForm | None = None,
) -> HttpResponse:
    password = form.cleaned_data["new_password1"] if form is not None else None
    try:
        enrollment = services.accept_invitation(token=token, user=user, password=password)
    except services.InvitationUnusable:
        return render(request, "courses/enrolment/link_unusable.html", status=404)
    if not request.user.is_authenticated:
        login(request, user, backend=MODEL_BACKEND)
    if enrollment.status == Enrollment.Status.INVITED:
        return render(request, "courses/enrolment/accepted.html", {"enrollment": enrollment})
    messages.success(
        request,
        _("Welcome to %(program)s: your place is confirmed.")
        % {"program": enrollment.cohort.program.title},
    )
    return redirect("courses:program", enrollment.cohort.program.slug)


# --- a cohort's participants ------------------------------------------------------------------


def _rows(cohort: Cohort, status: str) -> list[Enrollment]:
    enrollments = (
        Enrollment.objects.filter(cohort=cohort)
        .select_related("user", "status_changed_by")
        .prefetch_related(
            Prefetch("invitations", queryset=Invitation.objects.all(), to_attr="links")
        )
        .order_by("user__last_name", "user__display_name", "user__username")
    )
    if status:
        enrollments = enrollments.filter(status=status)
    return list(enrollments)


def _cohort_page(
    request: AuthenticatedHttpRequest,
    cohort: Cohort,
    *,
    form: DirectEnrolmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    filters = EnrolmentFilterForm(request.GET)
    state = filters.cleaned_data.get("status", "") if filters.is_valid() else ""
    context = {
        "cohort": cohort,
        "enrollments": _rows(cohort, state),
        "filters": filters,
        "form": form or DirectEnrolmentForm(),
        "has_fee": cohort.fee > 0,
    }
    template = "courses/enrolment/cohort.html"
    if request.htmx and request.method == "GET":
        template += "#enrolments"
    return render(request, template, context, status=status)


@never_cache
@login_required
@require_http_methods(["GET"])
def cohort(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _cohort_page(request, get_cohort_for_coordinator(request.user, pk))


@login_required
@require_POST
def direct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Enrol one person: their invitation goes out at once."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = DirectEnrolmentForm(request.POST)
    if not form.is_valid():
        return _cohort_page(request, cohort, form=form, status=400)
    try:
        invited = services.invite(
            cohort=cohort,
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["name"],
            language=form.cleaned_data["language"],
            organisation=form.cleaned_data["organisation"],
            invited_by=request.user,
        )
    except CoursesError as refused:
        form.add_error(None, refused.message)
        return _cohort_page(request, cohort, form=form, status=400)
    messages.success(
        request,
        _("%(name)s is invited; the invitation is on its way to %(email)s.")
        % {"name": invited.enrollment.user.full_name, "email": invited.enrollment.user.email},
    )
    return redirect("enrolment:cohort", cohort.pk)


# --- one person's place ---------------------------------------------------------------------------


def _person_page(
    request: AuthenticatedHttpRequest,
    cohort: Cohort,
    enrollment: Enrollment,
    *,
    error: str = "",
    status_form: StatusChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "cohort": cohort,
        "enrollment": enrollment,
        "invitations": enrollment.invitations.select_related("created_by"),
        "events": enrollment.events.select_related("by")[:50],
        "moves": services.COORDINATOR_TRANSITIONS[enrollment.status],
        "status_form": status_form or StatusChangeForm(),
        "fee_form": FeeForm(initial={"fee_status": enrollment.fee_status}),
        "has_fee": cohort.fee > 0,
        "fee_first": services.fee_holds_admission(enrollment),
        "error": error,
    }
    return render(request, "courses/enrolment/person.html", context, status=status)


def _person(
    request: AuthenticatedHttpRequest, pk: int, enrollment_pk: int
) -> tuple[Cohort, Enrollment]:
    cohort = get_cohort_for_coordinator(request.user, pk)
    return cohort, get_enrollment_in_cohort(cohort, enrollment_pk)


@never_cache
@login_required
@require_http_methods(["GET"])
def person(request: AuthenticatedHttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    cohort, enrollment = _person(request, pk, enrollment_pk)
    return _person_page(request, cohort, enrollment)


@login_required
@require_POST
def change_status(request: AuthenticatedHttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    cohort, enrollment = _person(request, pk, enrollment_pk)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        return _person_page(request, cohort, enrollment, status_form=form, status=400)
    try:
        enrollment = services.change_status(
            enrollment=enrollment,
            to=form.target(),
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except CoursesError as refused:
        return _person_page(request, cohort, enrollment, error=refused.message, status=409)
    messages.success(
        request, _("The place is now %(state)s.") % {"state": enrollment.get_status_display()}
    )
    return redirect("enrolment:person", cohort.pk, enrollment.pk)


@login_required
@require_POST
def change_fee(request: AuthenticatedHttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    cohort, enrollment = _person(request, pk, enrollment_pk)
    form = FeeForm(request.POST)
    if not form.is_valid():
        return _person_page(
            request, cohort, enrollment, error=_("Choose a fee status."), status=400
        )
    enrollment = services.set_fee_status(
        enrollment=enrollment, fee_status=form.cleaned_data["fee_status"], by=request.user
    )
    messages.success(
        request, _("The fee is now %(fee)s.") % {"fee": enrollment.get_fee_status_display()}
    )
    return redirect("enrolment:person", cohort.pk, enrollment.pk)


@login_required
@require_POST
def resend(request: AuthenticatedHttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    cohort, enrollment = _person(request, pk, enrollment_pk)
    try:
        services.resend_invitation(enrollment=enrollment, by=request.user)
    except CoursesError as refused:
        return _person_page(request, cohort, enrollment, error=refused.message, status=409)
    messages.success(request, _("A new invitation is on its way; the old link no longer works."))
    return redirect("enrolment:person", cohort.pk, enrollment.pk)


@login_required
@require_POST
def revoke(request: AuthenticatedHttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    cohort, enrollment = _person(request, pk, enrollment_pk)
    try:
        services.revoke_invitation(enrollment=enrollment, by=request.user)
    except CoursesError as refused:
        return _person_page(request, cohort, enrollment, error=refused.message, status=409)
    messages.success(request, _("The invitation link no longer works."))
    return redirect("enrolment:person", cohort.pk, enrollment.pk)


# --- bulk enrolment -------------------------------------------------------------------------------


def _session_key(cohort: Cohort) -> str:
    return f"bulk-enrolment-{cohort.pk}"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def bulk_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload a file and see the dry run; nothing is stored but the plan (in the session)."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"cohort": cohort, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "courses/enrolment/bulk.html", context, status=400)
        upload = form.cleaned_data["file"]
        try:
            rows = bulk.read_rows(upload.name or "", upload.read(bulk.MAX_BYTES + 1))
        except CoursesError as refused:
            form.add_error("file", refused.message)
            return render(request, "courses/enrolment/bulk.html", context, status=400)
        planned = bulk.plan(rows, cohort=cohort)
        stored = bulk.as_session(planned)
        request.session[_session_key(cohort)] = stored
        context |= {
            "planned": planned,
            "to_invite": sum(row.applies for row in planned),
            "confirm": BulkConfirmForm(initial={"digest": stored["digest"]}),
        }
    return render(request, "courses/enrolment/bulk.html", context)


@login_required
@require_POST
def bulk_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Apply the plan the dry run showed (the one in the session with the digest the form
    repeats), once."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = BulkConfirmForm(request.POST)
    stored = request.session.get(_session_key(cohort))
    planned = (
        bulk.from_session(stored, confirmed_digest=form.cleaned_data["digest"])
        if form.is_valid()
        else None
    )
    if planned is None:
        messages.error(
            request,
            _(
                "This dry run is no longer available (it was applied or replaced). Upload the file again."
            ),
        )
        return redirect("enrolment:bulk", cohort.pk)
    try:
        invited = bulk.apply_plan(planned, cohort=cohort, by=request.user)
    except CoursesError as refused:
        messages.error(request, refused.message)
        return redirect("enrolment:bulk", cohort.pk)
    del request.session[_session_key(cohort)]
    messages.success(
        request,
        ngettext("%(count)s person is invited.", "%(count)s people are invited.", invited)
        % {"count": invited},
    )
    return redirect("enrolment:cohort", cohort.pk)
