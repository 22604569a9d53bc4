"""Tandem pages (docs/tandems.md): one's own tandems, profile, a tandem's log, the reflection
(with draft autosave) and its grade, asking for a new partner, and the students' invitation
link. The coordinators' pages are ``coordinator_views``.

Access: ``courses.tandems.access`` (404 for what a user may not see); changes that only the two
partners make are a 403 for a coordinator, who may read the log.
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.access import get_cohort_for_instructor
from courses.enrolment.views import MODEL_BACKEND, sso_logins
from courses.models import Tandem, TandemReflection
from courses.requirements import Reflection
from courses.tandems import reads, services
from courses.tandems.access import (
    get_meeting_for_member,
    get_tandem_for_member,
    get_tandem_for_reflection_grader,
)
from courses.tandems.forms import (
    GradeReflectionForm,
    MeetingForm,
    PartnerRequestForm,
    ProfileForm,
    ReflectionForm,
    StudentJoinForm,
)
from platform.models import User
from platform.types import AuthenticatedHttpRequest


def _require_member(request: AuthenticatedHttpRequest, tandem: Tandem) -> None:
    """Coordinators read a tandem's log; only its two partners write in it."""
    if request.user.pk not in (tandem.senior.user_id, tandem.student_id):
        raise PermissionDenied(_("Only the two partners of the tandem can do this."))


def _reflection(tandem: Tandem) -> TandemReflection | None:
    return TandemReflection.objects.filter(tandem=tandem).first()


# --- one's own tandems ----------------------------------------------------------------------


@require_GET
@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "courses/tandems/mine.html",
        {"tandems": reads.tandems_of(request.user), "profile": reads.profile_of(request.user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = reads.profile_of(request.user)
    initial = (
        ProfileForm.initial_for(current.languages, current.interests, current.availability)
        if current
        else {}
    )
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_profile(
            user=request.user,
            languages=form.cleaned_data["languages"],
            interests=form.cleaned_data["interest_list"],
            availability=form.cleaned_data["availability"],
        )
        messages.success(request, _("Your tandem profile is saved."))
        return redirect("tandems:mine")
    status = 400 if request.method == "POST" else 200
    return render(request, "courses/tandems/profile.html", {"form": form}, status=status)


def _side(person: User) -> tuple[User, Any, list[tuple[str, str]]]:
    profile = reads.profile_of(person)
    return person, profile, reads.describe_languages(profile)


def _detail(
    request: AuthenticatedHttpRequest,
    tandem: Tandem,
    *,
    meeting_form: MeetingForm | None = None,
    request_form: PartnerRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    is_member = user.pk in (tandem.senior.user_id, tandem.student_id)
    partner = tandem.partner_of(user) if is_member else None
    return render(
        request,
        "courses/tandems/detail.html",
        {
            "tandem": tandem,
            "is_member": is_member,
            "is_senior": user.pk == tandem.senior.user_id,
            "partner": partner,
            "sides": [_side(person) for person in (tandem.senior.user, tandem.student)],
            "meetings": tandem.meetings.select_related("logged_by"),
            "meeting_days": tandem.meetings.values("met_on").distinct().count(),
            "reflection": _reflection(tandem),
            "requests": tandem.partner_requests.select_related("requested_by")
            if not is_member
            else tandem.partner_requests.open().filter(requested_by=user),
            "meeting_form": meeting_form or MeetingForm(),
            "request_form": request_form or PartnerRequestForm(),
        },
        status=status,
    )


@require_GET
@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_tandem_for_member(request.user, pk))


@require_POST
@login_required
def log_meeting(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    tandem = get_tandem_for_member(request.user, pk)
    _require_member(request, tandem)
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            services.log_meeting(tandem=tandem, by=request.user, **form.cleaned_data)
        except services.TandemRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The meeting is logged."))
            return redirect("tandems:detail", tandem.pk)
    return _detail(request, tandem, meeting_form=form, status=400)


@require_POST
@login_required
def delete_meeting(request: AuthenticatedHttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    meeting = get_meeting_for_member(request.user, pk, meeting_pk)
    _require_member(request, meeting.tandem)
    try:
        services.delete_meeting(meeting=meeting, by=request.user)
    except services.TandemRefused as refused:
        raise PermissionDenied(refused.message) from refused
    messages.success(request, _("The meeting is deleted."))
    return redirect("tandems:detail", pk)


@require_POST
@login_required
def request_partner(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    tandem = get_tandem_for_member(request.user, pk)
    _require_member(request, tandem)
    form = PartnerRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_new_partner(
                tandem=tandem, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.TandemRefused as refused:
            form.add_error("reason", refused.message)
        else:
            messages.success(request, _("Your request is with the coordinators."))
            return redirect("tandems:detail", tandem.pk)
    return _detail(request, tandem, request_form=form, status=400)


# --- the reflection -------------------------------------------------------------------------


def _reflection_page(
    request: AuthenticatedHttpRequest, tandem: Tandem, form: ReflectionForm, status: int = 200
) -> HttpResponse:
    reflection = _reflection(tandem)
    editable = (
        request.user.pk == tandem.senior.user_id
        and tandem.is_current
        and tandem.reflection_state not in (Reflection.SUBMITTED, Reflection.ACCEPTED)
    )
    return render(
        request,
        "courses/tandems/reflection.html",
        {"tandem": tandem, "reflection": reflection, "form": form, "editable": editable},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def reflection(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The senior writes (drafts are saved as they type) and hands in; the partner and the
    coordinators read it."""
    tandem = get_tandem_for_member(request.user, pk)
    if request.method == "GET":
        current = _reflection(tandem)
        return _reflection_page(
            request, tandem, ReflectionForm(initial={"text": current.draft if current else ""})
        )
    _require_member(request, tandem)
    form = ReflectionForm(request.POST)
    if form.is_valid():
        text = form.cleaned_data["text"]
        submit = request.POST.get("action") == "submit"
        try:
            if submit:
                services.submit_reflection(tandem=tandem, by=request.user, text=text)
            else:
                services.save_reflection_draft(tandem=tandem, by=request.user, text=text)
        except services.TandemRefused as refused:
            form.add_error("text", refused.message)
        else:
            messages.success(
                request,
                _("Your reflection is handed in.") if submit else _("Your draft is saved."),
            )
            return redirect("tandems:reflection", tandem.pk)
    return _reflection_page(request, tandem, form, status=400)


@require_POST
@login_required
def reflection_draft(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The page's autosave (htmx, while typing): answers with the draft's status line."""
    tandem = get_tandem_for_member(request.user, pk)
    _require_member(request, tandem)
    form = ReflectionForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.save_reflection_draft(
                tandem=tandem, by=request.user, text=form.cleaned_data["text"]
            )
        except services.TandemRefused as refused:
            error = refused.message
    else:
        error = " ".join(str(e) for e in form.errors.get("text", []))
    return render(
        request,
        "courses/tandems/reflection.html#draft_status",
        {"tandem": tandem, "reflection": _reflection(tandem), "draft_error": error},
        # htmx swaps only a 200, so the status line shows the error in place.
        status=400 if error and not request.htmx else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def grade_reflection(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Pass or not yet, by the cohort's instructors and the program's coordinators; the page
    shows the reflection and how many meetings were logged, not the meetings' notes."""
    tandem = get_tandem_for_reflection_grader(request.user, pk)
    form = GradeReflectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grade_reflection(
                tandem=tandem,
                by=request.user,
                accepted=form.cleaned_data["decision"] == "pass",
                feedback=form.cleaned_data["feedback"],
            )
        except services.TandemRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The grade is saved; the participant is told."))
            return redirect("tandems:reflections", tandem.cohort_id)
    return render(
        request,
        "courses/tandems/grade.html",
        {
            "tandem": tandem,
            "reflection": _reflection(tandem),
            "meeting_days": tandem.meetings.values("met_on").distinct().count(),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def reflections(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A cohort's reflections for its graders, those waiting for a grade first."""
    cohort = get_cohort_for_instructor(request.user, pk)
    rows = list(
        Tandem.objects.filter(cohort=cohort, reflection__submitted_at__isnull=False)
        .select_related("senior__user", "module", "reflection")
        .order_by("reflection__submitted_at")
    )
    rows.sort(key=lambda t: t.reflection_state != Reflection.SUBMITTED)
    return render(request, "courses/tandems/reflections.html", {"cohort": cohort, "rows": rows})


# --- the students' invitation link ----------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    student = services.usable_student_invitation(token)
    if student is None:
        return render(request, "courses/enrolment/link_unusable.html", status=404)
    invited: User = student.user
    viewer = request.user
    if viewer.is_authenticated and viewer.pk != invited.pk:
        return render(request, "courses/enrolment/wrong_account.html", status=403)
    needs_password = not viewer.is_authenticated and not invited.has_usable_password()
    form = StudentJoinForm(invited, request.POST if request.method == "POST" else None)
    if request.method == "POST" and (
        viewer.is_authenticated or (needs_password and form.is_valid())
    ):
        password = form.cleaned_data["new_password1"] if needs_password else None
        try:
            services.join_as_student(token=token, user=invited, password=password)
        except services.TandemRefused:
            return render(request, "courses/enrolment/link_unusable.html", status=404)
        if not viewer.is_authenticated:
            login(request, invited, backend=MODEL_BACKEND)
        messages.success(request, _("Welcome! Please fill in your tandem profile."))
        return redirect("tandems:profile")
    context = {
        "student": student,
        "invited": invited,
        "form": form,
        "needs_password": needs_password,
        "login_url": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}",
        "sso_logins": sso_logins(request.path) if needs_password else [],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "courses/tandems/join.html", context, status=status)
