"""Pages of communication (docs/communication.md): a cohort's and a program's announcements
(history and the form to send one), dismissing one from the home page, the calendar feed's page
and the feed itself.

Who: a cohort's announcements are for whoever grades it (its instructors, the program's
coordinators, staff: ``courses.access.get_cohort_for_instructor``); a program's for its
coordinators and staff; anyone else gets a 404. The feed needs no log-in: its secret URL is
the credential.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses.access import get_cohort_for_instructor
from courses.communication import calendar, services
from courses.communication.forms import AnnouncementForm, ReminderSettingForm
from courses.communication.reminders import upcoming_reminders
from courses.exceptions import CoursesError
from courses.models import Announcement, CalendarFeed, Cohort, Enrollment, Program, ReminderSetting
from platform.models import User
from platform.types import AuthenticatedHttpRequest


def _history(announcements: "QuerySet[Announcement]") -> list[Announcement]:
    return list(
        announcements.select_related("sender", "cohort", "enrollment__user").order_by(
            "-sent_at", "-pk"
        )[:200]
    )


def _active(cohort: Cohort) -> "QuerySet[Enrollment]":
    return (
        Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ACTIVE)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cohort_announcements(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_instructor(request.user, pk)
    form = AnnouncementForm(request.POST or None, participants=_active(cohort))
    if request.method == "POST" and form.is_valid():
        enrollment = form.cleaned_data["to"]
        try:
            announcement = services.send_announcement(
                sender=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                format=form.cleaned_data["format"],
                program=cohort.program,
                cohort=cohort,
                enrollment=enrollment,
            )
        except CoursesError as refused:
            form.add_error(None, refused.message)
        else:
            _sent(request, announcement)
            return redirect("communication:cohort", cohort.pk)
    context = {
        "cohort": cohort,
        "program": cohort.program,
        "form": form,
        "announcements": _history(Announcement.objects.filter(cohort=cohort)),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "courses/communication/history.html", context, status=status)


def _program_for_coordinator(user: User, slug: str) -> Program:
    return get_object_or_404(Program.objects.coordinated_by(user), slug=slug)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def program_announcements(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    program = _program_for_coordinator(request.user, slug)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            announcement = services.send_announcement(
                sender=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                format=form.cleaned_data["format"],
                program=program,
            )
        except CoursesError as refused:
            form.add_error(None, refused.message)
        else:
            _sent(request, announcement)
            return redirect("communication:program", program.slug)
    setting = ReminderSetting.objects.filter(program=program).first() or ReminderSetting(
        program=program
    )
    context = {
        "program": program,
        "form": form,
        "reminder_form": ReminderSettingForm(instance=setting),
        "upcoming_reminders": upcoming_reminders(program, now=timezone.now()),
        "announcements": _history(Announcement.objects.filter(program=program)),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "courses/communication/history.html", context, status=status)


@login_required
@require_POST
def program_reminders(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    program = _program_for_coordinator(request.user, slug)
    setting = ReminderSetting.objects.filter(program=program).first() or ReminderSetting(
        program=program
    )
    form = ReminderSettingForm(request.POST, instance=setting)
    if form.is_valid():
        form.save()
        messages.success(request, _("The reminder setting is saved."))
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("days_before", [])))
    return redirect("communication:program", program.slug)


def _sent(request: AuthenticatedHttpRequest, announcement: Announcement) -> None:
    messages.success(
        request,
        ngettext(
            "The announcement is sent to %(count)s person.",
            "The announcement is sent to %(count)s people.",
            announcement.recipient_count,
        )
        % {"count": announcement.recipient_count},
    )


@login_required
@require_POST
def dismiss(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not services.dismiss_announcement(user=request.user, pk=pk):
        raise Http404("No such announcement for this user")
    if request.htmx:
        return HttpResponse("")
    return redirect("home")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The feed's URL, and a button that replaces it."""
    if request.method == "POST":
        calendar.reset_feed(user=request.user)
        messages.success(
            request, _("Your calendar feed has a new address; the old one no longer works.")
        )
        return redirect("communication:calendar")
    return render(request, "courses/communication/calendar.html")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    if not feed.user.is_active:
        raise Http404("No such feed")
    response = HttpResponse(
        calendar.build_calendar(feed.user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
