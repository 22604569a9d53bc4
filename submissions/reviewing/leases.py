"""Grading leases: while one grader has a submission open, nobody else can save a review of it.

Opening the grading screen takes the lease (``GRADING_LEASE_MINUTES``, 30 by default); saving
and the open screen's ping renew it; leaving the screen ("back to the queue", "save and next")
gives it back; a coordinator can break it. Every operation locks the submission's one lease row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``IMMEDIATE`` transactions serialise writers)
and decides on what it reads under that lock, so two graders racing for a submission cannot
both win. A taking of the lease is named by a random token that the screen sends back with
every save: a screen left open past its lease (a laptop lid closed over lunch) cannot save
over a colleague who took the submission in between, and a save is refused unless the token
is still the valid one.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from platform.models import User
from submissions.exceptions import LeaseHeld, LeaseLost, SubmissionError
from submissions.models import GradingLease, Submission


def lease_duration() -> timedelta:
    return timedelta(minutes=settings.GRADING_LEASE_MINUTES)


def _clock(value: datetime | None) -> str:
    return formats.time_format(timezone.localtime(value), "H:i") if value else ""


def _locked(submission: Submission) -> GradingLease:
    """The submission's lease row, created on first use, locked until the transaction ends.

    Two first takers may both try to create the row: the unique constraint lets one insert
    win (the other waits for it, then finds the row), and both then queue on the row lock.
    """
    GradingLease.objects.get_or_create(submission=submission)
    # No select_related: when PostgreSQL re-reads a row it waited for, it does not re-join
    # other tables, so a joined holder would be the stale one. Holders load lazily instead.
    return GradingLease.objects.select_for_update().get(submission=submission)


def _held_by_other(lease: GradingLease) -> LeaseHeld:
    name = lease.holder.full_name if lease.holder else ""
    return LeaseHeld(
        _("%(name)s is grading this submission (lease until %(until)s).")
        % {"name": name, "until": _clock(lease.expires_at)},
        holder_name=name,
        until=lease.expires_at,
    )


@transaction.atomic
def take_lease(*, grader: User, submission: Submission) -> GradingLease:
    """Lease the submission to the grader, or raise ``LeaseHeld`` naming who holds it.

    Taking one's own valid lease again (a second tab, a reload) extends it and keeps its token,
    so the screens already open stay able to save.
    """
    lease = _locked(submission)
    now = timezone.now()
    if lease.is_valid(now) and lease.holder_id != grader.pk:
        raise _held_by_other(lease)
    if not (lease.is_valid(now) and lease.holder_id == grader.pk):
        lease.holder = grader
        lease.token = secrets.token_urlsafe(24)
        lease.taken_at = now
    lease.expires_at = now + lease_duration()
    lease.save(update_fields=["holder", "token", "taken_at", "expires_at"])
    return lease


@transaction.atomic
def renew_lease(*, grader: User, submission: Submission, token: str) -> GradingLease:
    """Extend the grader's lease, or raise ``LeaseLost`` saying what happened to it.

    Saves call this inside their own transaction, so the check and the write are atomic.
    """
    lease = _locked(submission)
    now = timezone.now()
    if lease.holder_id == grader.pk and token and lease.token == token and lease.is_valid(now):
        lease.expires_at = now + lease_duration()
        lease.save(update_fields=["expires_at"])
        return lease
    raise LeaseLost(_lost_message(lease, grader=grader, token=token, now=now))


def _lost_message(lease: GradingLease, *, grader: User, token: str, now: datetime) -> str:
    if lease.is_valid(now) and lease.holder_id != grader.pk:
        return str(_held_by_other(lease).message) + " " + _("Your changes were not saved.")
    if lease.holder_id is None and lease.broken_by is not None:
        return _("%(name)s released your lease at %(at)s, so your changes were not saved.") % {
            "name": lease.broken_by.full_name,
            "at": _clock(lease.broken_at),
        }
    if not token:
        return _("You do not hold the lease on this submission, so nothing was saved.")
    if lease.holder_id == grader.pk and lease.token != token and lease.is_valid(now):
        return _(
            "You opened this submission again in another window; save from the newest one. "
            "Your changes here were not saved."
        )
    return _("Your lease on this submission expired at %(at)s, so your changes were not saved.") % {
        "at": _clock(lease.expires_at)
    }


@transaction.atomic
def release_lease(*, grader: User, submission: Submission, token: str) -> bool:
    """Give the lease back (leaving the screen). Only the holder's own token releases it."""
    lease = _locked(submission)
    if lease.holder_id != grader.pk or not token or lease.token != token:
        return False
    lease.holder = None
    lease.token = ""
    lease.expires_at = None
    lease.save(update_fields=["holder", "token", "expires_at"])
    return True


@transaction.atomic
def break_lease(*, actor: User, submission: Submission) -> GradingLease:
    """A coordinator frees a submission someone holds (a grader who went home with it open).

    The former holder's next save or ping is refused and names who broke the lease and when.
    """
    if not actor.is_coordinator:
        raise SubmissionError(_("Only coordinators can break a grader's lease."))
    lease = _locked(submission)
    lease.holder = None
    lease.token = ""
    lease.expires_at = None
    lease.broken_by = actor
    lease.broken_at = timezone.now()
    lease.save(update_fields=["holder", "token", "expires_at", "broken_by", "broken_at"])
    return lease


def refuse_if_leased_by_other(*, grader: User, submission: Submission) -> None:
    """For writes that come without a lease token (scripts, other API clients): they may not
    write over a grader who has the submission open. Call inside the write's transaction."""
    lease = _locked(submission)
    if lease.is_valid() and lease.holder_id != grader.pk:
        raise _held_by_other(lease)


def hold_lease(*, grader: User, submission: Submission, token: str | None) -> None:
    """A write's lease check, inside the write's transaction: with a token (the grading screen)
    the grader's lease must still be valid and is renewed (``LeaseLost`` otherwise); without
    one (scripts, API clients) the write is refused while another grader holds the submission
    (``LeaseHeld``)."""
    if token is None:
        refuse_if_leased_by_other(grader=grader, submission=submission)
    else:
        renew_lease(grader=grader, submission=submission, token=token)


def current_lease(submission: Submission) -> GradingLease | None:
    """The submission's lease if someone holds it now (for display; takes no lock)."""
    lease = GradingLease.objects.select_related("holder").filter(submission=submission).first()
    return lease if lease is not None and lease.is_valid() else None
