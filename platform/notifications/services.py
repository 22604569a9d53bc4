"""Notifications' state changes: record one, mark read, and the e-mail choices.

The unread count is kept on ``User.unread_notifications`` so the bell costs no query: ``notify``
adds one in the same transaction as the row, and every change on the reader's side recounts it
from the rows (one ``UPDATE``), so it cannot drift for long.
"""

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from platform.models import (
    EMAIL_BY_DEFAULT,
    Notification,
    NotificationKind,
    NotificationPreference,
    User,
)


def notify(
    *,
    user: User,
    kind: NotificationKind | str,
    message: str,
    url: str,
    values: Mapping[str, str | int] | None = None,
) -> Notification:
    """Record a notification for ``user`` (no e-mail: senders ask ``wants_email`` themselves).

    ``message`` is a catalogue sentence marked with ``gettext_noop`` and ``values`` its
    placeholders, inserted verbatim: the text is worded when shown, in the reader's language.
    ``url`` is a path on this site (the thing the notification is about). Call it inside the
    transaction that makes the change, so a rolled-back change leaves no notification.
    """
    kind = NotificationKind(kind)
    if len(url) > Notification.MAX_URL_LENGTH or not url.startswith("/"):
        raise ValueError(f"a notification links to a path on this site, not {url!r}")
    # Part of the caller's transaction (no savepoint queries); one of its own when called alone.
    with transaction.atomic(savepoint=False):
        notification = Notification.objects.create(
            user=user,
            kind=kind,
            message=message,
            values={str(k): v for k, v in (values or {}).items()},
            url=url,
        )
        User.objects.filter(pk=user.pk).update(unread_notifications=F("unread_notifications") + 1)
    return notification


def recount_unread(user: User) -> None:
    """Store the bell's number again from the rows (one query)."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    User.objects.filter(pk=user.pk).update(unread_notifications=Coalesce(Subquery(unread), 0))


@transaction.atomic
def mark_read(*, notification: Notification) -> None:
    """Mark one notification read (opening it does); reading it twice changes nothing."""
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    ):
        recount_unread(notification.user)


@transaction.atomic
def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many were unread."""
    count = Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
    recount_unread(user)
    return count


def email_choices(user: User) -> dict[NotificationKind, bool]:
    """Per kind, whether ``user`` gets it by e-mail too (their choice, else the default)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind.value, kind in EMAIL_BY_DEFAULT) for kind in NotificationKind}


def wants_email(user: User, kind: NotificationKind | str) -> bool:
    """Whether ``user`` wants notifications of ``kind`` by e-mail: the one check every sender
    of such an e-mail makes (docs/notifications.md)."""
    kind = NotificationKind(kind)
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("email", flat=True)
        .first()
    )
    return kind in EMAIL_BY_DEFAULT if chosen is None else chosen


@transaction.atomic
def set_email_choices(*, user: User, choices: Mapping[NotificationKind, bool]) -> None:
    """Store ``user``'s e-mail choice for each kind given."""
    for kind, email in choices.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=NotificationKind(kind), defaults={"email": email}
        )


__all__ = [
    "email_choices",
    "mark_all_read",
    "mark_read",
    "notify",
    "recount_unread",
    "set_email_choices",
    "wants_email",
]
