"""A person's calendar feed (docs/communication.md, "Calendar feed"): iCalendar (RFC 5545)
with every deadline that concerns them and the start and end of their cohorts.

Participants get each published assignment's due date as it applies to them (their extension,
else their cohort's, else the assignment's); instructors and a program's coordinators get the
due dates of the cohorts they teach or coordinate (with the cohort's extension). UIDs are stable
(the same event keeps its UID when its date moves), so calendar programs update rather than
duplicate; times are in UTC. Everyone also gets the sessions of those cohorts
(docs/sessions.md): one event per session, UID ``session-<id>``, a cancelled one kept with
``STATUS:CANCELLED`` so calendar programs strike it out.
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from courses.models import Assignment, CalendarFeed, Cohort, Enrollment, Session
from platform.mail import recipient_language
from platform.models import User

DEADLINE_LENGTH = dt.timedelta(minutes=30)


def feed_for(user: User) -> CalendarFeed:
    """The user's feed, made on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def reset_feed(*, user: User) -> CalendarFeed:
    """A new secret: the old URL stops working at once."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user)


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _deadline(
    calendar: Calendar, *, uid: str, assignment: Assignment, due_at: dt.datetime, where: str
) -> None:
    event = Event()
    event.add("uid", f"{uid}@{_domain()}")
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    # Ending at the due time, so the block in the calendar shows the time left before it.
    event.add("dtstart", (due_at - DEADLINE_LENGTH).astimezone(dt.UTC))
    event.add("dtend", due_at.astimezone(dt.UTC))
    event.add("summary", _("Due: %(assignment)s") % {"assignment": assignment.title})
    event.add("description", where)
    event.add("url", settings.SITE_URL + assignment.get_absolute_url())
    event.add("transp", "TRANSPARENT")
    calendar.add_component(event)


def _cohort_dates(calendar: Calendar, cohort: Cohort) -> None:
    for kind, day, summary in (
        ("start", cohort.starts_on, _("%(program)s (%(cohort)s) starts")),
        ("end", cohort.ends_on, _("%(program)s (%(cohort)s) ends")),
    ):
        event = Event()
        event.add("uid", f"cohort-{cohort.pk}-{kind}@{_domain()}")
        event.add("dtstamp", timezone.now().astimezone(dt.UTC))
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", summary % {"program": cohort.program.title, "cohort": cohort.name})
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)


def _sessions(calendar: Calendar, cohort_ids: set[int]) -> None:
    sessions = (
        Session.objects.filter(cohort_id__in=cohort_ids)
        .select_related("module", "cohort__program")
        .order_by("starts_at", "pk")
    )
    for session in sessions:
        event = Event()
        event.add("uid", f"session-{session.pk}@{_domain()}")
        event.add("dtstamp", timezone.now().astimezone(dt.UTC))
        event.add("dtstart", session.starts_at.astimezone(dt.UTC))
        event.add("dtend", session.ends_at.astimezone(dt.UTC))
        event.add("summary", session.display_title)
        where = f"{session.cohort.program.title} ({session.cohort.name})"
        event.add("description", "\n".join(filter(None, [where, session.note])))
        event.add("location", session.place or session.online_url)
        if session.online_url:
            event.add("url", session.online_url)
        event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
        calendar.add_component(event)


def build_calendar(user: User) -> bytes:
    """The feed's content, in the user's language."""
    with translation.override(recipient_language(user, fallback=settings.LANGUAGE_CODE)):
        calendar = Calendar()
        calendar.add("prodid", "-//certlab//Certificate programs//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Certificate programs: deadlines"))
        joined = _participant_events(calendar, user)
        taught = _teaching_events(calendar, user, skip_dates_of=joined)
        _sessions(calendar, joined | taught)
        content: bytes = calendar.to_ical()
        return content


def _participant_events(calendar: Calendar, user: User) -> set[int]:
    """Adds the events; returns the ids of the user's cohorts."""
    enrollments = list(
        Enrollment.objects.filter(user=user, status=Enrollment.Status.ACTIVE).select_related(
            "cohort__program"
        )
    )
    for enrollment in enrollments:
        _cohort_dates(calendar, enrollment.cohort)
        where = f"{enrollment.cohort.program.title} ({enrollment.cohort.name})"
        assignments = Assignment.objects.published().filter(
            module__program_id=enrollment.cohort.program_id
        )
        for assignment in assignments.order_by("pk"):
            due = assignment.deadline_for(enrollment).due_at
            if due is not None:
                _deadline(
                    calendar,
                    uid=f"deadline-{assignment.pk}-enrollment-{enrollment.pk}",
                    assignment=assignment,
                    due_at=due,
                    where=where,
                )
    return {e.cohort_id for e in enrollments}


def _teaching_events(calendar: Calendar, user: User, *, skip_dates_of: set[int]) -> set[int]:
    """Adds the events; returns the ids of the cohorts the user teaches or coordinates."""
    cohorts = (
        # Staff see every program, but their feed holds only what they teach or coordinate.
        (Cohort.objects.taught_by(user) | Cohort.objects.filter(program__coordinators=user))
        .filter(ends_on__gte=timezone.localdate() - dt.timedelta(days=365))
        .select_related("program")
        .distinct()
        .order_by("pk")
    )
    for cohort in cohorts:
        if cohort.pk not in skip_dates_of:
            _cohort_dates(calendar, cohort)
        where = f"{cohort.program.title} ({cohort.name})"
        assignments = Assignment.objects.published().filter(module__program_id=cohort.program_id)
        for assignment in assignments.order_by("pk"):
            extension = (
                assignment.extensions.active()
                .filter(cohort=cohort)
                .order_by("-granted_at", "-pk")
                .first()
            )
            due = extension.due_at if extension else assignment.due_at
            if due is not None:
                _deadline(
                    calendar,
                    uid=f"deadline-{assignment.pk}-cohort-{cohort.pk}",
                    assignment=assignment,
                    due_at=due,
                    where=where,
                )
    return {cohort.pk for cohort in cohorts}
