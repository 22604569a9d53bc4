"""State changes of sessions, registrations and attendance (docs/sessions.md). Pages, the API,
the demo and the tests call these; nothing else writes the models."""

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.certificates.services import issue_certificate_if_complete
from courses.exceptions import SessionRefused
from courses.models import (
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Certificate,
    Cohort,
    Enrollment,
    Module,
    Session,
    SessionRegistration,
)
from courses.progress import recompute_progress
from platform.models import User


@dataclass(frozen=True)
class SessionPlan:
    """What a session is, as the set-up form and the API give it."""

    module: Module
    date: dt.date
    start: dt.time
    end: dt.time
    time_zone: str
    title: str = ""
    place: str = ""
    online_url: str = ""
    capacity: int | None = None
    note: str = ""

    @classmethod
    def of(cls, module: Module, data: Mapping[str, Any]) -> "SessionPlan":
        """From a form's or serializer's cleaned data (the same field names)."""
        fields = ("title", "date", "start", "end", "time_zone", "place", "online_url", "note")
        return cls(module=module, capacity=data["capacity"], **{f: data[f] for f in fields})


def _require_organiser(actor: User, cohort: Cohort) -> None:
    if not Cohort.objects.graded_by(actor).filter(pk=cohort.pk).exists():
        raise SessionRefused(_("Only the cohort's instructors and coordinators plan its sessions."))


def attendees(session: Session) -> list[Enrollment]:
    """Who is on the attendance list: the cohort's active participants, and anyone who already
    has a record for the session (a later change of status does not hide a record)."""
    return list(
        Enrollment.objects.filter(cohort_id=session.cohort_id)
        .filter(Q(status=Enrollment.Status.ACTIVE) | Q(attendance__session=session))
        .select_related("user")
        .distinct()
        .order_by("user__display_name", "user__username", "pk")
    )


def _recompute_cohort(cohort_id: int) -> None:
    """A session planned or cancelled changes how many remain, which the at-risk rule reads."""
    recompute_progress(enrollments=list(Enrollment.objects.filter(cohort_id=cohort_id)))


@transaction.atomic
def save_session(
    *, actor: User, cohort: Cohort, plan: SessionPlan, session: Session | None = None
) -> Session:
    """Plan a new session of one of the program's modules for the cohort, or change one."""
    _require_organiser(actor, cohort)
    if plan.module.program_id != cohort.program_id:
        raise SessionRefused(_("This module does not belong to the cohort's program."))
    try:
        zone = zoneinfo.ZoneInfo(plan.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise SessionRefused(_("Unknown time zone.")) from error
    starts_at = dt.datetime.combine(plan.date, plan.start, tzinfo=zone)
    ends_at = dt.datetime.combine(plan.date, plan.end, tzinfo=zone)
    if ends_at <= starts_at:
        raise SessionRefused(_("The session must end after it starts."))
    if not plan.place.strip() and not plan.online_url.strip():
        raise SessionRefused(_("Give a place or an online link."))
    if session is None:
        session = Session(cohort=cohort, created_by=actor)
    else:
        session = Session.objects.select_for_update().get(pk=session.pk, cohort=cohort)
        if session.is_cancelled:
            raise SessionRefused(_("This session is cancelled."))
        taken = session.registrations.count()
        if plan.capacity is not None and plan.capacity < taken:
            raise SessionRefused(
                _("%(count)s participants have registered: the capacity cannot be lower.")
                % {"count": taken}
            )
    session.module = plan.module
    session.title = plan.title.strip()
    session.starts_at = starts_at
    session.ends_at = ends_at
    session.time_zone = plan.time_zone
    session.place = plan.place.strip()
    session.online_url = plan.online_url.strip()
    session.capacity = plan.capacity
    session.note = plan.note.strip()
    try:
        session.full_clean(exclude=["cohort", "created_by"])
    except ValidationError as error:
        raise SessionRefused(" ".join(error.messages)) from error
    session.save()
    _recompute_cohort(cohort.pk)
    return session


@transaction.atomic
def cancel_session(*, actor: User, session: Session) -> Session:
    """Cancel a session: it stays listed as cancelled (the calendar feed says so) and no longer
    counts for attendance; registrations are kept for the record."""
    _require_organiser(actor, session.cohort)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.is_cancelled:
        raise SessionRefused(_("This session is already cancelled."))
    session.cancelled_at = timezone.now()
    session.save(update_fields=["cancelled_at"])
    _recompute_and_issue(list(Enrollment.objects.filter(cohort_id=session.cohort_id)))
    return session


@transaction.atomic
def register(*, enrollment: Enrollment, session: Session) -> SessionRegistration:
    """Take a place in a session with a capacity; a full session refuses (no waiting list)."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.cohort_id != enrollment.cohort_id or enrollment.status != Enrollment.Status.ACTIVE:
        raise SessionRefused(_("This session is not for your cohort."))
    if session.is_cancelled:
        raise SessionRefused(_("This session is cancelled."))
    if session.capacity is None:
        raise SessionRefused(_("This session needs no registration: just come."))
    if session.starts_at <= timezone.now():
        raise SessionRefused(_("This session has already started."))
    existing = SessionRegistration.objects.filter(session=session, enrollment=enrollment).first()
    if existing is not None:
        return existing
    if session.registrations.count() >= session.capacity:
        raise SessionRefused(
            _("This session is full (%(capacity)s places). Please choose another date.")
            % {"capacity": session.capacity}
        )
    return SessionRegistration.objects.create(session=session, enrollment=enrollment)


@transaction.atomic
def unregister(*, enrollment: Enrollment, session: Session) -> None:
    """Give a place back (before the session starts)."""
    if session.starts_at <= timezone.now():
        raise SessionRefused(_("This session has already started."))
    SessionRegistration.objects.filter(session=session, enrollment=enrollment).delete()


@transaction.atomic
def record_attendance(
    *, actor: User, session: Session, marks: Mapping[int, str]
) -> list[Attendance]:
    """Store present / excused / absent for participants of the session (by enrollment id).

    All or nothing: an enrollment not on the session's list or an unknown status refuses the
    whole save. Every change is audited (``AttendanceChange``); the first save marks the
    session as held. Progress of the participants concerned is recomputed and certificates
    issued where attendance completed a program."""
    _require_organiser(actor, session.cohort)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.is_cancelled:
        raise SessionRefused(_("This session is cancelled."))
    now = timezone.now()
    if session.starts_at > now:
        raise SessionRefused(_("Attendance can be taken once the session has started."))
    listed = {e.pk: e for e in attendees(session)}
    if not marks:
        raise SessionRefused(_("Nothing to save: mark at least one participant."))
    for enrollment_id, status in marks.items():
        if enrollment_id not in listed:
            raise SessionRefused(_("A participant is not on this session's list."))
        if status not in AttendanceStatus.values:
            raise SessionRefused(_("Choose present, excused or absent."))
    current = {a.enrollment_id: a for a in Attendance.objects.filter(session=session)}
    changes, created, updated = [], [], []
    for enrollment_id, status in marks.items():
        record = current.get(enrollment_id)
        if record is not None and record.status == status:
            continue
        changes.append(
            AttendanceChange(
                session=session,
                enrollment_id=enrollment_id,
                old=record.status if record else "",
                new=status,
                by=actor,
                at=now,
            )
        )
        if record is None:
            record = Attendance(session=session, enrollment_id=enrollment_id)
            created.append(record)
        else:
            updated.append(record)
        record.status, record.recorded_at, record.recorded_by = status, now, actor
        current[enrollment_id] = record
    Attendance.objects.bulk_create(created)
    Attendance.objects.bulk_update(updated, ["status", "recorded_at", "recorded_by"])
    AttendanceChange.objects.bulk_create(changes)
    if session.attendance_taken_at is None:
        session.attendance_taken_at = now
        session.save(update_fields=["attendance_taken_at"])
        # The session no longer remains for anyone in the cohort: everyone's rate may change.
        enrollments = list(Enrollment.objects.filter(cohort_id=session.cohort_id))
    else:
        enrollments = [listed[c.enrollment_id] for c in changes]
    _recompute_and_issue(enrollments)
    return [current[pk] for pk in marks]


def _recompute_and_issue(enrollments: list[Enrollment]) -> None:
    """Store the new progress of these enrollments in a constant number of queries, and issue
    the certificate to those it completes (a few at a time, so the save stays fast)."""
    if not enrollments:
        return
    results = recompute_progress(enrollments=enrollments)
    complete = [e for e in enrollments if results[e.pk].complete]
    if not complete:
        return
    holders = set(
        Certificate.objects.issued()
        .filter(user_id__in=[e.user_id for e in complete])
        .values_list("user_id", "program_id")
    )
    program_id = Cohort.objects.values_list("program_id", flat=True).get(pk=complete[0].cohort_id)
    for enrollment in complete:
        if (enrollment.user_id, program_id) not in holders:
            issue_certificate_if_complete(enrollment=enrollment)
