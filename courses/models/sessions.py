"""A module's sessions per cohort, participants' registrations and attendance (docs/sessions.md).

A **session** is one meeting of a module for one cohort: a start and an end (stored aware, with
the time zone it was planned in, so it is shown as planned), a place or an https link, an
optional capacity and note. A cancelled session keeps its row (calendar programs learn of the
cancellation through the feed) and never counts. A session is **held** once its attendance has
been taken (``attendance_taken_at``): attendance rates count taken sessions only, so the rate
does not depend on the clock, and stored progress stays true between saves.
"""

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models.enrolment import Enrollment
from courses.models.programs import Cohort, Module

if TYPE_CHECKING:
    from platform.models import User


class SessionQuerySet(models.QuerySet["Session"]):
    def active(self) -> "SessionQuerySet":
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self, now: dt.datetime) -> "SessionQuerySet":
        """Not cancelled and not over yet, soonest first."""
        return self.active().filter(ends_at__gte=now).order_by("starts_at", "pk")

    def for_participant(self, user: "User") -> "SessionQuerySet":
        """The sessions of the cohorts the user is actively enrolled in."""
        return self.filter(
            cohort__enrollments__user=user,
            cohort__enrollments__status=Enrollment.Status.ACTIVE,
        )

    def with_places_taken(self) -> "SessionQuerySet":
        return self.annotate(places_taken=models.Count("registrations", distinct=True))


class Session(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(
        _("online link"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["https"])],
        error_messages={"invalid": _("Enter an https:// link.")},
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Empty: no registration needed. Otherwise participants register."),
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attendance_taken_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_url=""), name="session_has_place_or_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_title} ({self.local_start:%Y-%m-%d %H:%M})"

    @property
    def display_title(self) -> str:
        return self.title or self.module.title

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_start(self) -> dt.datetime:
        """The start in the time zone it was planned in: what the page shows."""
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> dt.datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_held(self) -> bool:
        """Counts for attendance rates: attendance was taken and it was not cancelled."""
        return self.attendance_taken_at is not None and not self.is_cancelled

    @property
    def needs_registration(self) -> bool:
        return self.capacity is not None

    @property
    def places_left(self) -> int | None:
        """With ``with_places_taken``: None when there is no capacity."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - getattr(self, "places_taken", 0))


class SessionRegistration(models.Model):
    """A participant's place in a session with a capacity."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="session_registrations"
    )
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "enrollment"], name="registration_once"),
        ]


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("present")
    EXCUSED = "excused", _("excused")
    ABSENT = "absent", _("absent")


class Attendance(models.Model):
    """One participant at one session: present, excused or absent (the current value; every
    change is in ``AttendanceChange``)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "enrollment"], name="attendance_once"),
        ]


class AttendanceChange(models.Model):
    """The audit of attendance: who set which value when (``old`` empty: first record)."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendance_changes"
    )
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    old = models.CharField(max_length=10, blank=True, choices=AttendanceStatus.choices)
    new = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
