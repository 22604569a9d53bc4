"""Announcements: who receives one, sending it, dismissing it (docs/communication.md).

The audience is the participants whose enrolment is **active**: invited people have not taken
their place yet (their invitation tells them what they need), paused, withdrawn and completed
ones are not following the program now. A program's announcement reaches the active
participants of every cohort that has not ended; a person in two of them receives it once.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from courses.exceptions import CoursesError
from courses.models import (
    Announcement,
    AnnouncementRecipient,
    Cohort,
    Enrollment,
    Program,
)
from platform.mail import queue_mail_in_language, recipient_language
from platform.models import NotificationKind, User
from platform.notifications.services import notify, wants_email

# Up to this many recipients, the e-mails are tried at once after the commit; above it the
# worker sends them (within a minute), so the coordinator's request does not wait.
DELIVER_AT_ONCE = 20


class AnnouncementRefused(CoursesError):
    pass


def audience(
    *, program: Program, cohort: Cohort | None = None, enrollment: Enrollment | None = None
) -> "QuerySet[User]":
    """The people an announcement to ``enrollment``'s participant, else ``cohort``, else the
    whole ``program`` reaches now."""
    active = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE)
    if enrollment is not None:
        active = active.filter(pk=enrollment.pk)
    elif cohort is not None:
        active = active.filter(cohort=cohort)
    else:
        active = active.filter(cohort__program=program, cohort__ends_on__gte=timezone.localdate())
    return User.objects.filter(pk__in=active.values("user_id"), is_active=True).order_by("pk")


def announcement_recipients(announcement: Announcement) -> "QuerySet[User]":
    """Who received ``announcement`` (fixed when it was sent), for anything else that tells
    people about it (such as in-app notifications)."""
    return User.objects.filter(announcements_received__announcement=announcement).order_by("pk")


@transaction.atomic
def send_announcement(
    *,
    sender: User,
    title: str,
    body: str,
    format: str = Announcement.Format.PLAIN,
    program: Program,
    cohort: Cohort | None = None,
    enrollment: Enrollment | None = None,
) -> Announcement:
    """Record the announcement for its audience (``audience``) and queue one e-mail per
    recipient in their language. Who may send it is the caller's access helper's business."""
    if enrollment is not None:
        cohort = enrollment.cohort
    if cohort is not None and cohort.program_id != program.pk:
        raise AnnouncementRefused(_("The cohort is not one of the program's."))
    if not title.strip() or not body.strip():
        raise AnnouncementRefused(_("An announcement needs a title and a text."))
    people = list(audience(program=program, cohort=cohort, enrollment=enrollment))
    if not people:
        raise AnnouncementRefused(_("Nobody would receive it: no participant is active there."))
    announcement = Announcement.objects.create(
        sender=sender,
        program=program,
        cohort=cohort,
        enrollment=enrollment,
        title=title.strip(),
        body=body.strip(),
        format=format,
        recipient_count=len(people),
    )
    AnnouncementRecipient.objects.bulk_create(
        AnnouncementRecipient(announcement=announcement, user=person) for person in people
    )
    context = {"announcement": announcement, "program": program, "sender": sender}
    for person in people:
        # In-app (the bell) for everyone; by e-mail for those who keep that choice on.
        notify(
            user=person,
            kind=NotificationKind.ANNOUNCEMENT,
            message=gettext_noop("Announcement: %(title)s"),
            values={"title": announcement.title},
            url=reverse("home") + "#announcements",
        )
        if not person.email or not wants_email(person, NotificationKind.ANNOUNCEMENT):
            continue
        queue_mail_in_language(
            to=person.email,
            language=recipient_language(person, fallback=program.language),
            template="courses/communication/mail/announcement",
            context={**context, "name": person.full_name},
            topic="announcement",
            deliver_now=len(people) <= DELIVER_AT_ONCE,
        )
    return announcement


def dismiss_announcement(*, user: User, pk: int) -> bool:
    """Hide an announcement from the user's home page; False if it never reached them."""
    return bool(
        AnnouncementRecipient.objects.filter(
            user=user, announcement_id=pk, dismissed_at__isnull=True
        ).update(dismissed_at=timezone.now())
        or AnnouncementRecipient.objects.filter(user=user, announcement_id=pk).exists()
    )


def announcements_for_home(user: User, *, limit: int = 10) -> "QuerySet[Announcement]":
    """The announcements that reached ``user`` and are not dismissed, newest first."""
    return (
        Announcement.objects.filter(recipients__user=user, recipients__dismissed_at__isnull=True)
        .select_related("sender", "program", "cohort")
        .order_by("-sent_at", "-pk")[:limit]
    )
