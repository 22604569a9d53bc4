"""The personal calendar feed: parsed back with icalendar; the secret URL, its reset, and what
participants and instructors find in it."""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from courses.communication.calendar import feed_for
from courses.models import Assignment, CalendarFeed, Cohort, Module
from platform.models import User
from submissions.late.services import grant_extension
from tests.helpers import publish

DUE = dt.datetime(2026, 11, 20, 23, 59, tzinfo=dt.UTC)


def fetch(client: Any, user: User) -> Any:
    return client.get(reverse("communication:feed", args=[feed_for(user).token]))


def events(response: Any) -> dict[str, Any]:
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_is_valid_icalendar_with_the_participants_dates(
    client: Any, module: Module, enrolled: User, cohort: Cohort
) -> None:
    assignment = publish(module, "soon", "Soon; squares, \\ done", due_at=DUE)
    response = fetch(client, enrolled)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert not response.cookies
    raw = response.content.decode()
    assert raw.startswith("BEGIN:VCALENDAR\r\n") and "VERSION:2.0" in raw
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    found = events(response)
    enrollment = enrolled.enrollments.get()
    deadline = found[f"deadline-{assignment.pk}-enrollment-{enrollment.pk}@127.0.0.1"]
    assert deadline.decoded("DTEND") == DUE
    assert str(deadline["SUMMARY"]) == "Due: Soon; squares, \\ done"
    assert "SUMMARY:Due: Soon\\; squares\\, \\\\ done" in raw
    assert deadline.decoded("DTSTAMP").tzinfo is not None
    start = found[f"cohort-{cohort.pk}-start@127.0.0.1"]
    assert start.decoded("DTSTART") == cohort.starts_on
    assert "starts" in str(start["SUMMARY"])
    assert f"cohort-{cohort.pk}-end@127.0.0.1" in found


def test_the_participants_extension_moves_their_deadline(
    client: Any, module: Module, enrolled: User, instructor: User
) -> None:
    assignment = publish(module, "soon", "Soon", due_at=DUE)
    later = DUE + dt.timedelta(days=4)
    grant_extension(
        assignment=assignment, granted_by=instructor, due_at=later, reason="illness",
        enrollment=enrolled.enrollments.get(),
    )  # fmt: skip
    [deadline] = [e for uid, e in events(fetch(client, enrolled)).items() if "deadline" in uid]
    assert deadline.decoded("DTEND") == later


def test_instructors_get_their_cohorts_deadlines(
    client: Any, module: Module, instructor: User, cohort: Cohort, other_instructor: User
) -> None:
    assignment = publish(module, "soon", "Soon", due_at=DUE)
    found = events(fetch(client, instructor))
    assert found[f"deadline-{assignment.pk}-cohort-{cohort.pk}@127.0.0.1"].decoded("DTEND") == DUE
    assert f"cohort-{cohort.pk}-start@127.0.0.1" in found
    assert not [uid for uid in events(fetch(client, other_instructor)) if "deadline" in uid]


def test_the_feed_is_in_the_persons_language(
    client: Any, assignment: Assignment, enrolled: User
) -> None:
    enrolled.preferred_language = "de"
    enrolled.save(update_fields=["preferred_language"])
    summaries = [str(e["SUMMARY"]) for e in events(fetch(client, enrolled)).values()]
    assert any(s.endswith("beginnt") for s in summaries)


def test_a_wrong_or_reset_token_is_a_404(client_for: Any, client: Any, enrolled: User) -> None:
    old = feed_for(enrolled).token
    assert client.get(reverse("communication:feed", args=["nope"])).status_code == 404
    page = client_for(enrolled)
    body = page.get(reverse("communication:calendar")).content.decode()
    assert f"/calendar/{old}.ics" in body
    assert page.post(reverse("communication:calendar")).status_code == 302
    assert client.get(reverse("communication:feed", args=[old])).status_code == 404
    new = CalendarFeed.objects.get(user=enrolled).token
    assert new != old
    assert client.get(reverse("communication:feed", args=[new])).status_code == 200
    assert f"/calendar/{new}.ics" in page.get(reverse("communication:calendar")).content.decode()


def test_each_person_sees_only_their_own_feed_address(
    client_for: Any, enrolled: User, other_enrolled: User
) -> None:
    mine = feed_for(enrolled).token
    theirs = client_for(other_enrolled).get(reverse("communication:calendar")).content.decode()
    assert mine not in theirs
    # Resetting one's own feed leaves the other's working.
    client_for(other_enrolled).post(reverse("communication:calendar"))
    assert CalendarFeed.objects.get(user=enrolled).token == mine


def test_the_feed_page_needs_a_log_in_and_the_feed_only_get(client: Any, enrolled: User) -> None:
    assert client.get(reverse("communication:calendar")).status_code == 302
    url = reverse("communication:feed", args=[feed_for(enrolled).token])
    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200  # calendar programs may ask with HEAD


def test_a_deactivated_account_has_no_feed(client: Any, enrolled: User) -> None:
    token = feed_for(enrolled).token
    enrolled.is_active = False
    enrolled.save(update_fields=["is_active"])
    assert client.get(reverse("communication:feed", args=[token])).status_code == 404


def test_uids_stay_when_the_date_moves(
    client: Any, module: Module, enrolled: User, instructor: User
) -> None:
    assignment = publish(module, "soon", "Soon", due_at=DUE)
    before = set(events(fetch(client, enrolled)))
    assignment.due_at = timezone.now() + dt.timedelta(days=40)
    assignment.save(update_fields=["due_at"])
    assert set(events(fetch(client, enrolled))) == before
