"""Inviting people into a cohort, accepting invitations, and every change of an enrolment's
state and fee status (docs/enrolment.md).

``invite`` is the one way into a cohort from outside the admin: admission of an application,
direct enrolment by a coordinator and each row of a bulk enrolment all call it.
``change_status`` is the one way an enrolment's state changes (``TRANSITIONS`` is its table);
``set_fee_status`` the one way its fee status changes. Every change is recorded as an
``EnrollmentEvent`` with who made it.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.certificates.services import issue_certificate_if_complete
from courses.exceptions import CoursesError
from courses.models import (
    Cohort,
    Enrollment,
    EnrollmentEvent,
    FeeRequirement,
    Invitation,
)
from courses.progress import recompute_progress
from platform.mail import queue_mail_in_language
from platform.models import User

Status = Enrollment.Status
FeeStatus = Enrollment.FeeStatus


class AlreadyEnrolled(CoursesError):
    """The person already has a place (active, paused or completed) in the cohort."""


class TransitionRefused(CoursesError):
    """The enrolment cannot go from its state to the one asked for (``TRANSITIONS``)."""


class InvitationUnusable(CoursesError):
    """The link is used, expired, revoked, unknown, or meant for another account."""


# Which state may follow which. Entering *active* from *invited* happens only by accepting the
# invitation (``accept_invitation``, or the fee being settled after it); *invited* is entered
# again only through ``invite`` (a withdrawn person invited anew). Withdrawing keeps all data.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.INVITED: frozenset({Status.ACTIVE, Status.WITHDRAWN}),
    Status.ACTIVE: frozenset({Status.PAUSED, Status.WITHDRAWN, Status.COMPLETED}),
    Status.PAUSED: frozenset({Status.ACTIVE, Status.WITHDRAWN}),
    Status.WITHDRAWN: frozenset({Status.INVITED}),
    Status.COMPLETED: frozenset({Status.ACTIVE}),
}
# The transitions a coordinator makes by hand (the others follow from invitations and fees).
COORDINATOR_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.INVITED: frozenset({Status.WITHDRAWN}),
    Status.ACTIVE: frozenset({Status.PAUSED, Status.WITHDRAWN, Status.COMPLETED}),
    Status.PAUSED: frozenset({Status.ACTIVE, Status.WITHDRAWN}),
    Status.WITHDRAWN: frozenset(),
    Status.COMPLETED: frozenset({Status.ACTIVE}),
}


@dataclass(frozen=True)
class Invited:
    enrollment: Enrollment
    invitation: Invitation
    # The token of the link, known only here and in the e-mail (only its hash is stored).
    token: str
    created_account: bool


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("enrolment:accept", args=[token])


def find_account(email: str) -> User | None:
    """The account an address belongs to (case-insensitive), if any."""
    return User.objects.filter(email__iexact=email.strip()).order_by("pk").first()


def _unique_username(email: str) -> str:
    base = email.split("@", 1)[0].lower()[:120] or "participant"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def new_account(*, email: str, full_name: str, language: str, organisation: str = "") -> User:
    """An account for someone invited by e-mail (an enrolment or a tandem), without a usable
    password: the invitation link sets it."""
    user = User(
        username=_unique_username(email),
        email=email.strip(),
        display_name=" ".join(full_name.split()),
        preferred_language=language,
        organisation=organisation,
    )
    user.set_unusable_password()  # the invitation's link sets it (or single sign-on is used)
    user.save()
    return user


def _record(
    enrollment: Enrollment,
    *,
    kind: str,
    old: str,
    new: str,
    by: User | None,
    reason: str = "",
) -> None:
    EnrollmentEvent.objects.create(
        enrollment=enrollment, kind=kind, old=old, new=new, by=by, reason=reason
    )


def _set_status(enrollment: Enrollment, to: str, *, by: User | None, reason: str = "") -> None:
    old = enrollment.status
    enrollment.status = to
    enrollment.status_reason = reason
    enrollment.status_changed_at = timezone.now()
    enrollment.status_changed_by = by
    enrollment.save(
        update_fields=["status", "status_reason", "status_changed_at", "status_changed_by"]
    )
    _record(enrollment, kind=EnrollmentEvent.Kind.STATUS, old=old, new=to, by=by, reason=reason)


@transaction.atomic
def invite(
    *,
    cohort: Cohort,
    email: str,
    full_name: str = "",
    language: str = "",
    organisation: str = "",
    invited_by: User | None = None,
    deliver_now: bool = True,
) -> Invited:
    """Give ``email`` a place in ``cohort`` in state *invited* and queue the invitation mail.

    The account is found by address or created (without a password); an earlier, still usable
    invitation to the same place is revoked, so only the newest link works (inviting an invited
    person again sends a new link). A withdrawn person is invited anew. Raises
    ``AlreadyEnrolled`` for someone active, paused or completed in the cohort."""
    user = find_account(email)
    created = user is None
    place = {
        "status": Status.INVITED,
        "status_changed_at": timezone.now(),
        "status_changed_by": invited_by,
        "fee_status": FeeStatus.OPEN if cohort.fee > 0 else FeeStatus.WAIVED,
    }
    if user is None:
        user = new_account(
            email=email, full_name=full_name, language=language, organisation=organisation
        )
        # A new account has no place anywhere yet (and bulk enrolment makes hundreds).
        enrollment, new_place = Enrollment.objects.create(user=user, cohort=cohort, **place), True
    else:
        enrollment, new_place = Enrollment.objects.select_for_update().get_or_create(
            user=user, cohort=cohort, defaults=place
        )
    if new_place:
        _record(
            enrollment, kind=EnrollmentEvent.Kind.STATUS, old="", new=Status.INVITED, by=invited_by
        )
    elif enrollment.status == Status.WITHDRAWN:
        _set_status(enrollment, Status.INVITED, by=invited_by)
    elif enrollment.status != Status.INVITED:
        raise AlreadyEnrolled(
            _("%(name)s already has a place in this cohort (%(state)s).")
            % {"name": user.full_name, "state": enrollment.get_status_display()}
        )
    invitation, token = _send_invitation(
        enrollment, invited_by=invited_by, deliver_now=deliver_now, first=new_place
    )
    return Invited(
        enrollment=enrollment, invitation=invitation, token=token, created_account=created
    )


@transaction.atomic
def send_invitation(
    enrollment: Enrollment, *, invited_by: User | None = None, deliver_now: bool = True
) -> tuple[Invitation, str]:
    """A new link for an invited place (the first, or a re-send): earlier usable links die.
    ``deliver_now=False`` leaves the mail to the worker (``platform.mail.queue_mail``)."""
    return _send_invitation(enrollment, invited_by=invited_by, deliver_now=deliver_now)


def _send_invitation(
    enrollment: Enrollment,
    *,
    invited_by: User | None,
    deliver_now: bool,
    first: bool = False,
) -> tuple[Invitation, str]:
    """``send_invitation`` inside the caller's transaction; ``first``: a new place, which has
    no earlier link to revoke."""
    now = timezone.now()
    if not first:
        enrollment.invitations.usable().update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        enrollment=enrollment,
        token_hash=hash_token(token),
        created_by=invited_by,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
    )
    user = enrollment.user
    cohort = enrollment.cohort
    queue_mail_in_language(
        to=user.email,
        language=user.preferred_language or cohort.program.language,
        template="courses/enrolment/mail/invitation",
        context={
            "name": user.full_name,
            "program": cohort.program.title,
            "cohort": cohort.name,
            "url": invitation_url(token),
            "expires_at": invitation.expires_at,
            "has_password": user.has_usable_password(),
        },
        topic=f"invitation {invitation.pk}",
        deliver_now=deliver_now,
    )
    _record(enrollment, kind=EnrollmentEvent.Kind.INVITATION, old="", new="sent", by=invited_by)
    return invitation, token


def usable_invitation(token: str) -> Invitation | None:
    """The invitation a link's token opens, if it still works."""
    return (
        Invitation.objects.usable()
        .filter(token_hash=hash_token(token))
        .select_related("enrollment__user", "enrollment__cohort__program")
        .first()
    )


@transaction.atomic
def resend_invitation(*, enrollment: Enrollment, by: User) -> tuple[Invitation, str]:
    """A coordinator sends an invited person a new link (the old one stops working)."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status != Status.INVITED:
        raise TransitionRefused(_("Only an invited person can be sent a new invitation."))
    if enrollment.invitations.filter(accepted_at__isnull=False).exists():
        raise TransitionRefused(_("The invitation has been accepted; the place waits for the fee."))
    return send_invitation(enrollment, invited_by=by)


@transaction.atomic
def revoke_invitation(*, enrollment: Enrollment, by: User) -> int:
    """Make the person's open links stop working; the place stays *invited* (withdraw it, or
    send a new link). Returns how many links were revoked."""
    revoked = enrollment.invitations.usable().update(revoked_at=timezone.now())
    if not revoked:
        raise TransitionRefused(_("There is no usable invitation to revoke."))
    _record(enrollment, kind=EnrollmentEvent.Kind.INVITATION, old="sent", new="revoked", by=by)
    return revoked


def fee_holds_admission(enrollment: Enrollment) -> bool:
    """Whether the program makes the place final only once the fee is paid or waived."""
    cohort = enrollment.cohort
    return (
        cohort.program.fee_required == FeeRequirement.ADMISSION
        and cohort.fee > 0
        and enrollment.fee_status == FeeStatus.OPEN
    )


def _activate(enrollment: Enrollment, *, by: User | None) -> None:
    _set_status(enrollment, Status.ACTIVE, by=by)
    recompute_progress(enrollments=[enrollment])


@transaction.atomic
def accept_invitation(*, token: str, user: User, password: str | None = None) -> Enrollment:
    """Accept the invitation ``token`` opens, as ``user`` (who must be the invited person).

    Sets the password when given (the form validated it), marks the address verified (the link
    proves it), and makes the place *active*, unless the fee must be paid first: then it stays
    *invited* until ``set_fee_status`` records the fee as paid or waived. The invitation row is
    locked, so two clicks (or two tabs) accept once."""
    invitation = (
        Invitation.objects.select_for_update().usable().filter(token_hash=hash_token(token)).first()
    )
    if invitation is None:
        raise InvitationUnusable(_("This invitation link no longer works."))
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("cohort__program", "user")
        .get(pk=invitation.enrollment_id)
    )
    if enrollment.user_id != user.pk:
        raise InvitationUnusable(_("This invitation is meant for another account."))
    if not user.is_active:  # a deactivated account is not opened again by an old link
        raise InvitationUnusable(_("This invitation link no longer works."))
    if enrollment.status != Status.INVITED:
        raise InvitationUnusable(_("This invitation link no longer works."))
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    verify_address(user)
    _record(enrollment, kind=EnrollmentEvent.Kind.INVITATION, old="sent", new="accepted", by=user)
    if not fee_holds_admission(enrollment):
        _activate(enrollment, by=user)
    return enrollment


def verify_address(user: User) -> None:
    """The link reached this address: allauth may treat it as verified and primary."""
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).update(primary=False)
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    else:
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])


@transaction.atomic
def change_status(
    *, enrollment: Enrollment, to: str, by: User | None, reason: str = ""
) -> Enrollment:
    """A coordinator's change of state: pause, resume, withdraw (with a reason; work, grades and
    certificates are kept), mark completed, reopen. ``COORDINATOR_TRANSITIONS`` says which."""
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("cohort__program", "user")
        .get(pk=enrollment.pk)
    )
    reason = reason.strip()
    if to not in COORDINATOR_TRANSITIONS.get(enrollment.status, frozenset()):
        raise TransitionRefused(
            _("A place that is %(old)s cannot become %(new)s.")
            % {"old": enrollment.get_status_display(), "new": Status(to).label}
            if to in Status.values
            else _("Unknown state.")
        )
    assert to in TRANSITIONS[enrollment.status], "coordinator moves are allowed moves"
    if to == Status.WITHDRAWN and not reason:
        raise TransitionRefused(_("A withdrawal needs a reason."))
    if to == Status.ACTIVE:
        _activate(enrollment, by=by)
    else:
        _set_status(enrollment, to, by=by, reason=reason)
    if to == Status.WITHDRAWN:
        enrollment.invitations.usable().update(revoked_at=timezone.now())
        # The place is free again: the next wait-listed applicant is offered it. Imported here
        # because courses.applications admits through this module's ``invite``.
        from courses.applications.services import offer_freed_places

        offer_freed_places(enrollment.cohort)
    return enrollment


@transaction.atomic
def set_fee_status(*, enrollment: Enrollment, fee_status: str, by: User | None) -> Enrollment:
    """Record the fee as open, paid or waived. An accepted place that waited for the fee
    becomes active once it is paid or waived; a certificate that waited for it is issued."""
    if fee_status not in FeeStatus.values:
        raise TransitionRefused(_("Unknown fee status."))
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("cohort__program", "user")
        .get(pk=enrollment.pk)
    )
    old = enrollment.fee_status
    if old == fee_status:
        return enrollment
    enrollment.fee_status = fee_status
    enrollment.save(update_fields=["fee_status"])
    _record(enrollment, kind=EnrollmentEvent.Kind.FEE, old=old, new=fee_status, by=by)
    if (
        enrollment.status == Status.INVITED
        and not fee_holds_admission(enrollment)
        and enrollment.invitations.filter(accepted_at__isnull=False).exists()
    ):
        _activate(enrollment, by=by)
    elif enrollment.status in Enrollment.CURRENT and fee_status != FeeStatus.OPEN:
        # A certificate that waited for the fee (``fee_holds_certificate``) is issued now.
        issue_certificate_if_complete(enrollment=enrollment)
    return enrollment
