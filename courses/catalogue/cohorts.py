"""When a cohort takes applications, and how many places it has left (docs/catalogue.md).

Both rules exist once, here; the catalogue shows them and admission enforces them through the
same functions (``Cohort.objects.open_for_applications``, ``Cohort.objects.with_places_left``,
``cohort_state``).

**Open for applications** on a day (the local date, ``timezone.localdate()``: Europe/Berlin):
the office has switched ``applications_open`` on, and the day is on or before the
``application_deadline`` (the deadline day itself is included), or, without a deadline, before
the cohort's first day (``starts_on``). A cohort that has ended is never open.

**Places taken**: the cohort's enrolments that hold a place (invited, active, paused, completed;
a withdrawn one has given it back) plus the wait-list offers still waiting for an answer (an
``Application`` in state offered whose ``offer_expires_at`` has not passed): an offered place is
promised to that applicant. **Places left** is the capacity minus the places taken, never below
zero; a cohort without a capacity has no limit (``None``).
Admission locks the cohort while it counts, so two admissions cannot both take the last place:
``Cohort.objects.select_for_update().with_places_left().get(pk=...)`` in its transaction.

This module imports no other model module than ``enrolment`` and ``applications``, so
``courses.models.programs`` can delegate to it.
"""

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from courses.models.applications import Application
from courses.models.enrolment import Enrollment

if TYPE_CHECKING:
    from courses.models.programs import Cohort

# Enrolment states that hold a place in the cohort.
PLACE_HOLDING = (
    Enrollment.Status.INVITED,
    Enrollment.Status.ACTIVE,
    Enrollment.Status.PAUSED,
    Enrollment.Status.COMPLETED,
)


def open_on(day: dt.date) -> Q:
    """The cohorts open for applications on ``day`` (the module's rule), as a filter."""
    before_deadline = Q(application_deadline__isnull=False, application_deadline__gte=day)
    before_start = Q(application_deadline__isnull=True, starts_on__gt=day)
    return Q(applications_open=True, ends_on__gte=day) & (before_deadline | before_start)


def last_day_to_apply(cohort: "Cohort") -> dt.date:
    """The deadline, or without one the day before the cohort starts."""
    if cohort.application_deadline is not None:
        return cohort.application_deadline
    return cohort.starts_on - dt.timedelta(days=1)


def is_open_on(cohort: "Cohort", day: dt.date) -> bool:
    """``open_on`` for one cohort already loaded (no query)."""
    return cohort.applications_open and day <= min(last_day_to_apply(cohort), cohort.ends_on)


def _count(queryset: models.QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("cohort_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_places_left[QS: models.QuerySet[Any]](
    cohorts: QS, *, now: dt.datetime | None = None
) -> QS:
    """``cohorts`` annotated with ``places_taken`` (an int) and ``places_left`` (an int >= 0,
    or None for a cohort without a capacity), in the same query."""
    now = now or timezone.now()
    enrolments = Enrollment.objects.filter(cohort_id=OuterRef("pk"), status__in=PLACE_HOLDING)
    offers = Application.objects.filter(
        cohort_id=OuterRef("pk"), status=Application.Status.OFFERED
    ).filter(Q(offer_expires_at__isnull=True) | Q(offer_expires_at__gt=now))
    return cohorts.annotate(
        places_taken=_count(enrolments) + _count(offers),
    ).annotate(
        places_left=Case(
            When(capacity__isnull=True, then=Value(None)),
            default=Greatest(models.F("capacity") - models.F("places_taken"), Value(0)),
            output_field=IntegerField(),
        )
    )


class State(StrEnum):
    """What the catalogue says about a cohort, and whether it offers "Apply"."""

    OPEN = "open"  # open, places left (or no limit): Apply
    FULL = "full"  # open, no place left: apply for the wait list
    UPCOMING = "upcoming"  # not open yet: starts later, applications not switched on
    CLOSED = "closed"  # deadline passed, or started, or switched off after its deadline

    @property
    def takes_applications(self) -> bool:
        return self in (State.OPEN, State.FULL)

    @property
    def tone(self) -> str:
        """The badge's colour class (app.css)."""
        return {State.OPEN: "ok", State.FULL: "warn"}.get(self, "")


def cohort_state(cohort: "Cohort", day: dt.date) -> State:
    """The cohort's state on ``day``; ``cohort`` comes from ``with_places_left``."""
    if is_open_on(cohort, day):
        if not hasattr(cohort, "places_left"):
            raise ValueError("cohort_state needs a cohort from with_places_left()")
        return State.FULL if cohort.places_left == 0 else State.OPEN
    if not cohort.applications_open and cohort.starts_on > day:
        return State.UPCOMING
    return State.CLOSED
