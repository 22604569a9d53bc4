"""Deadline e-mails (docs/communication.md, "Reminders"): a reminder some days before each
participant's own due date (their extension's, else their cohort's, else the assignment's) to
active participants who have handed nothing in, and the news of an extension when one is
granted.

Each e-mail is sent at most once per (participant, assignment, due date, kind): a
``DeadlineMail`` row and the queued mail are written in one transaction, and the row's unique
constraint makes a second worker (or a re-run) find the row instead of sending again. A due
date moved by an extension is a new due date, so its reminder goes out again.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone

from courses.models import (
    Assignment,
    DeadlineMail,
    Enrollment,
    Extension,
    HandIn,
    Program,
    ReminderSetting,
)
from courses.models.communication import DEFAULT_REMINDER_DAYS
from platform.mail import queue_mail_in_language, recipient_language


def reminder_days(program: Program) -> int:
    setting = ReminderSetting.objects.filter(program=program).first()
    return setting.days_before if setting else DEFAULT_REMINDER_DAYS


def _queue(
    *, enrollment: Enrollment, assignment: Assignment, due_at: dt.datetime, kind: str
) -> bool:
    """Record and queue one deadline mail unless it was sent already; True if queued now."""
    with transaction.atomic():
        _mail, created = DeadlineMail.objects.get_or_create(
            enrollment=enrollment, assignment=assignment, due_at=due_at, kind=kind
        )
        if not created:
            return False
        user = enrollment.user
        if not user.email:
            return True
        program = assignment.module.program
        queue_mail_in_language(
            to=user.email,
            language=recipient_language(user, fallback=program.language),
            template=f"courses/communication/mail/{kind}",
            context={
                "name": user.full_name,
                "assignment": assignment,
                "program": program,
                "due_at": due_at,
                "url": settings.SITE_URL + assignment.get_absolute_url(),
            },
            topic=f"deadline-{kind}",
            deliver_now=False,
        )
        return True


def send_deadline_reminders(*, now: dt.datetime | None = None) -> int:
    """Queue every reminder now due; returns how many. Idempotent (see the module's doc)."""
    now = now or timezone.now()
    sent = 0
    programs = Program.objects.filter(modules__assignments__published_at__isnull=False).distinct()
    for program in programs:
        days = reminder_days(program)
        if days == 0:
            continue
        until = now + dt.timedelta(days=days)
        extended = Extension.objects.active().filter(
            assignment=OuterRef("pk"), due_at__gt=now, due_at__lte=until
        )
        assignments = (
            Assignment.objects.published()
            .filter(module__program=program)
            .filter(Q(due_at__gt=now, due_at__lte=until) | Exists(extended))
            .select_related("module__program")
        )
        for assignment in assignments:
            sent += _remind(assignment, now=now, until=until)
    return sent


def _remind(assignment: Assignment, *, now: dt.datetime, until: dt.datetime) -> int:
    handed_in = HandIn.objects.filter(enrollment=OuterRef("pk"), assignment=assignment)
    enrollments = list(
        Enrollment.objects.filter(
            status=Enrollment.Status.ACTIVE, cohort__program_id=assignment.module.program_id
        )
        .exclude(Exists(handed_in))
        .select_related("user")
    )
    deadlines = assignment.deadlines_for(enrollments)
    sent = 0
    for enrollment in enrollments:
        due = deadlines[enrollment.pk].due_at
        if due is not None and now < due <= until:
            sent += _queue(
                enrollment=enrollment,
                assignment=assignment,
                due_at=due,
                kind=DeadlineMail.Kind.REMINDER,
            )
    return sent


@dataclass(frozen=True)
class UpcomingReminder:
    """A deadline of a program ahead, as the coordinator sees its reminder."""

    assignment: Assignment
    due_at: dt.datetime
    remind_from: dt.datetime  # the job sends from then on
    not_handed_in: int  # active participants of the program without a hand-in
    sent: int  # reminders already sent for this assignment


def upcoming_reminders(
    program: Program, *, now: dt.datetime, days: int = 14
) -> list[UpcomingReminder]:
    """The program's published assignments due in the next ``days`` days with their reminder:
    from when it goes out, to how many (by the assignment's own due date; an extension moves a
    participant's reminder with their due date), and how many were sent. Two queries."""
    before = reminder_days(program)
    if before == 0:
        return []
    handed_in = HandIn.objects.filter(
        enrollment=OuterRef("pk"), assignment_id=OuterRef(OuterRef("pk"))
    )
    waiting = (
        Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, cohort__program=program)
        .exclude(Exists(handed_in))
        .order_by()
        .values("cohort__program_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    assignments = (
        Assignment.objects.published()
        .filter(module__program=program, due_at__gt=now, due_at__lte=now + dt.timedelta(days=days))
        .annotate(
            not_handed_in=Subquery(waiting, output_field=IntegerField()),
            sent=Count("deadline_mails", filter=Q(deadline_mails__kind=DeadlineMail.Kind.REMINDER)),
        )
        .order_by("due_at", "pk")
    )
    return [
        UpcomingReminder(
            assignment=a,
            due_at=a.due_at,
            remind_from=a.due_at - dt.timedelta(days=before),
            not_handed_in=a.not_handed_in or 0,  # type: ignore[attr-defined]
            sent=a.sent,  # type: ignore[attr-defined]
        )
        for a in assignments
        if a.due_at is not None
    ]


def announce_extension(extension: Extension) -> int:
    """Tell the participants an extension gives a new due date (the one participant, or the
    cohort's active participants whose own extension does not override it); call it in the
    transaction that grants it, so a refused grant sends nothing."""
    assignment = extension.assignment
    if extension.enrollment_id is not None:
        enrollments = Enrollment.objects.filter(pk=extension.enrollment_id)
    else:
        enrollments = Enrollment.objects.filter(cohort=extension.cohort)
    people = list(enrollments.filter(status=Enrollment.Status.ACTIVE).select_related("user"))
    deadlines = assignment.deadlines_for(people)
    return sum(
        _queue(
            enrollment=enrollment,
            assignment=assignment,
            due_at=extension.due_at,
            kind=DeadlineMail.Kind.EXTENSION,
        )
        for enrollment in people
        if deadlines[enrollment.pk].due_at == extension.due_at
    )
