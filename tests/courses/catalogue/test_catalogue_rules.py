"""When a cohort is open for applications and how many places it has left (one rule each,
``courses.catalogue.cohorts``), at the boundaries, in Europe/Berlin time."""

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from courses.catalogue.cohorts import State, cohort_state, is_open_on
from courses.models import Application, Cohort, Enrollment, Program
from platform.models import PrivacyNotice
from tests.helpers import make_cohort, make_user

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.date(2027, 4, 12)


def _cohort(program: Program, **fields: Any) -> Cohort:
    cohort = make_cohort(
        program, name=fields.pop("name", "SoSe 2027"), starts_on=START, ends_on=dt.date(2027, 9, 30)
    )
    for name, value in fields.items():
        setattr(cohort, name, value)
    cohort.save()
    return cohort


OPEN_CASES = [
    # (applications_open, application_deadline, day, open?)
    (True, dt.date(2027, 3, 15), dt.date(2027, 3, 14), True),
    (True, dt.date(2027, 3, 15), dt.date(2027, 3, 15), True),  # the deadline day counts
    (True, dt.date(2027, 3, 15), dt.date(2027, 3, 16), False),
    (True, None, START - dt.timedelta(days=1), True),  # no deadline: until the day before start
    (True, None, START, False),
    (False, dt.date(2027, 3, 15), dt.date(2027, 3, 1), False),  # switched off
    (True, dt.date(2027, 5, 1), dt.date(2027, 4, 20), True),  # late applications, if set so
    (True, dt.date(2027, 12, 1), dt.date(2027, 10, 1), False),  # ended
]


@pytest.mark.parametrize(("switched_on", "deadline", "day", "expected"), OPEN_CASES)
def test_open_for_applications_on_a_day(
    program: Program, switched_on: bool, deadline: dt.date | None, day: dt.date, expected: bool
) -> None:
    cohort = _cohort(program, applications_open=switched_on, application_deadline=deadline)
    assert is_open_on(cohort, day) is expected
    assert Cohort.objects.open_for_applications(day).filter(pk=cohort.pk).exists() is expected


@pytest.mark.parametrize(
    ("local_time", "expected"),
    [
        (dt.datetime(2027, 3, 15, 23, 59, tzinfo=BERLIN), True),
        (dt.datetime(2027, 3, 16, 0, 0, tzinfo=BERLIN), False),
    ],
)
def test_the_deadline_ends_at_midnight_in_berlin_not_in_utc(
    program: Program, monkeypatch: pytest.MonkeyPatch, local_time: dt.datetime, expected: bool
) -> None:
    # 23:59 in Berlin on the deadline is 22:59 UTC the same day; 00:00 the next day is 23:00 UTC
    # on the deadline day, which a UTC date would still count as open.
    cohort = _cohort(program, applications_open=True, application_deadline=dt.date(2027, 3, 15))
    now = local_time.astimezone(dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    assert Cohort.objects.open_for_applications().filter(pk=cohort.pk).exists() is expected


def _enrol(cohort: Cohort, username: str, status: str) -> None:
    Enrollment.objects.create(user=make_user(username), cohort=cohort, status=status)


def _offer(cohort: Cohort, email: str, expires: dt.datetime) -> None:
    notice, _created = PrivacyNotice.objects.get_or_create(
        version="1", defaults={"text_en": "We keep it.", "text_de": "Wir speichern sie."}
    )
    Application.objects.create(
        cohort=cohort,
        full_name="Wait Listed",
        email=email,
        language="en",
        motivation="I want to learn.",
        privacy_notice=notice,
        consented_at=timezone.now(),
        status=Application.Status.OFFERED,
        offer_expires_at=expires,
    )


def test_places_left_counts_every_enrolment_holding_a_place_and_open_offers(
    program: Program,
) -> None:
    cohort = _cohort(program, capacity=6, applications_open=True)
    for n, status in enumerate(["invited", "active", "paused", "completed", "withdrawn"]):
        _enrol(cohort, f"person{n}", status)
    _offer(cohort, "offered@example.org", timezone.now() + dt.timedelta(days=3))
    annotated = Cohort.objects.with_places_left().get(pk=cohort.pk)
    assert (annotated.places_taken, annotated.places_left) == (5, 1)


def test_an_expired_offer_gives_its_place_back(program: Program) -> None:
    cohort = _cohort(program, capacity=1, applications_open=True)
    _offer(cohort, "late@example.org", timezone.now() - dt.timedelta(minutes=1))
    assert Cohort.objects.with_places_left().get(pk=cohort.pk).places_left == 1


def test_places_left_never_goes_below_zero_and_is_none_without_a_capacity(
    program: Program,
) -> None:
    over = _cohort(program, capacity=1, applications_open=True)
    _enrol(over, "first", "active")
    _enrol(over, "second", "active")
    unlimited = _cohort(program, name="unlimited", applications_open=True)
    _enrol(unlimited, "third", "active")
    rows = {c.pk: c for c in Cohort.objects.with_places_left()}
    assert (rows[over.pk].places_taken, rows[over.pk].places_left) == (2, 0)
    assert (rows[unlimited.pk].places_taken, rows[unlimited.pk].places_left) == (1, None)


@pytest.mark.parametrize(
    ("fields", "enrolled", "day", "state"),
    [
        ({"applications_open": True, "capacity": 2}, 1, dt.date(2027, 3, 1), State.OPEN),
        ({"applications_open": True, "capacity": 1}, 1, dt.date(2027, 3, 1), State.FULL),
        ({"applications_open": True}, 3, dt.date(2027, 3, 1), State.OPEN),
        ({"applications_open": False}, 0, dt.date(2027, 3, 1), State.UPCOMING),
        (
            {"applications_open": True, "application_deadline": dt.date(2027, 2, 1)},
            0,
            dt.date(2027, 3, 1),
            State.CLOSED,
        ),
        ({"applications_open": False}, 0, dt.date(2027, 5, 1), State.CLOSED),  # running
        ({"applications_open": True}, 0, dt.date(2027, 5, 1), State.CLOSED),
    ],
)
def test_the_state_the_catalogue_shows(
    program: Program, fields: dict[str, Any], enrolled: int, day: dt.date, state: State
) -> None:
    cohort = _cohort(program, fee=Decimal(0), **fields)
    for n in range(enrolled):
        _enrol(cohort, f"person{n}", "active")
    assert cohort_state(Cohort.objects.with_places_left().get(pk=cohort.pk), day) == state


def test_the_state_needs_the_places_annotation(program: Program) -> None:
    cohort = _cohort(program, applications_open=True)
    with pytest.raises(ValueError, match="with_places_left"):
        cohort_state(cohort, dt.date(2027, 3, 1))


def test_admission_can_lock_the_cohort_while_it_counts(program: Program) -> None:
    """Two admissions must not both take the last place: admission locks the cohort's row
    (``select_for_update``) and counts in the same query."""
    cohort = _cohort(program, capacity=1, applications_open=True)
    with transaction.atomic():
        locked = Cohort.objects.select_for_update().with_places_left().get(pk=cohort.pk)
        assert locked.places_left == 1
