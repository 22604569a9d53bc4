"""Copying a cohort to the next semester: every date shifted by the difference of the starts
(deadlines keep their local time of day across summer time), instructors and weights copied,
participants not; the form previews the dates before anything is stored."""

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import Assignment, Cohort, Enrollment, Extension
from courses.services import enroll
from courses.setup.services import copy_cohort, shift_datetime
from platform.models import User
from submissions.models import GraderShare

ClientFor = Callable[[User | None], Client]
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("local", "days", "expected"),
    [
        # Winter to summer time (last Sunday of March): 23:59 stays 23:59.
        (dt.datetime(2026, 3, 20, 23, 59), 14, dt.datetime(2026, 4, 3, 23, 59)),
        # Summer to winter time (last Sunday of October).
        (dt.datetime(2026, 10, 20, 12, 0), 7, dt.datetime(2026, 10, 27, 12, 0)),
        # A whole year, and backwards.
        (dt.datetime(2026, 1, 15, 9, 30), 364, dt.datetime(2027, 1, 14, 9, 30)),
        (dt.datetime(2026, 7, 1, 8, 0), -182, dt.datetime(2025, 12, 31, 8, 0)),
    ],
)
def test_a_shifted_deadline_keeps_its_local_time(
    settings: object, local: dt.datetime, days: int, expected: dt.datetime
) -> None:
    shifted = shift_datetime(local.replace(tzinfo=BERLIN), days)
    assert shifted.astimezone(BERLIN).replace(tzinfo=None) == expected


def test_the_copy_shifts_every_date_and_copies_instructors_not_participants(
    coordinator: User,
    cohort: Cohort,
    instructor: User,
    participant: User,
    assignment: Assignment,
) -> None:
    cohort.application_deadline = dt.date(2026, 9, 1)
    cohort.capacity = 12
    cohort.save()
    GraderShare.objects.create(cohort=cohort, grader=instructor, weight=3)
    enroll(user=participant, cohort=cohort)
    due = dt.datetime(2027, 3, 20, 23, 59, tzinfo=BERLIN)
    Extension.objects.create(
        assignment=assignment, cohort=cohort, due_at=due, reason="Holidays", granted_by=coordinator
    )
    copy = copy_cohort(
        actor=coordinator, cohort=cohort, name="2027/28", starts_on=dt.date(2027, 10, 7)
    )
    days = (dt.date(2027, 10, 7) - dt.date(2026, 10, 1)).days
    assert copy.ends_on == dt.date(2027, 9, 30) + dt.timedelta(days=days)
    assert copy.application_deadline == dt.date(2026, 9, 1) + dt.timedelta(days=days)
    assert (copy.capacity, copy.applications_open) == (12, False)
    assert list(copy.instructors.all()) == [instructor]
    assert GraderShare.objects.get(cohort=copy).weight == 3
    assert not Enrollment.objects.filter(cohort=copy).exists()
    moved = Extension.objects.get(cohort=copy)
    assert moved.due_at.astimezone(BERLIN).replace(tzinfo=None) == dt.datetime.combine(
        dt.date(2027, 3, 20) + dt.timedelta(days=days), dt.time(23, 59)
    )


def test_the_form_previews_then_confirms(
    client_for: ClientFor, coordinator: User, cohort: Cohort
) -> None:
    client = client_for(coordinator)
    url = reverse("setup:cohort-copy", args=[cohort.pk])
    data = {"name": "2027/28", "starts_on": "2027-10-01"}
    preview = client.post(url, data)
    assert preview.status_code == 200
    assert 'id="shifted-dates"' in preview.text
    assert Cohort.objects.count() == 1
    assert client.post(url, {**data, "confirm": "1"}).status_code == 302
    # 365 days later; 2028 has a 29 February, so the end falls a calendar day earlier.
    assert Cohort.objects.get(name="2027/28").ends_on == dt.date(2028, 9, 29)


@pytest.mark.parametrize(
    "bad", [{"name": "2026/27"}, {"starts_on": "2026-10-01"}, {"starts_on": "someday"}]
)
def test_a_bad_copy_is_a_400_with_nothing_stored(
    client_for: ClientFor, coordinator: User, cohort: Cohort, bad: dict[str, str]
) -> None:
    data = {"name": "2027/28", "starts_on": "2027-10-01", "confirm": "1", **bad}
    response = client_for(coordinator).post(reverse("setup:cohort-copy", args=[cohort.pk]), data)
    assert response.status_code == 400
    assert Cohort.objects.count() == 1
