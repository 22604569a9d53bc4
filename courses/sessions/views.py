"""The session pages (docs/sessions.md): a cohort's sessions for its instructors and
coordinators (plan, change, cancel), the attendance list (phone-friendly: the whole list with one
submit, or one row at a time by htmx), and the participant's sessions (register, see their own
attendance). Anyone else gets a 404; a refused form is a 400 with nothing stored."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.access import get_cohort_for_instructor
from courses.exceptions import SessionRefused
from courses.models import Attendance, AttendanceChange, Session, SessionRegistration
from courses.sessions import services
from courses.sessions.access import get_session_for_organiser, get_session_for_participant
from courses.sessions.forms import AttendanceForm, RowForm, SessionForm
from platform.types import AuthenticatedHttpRequest

GET_POST = ["GET", "POST"]


@login_required
@require_http_methods(GET_POST)
def cohort_sessions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cohort's sessions, newest plans first in time order, and the form for a new one."""
    cohort = get_cohort_for_instructor(request.user, pk)
    form = SessionForm(request.POST or None, cohort=cohort)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_session(actor=request.user, cohort=cohort, plan=form.plan())
            except SessionRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The session is planned."))
                return redirect("sessions:cohort", cohort.pk)
        status = 400
    sessions = (
        Session.objects.filter(cohort=cohort)
        .select_related("module")
        .with_places_taken()
        .order_by("starts_at", "pk")
    )
    context = {"cohort": cohort, "sessions": sessions, "form": form, "now": timezone.now()}
    return render(request, "courses/sessions/cohort.html", context, status=status)


@login_required
@require_http_methods(GET_POST)
def session_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_organiser(request.user, pk)
    form = SessionForm(request.POST or None, cohort=session.cohort, session=session)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_session(
                    actor=request.user, cohort=session.cohort, plan=form.plan(), session=session
                )
            except SessionRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The session is saved."))
                return redirect("sessions:cohort", session.cohort_id)
        context = {"session": session, "form": form}
        return render(request, "courses/sessions/edit.html", context, status=400)
    return render(request, "courses/sessions/edit.html", {"session": session, "form": form})


@login_required
@require_POST
def session_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_organiser(request.user, pk)
    try:
        services.cancel_session(actor=request.user, session=session)
    except SessionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The session is cancelled."))
    return redirect("sessions:cohort", session.cohort_id)


def _attendance_form(
    request: AuthenticatedHttpRequest, session: Session, *, bound: bool
) -> AttendanceForm:
    current = dict(
        Attendance.objects.filter(session=session).values_list("enrollment_id", "status")
    )
    return AttendanceForm(
        request.POST if bound else None,
        enrollments=services.attendees(session),
        current=current,
    )


def _attendance_page(
    request: AuthenticatedHttpRequest, session: Session, form: AttendanceForm, status: int = 200
) -> HttpResponse:
    changes = (
        AttendanceChange.objects.filter(session=session)
        .select_related("enrollment__user", "by")
        .order_by("-at", "-pk")[:50]
    )
    context = {"session": session, "form": form, "changes": changes, "now": timezone.now()}
    return render(request, "courses/sessions/attendance.html", context, status=status)


@login_required
@require_http_methods(GET_POST)
def attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The attendance list: one submit saves every marked row (``all_present`` marks the rest
    present)."""
    session = get_session_for_organiser(request.user, pk)
    if request.method == "GET":
        return _attendance_page(request, session, _attendance_form(request, session, bound=False))
    form = _attendance_form(request, session, bound=True)
    if form.is_valid():
        try:
            services.record_attendance(
                actor=request.user,
                session=session,
                marks=form.marks(all_present="all_present" in request.POST),
            )
        except SessionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Attendance is saved."))
            return redirect("sessions:attendance", session.pk)
    return _attendance_page(request, session, form, status=400)


@login_required
@require_POST
def attendance_row(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One participant's mark, saved as soon as it is chosen (htmx); answers the row. Without
    JavaScript the list's own submit saves instead."""
    session = get_session_for_organiser(request.user, pk)
    row = RowForm(request.POST)
    mark = row.mark() if row.is_valid() else None
    error = "" if mark else _("Choose present, excused or absent.")
    if mark:
        try:
            services.record_attendance(actor=request.user, session=session, marks=mark)
        except SessionRefused as refused:
            error = refused.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("sessions:attendance", session.pk)
    form = _attendance_form(request, session, bound=False)
    wanted = request.POST.get("enrollment", "")
    rows = [(e, f) for e, f in form.rows() if str(e.pk) == wanted]
    if not rows:
        return HttpResponse(error, status=400)
    context = {"session": session, "enrollment": rows[0][0], "field": rows[0][1], "error": error}
    # An invalid htmx form re-renders with 200, its message in the row (docs/sessions.md).
    return render(request, "courses/sessions/attendance.html#row", context)


@require_GET
@login_required
def my_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The participant's sessions: what is coming (with registration) and their attendance."""
    now = timezone.now()
    upcoming = list(
        Session.objects.for_participant(request.user)
        .upcoming(now)
        .select_related("module", "cohort__program")
        .with_places_taken()
    )
    registered = set(
        SessionRegistration.objects.filter(
            enrollment__user=request.user, session__in=upcoming
        ).values_list("session_id", flat=True)
    )
    records = (
        Attendance.objects.filter(
            enrollment__user=request.user,
            session__cancelled_at__isnull=True,
            session__attendance_taken_at__isnull=False,
        )
        .select_related("session__module", "session__cohort__program")
        .order_by("-session__starts_at")
    )
    context = {"upcoming": upcoming, "registered": registered, "records": records}
    return render(request, "courses/sessions/mine.html", context)


def _place(request: AuthenticatedHttpRequest, pk: int, *, take: bool) -> HttpResponse:
    session, enrollment = get_session_for_participant(request.user, pk)
    try:
        if take:
            services.register(enrollment=enrollment, session=session)
        else:
            services.unregister(enrollment=enrollment, session=session)
    except SessionRefused as refused:
        messages.error(request, refused.message)
    else:
        done = _("You are registered for this session.") if take else _("Your place is given back.")
        messages.success(request, done)
    return redirect("sessions:mine")


@login_required
@require_POST
def register(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _place(request, pk, take=True)


@login_required
@require_POST
def unregister(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _place(request, pk, take=False)
