"""Inviting people into a cohort (docs/enrolment.md).

``invite`` is the one way into a cohort from outside the admin: admission of an application,
direct enrolment by a coordinator and each row of a bulk enrolment all call it.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from courses.models import Cohort, Enrollment, Invitation
from platform.mail import queue_mail_in_language
from platform.models import User


class AlreadyEnrolled(Exception):
    """The person already has an active or completed place in the cohort."""


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


def _new_account(*, email: str, full_name: str, language: str, organisation: str) -> User:
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


@transaction.atomic
def invite(
    *,
    cohort: Cohort,
    email: str,
    full_name: str = "",
    language: str = "",
    organisation: str = "",
    invited_by: User | None = None,
) -> Invited:
    """Give ``email`` a place in ``cohort`` in state *invited* and queue the invitation mail.

    The account is found by address or created (without a password); an earlier, still usable
    invitation to the same place is revoked, so only the newest link works. Raises
    ``AlreadyEnrolled`` for someone active or completed in the cohort."""
    user = find_account(email)
    created = user is None
    if user is None:
        user = _new_account(
            email=email, full_name=full_name, language=language, organisation=organisation
        )
    enrollment, _ = Enrollment.objects.select_for_update().get_or_create(
        user=user,
        cohort=cohort,
        defaults={
            "status": Enrollment.Status.INVITED,
            "status_changed_at": timezone.now(),
            "fee_status": Enrollment.FeeStatus.OPEN
            if cohort.fee > 0
            else Enrollment.FeeStatus.WAIVED,
        },
    )
    if enrollment.status in Enrollment.CURRENT:
        raise AlreadyEnrolled(str(enrollment))
    if enrollment.status != Enrollment.Status.INVITED:
        enrollment.status = Enrollment.Status.INVITED
        enrollment.status_reason = ""
        enrollment.status_changed_at = timezone.now()
        enrollment.save(update_fields=["status", "status_reason", "status_changed_at"])
    invitation, token = send_invitation(enrollment, invited_by=invited_by)
    return Invited(
        enrollment=enrollment, invitation=invitation, token=token, created_account=created
    )


@transaction.atomic
def send_invitation(
    enrollment: Enrollment, *, invited_by: User | None = None
) -> tuple[Invitation, str]:
    """A new link for an invited place (the first, or a re-send): earlier usable links die."""
    now = timezone.now()
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
    )
    return invitation, token


def usable_invitation(token: str) -> Invitation | None:
    """The invitation a link's token opens, if it still works."""
    return (
        Invitation.objects.usable()
        .filter(token_hash=hash_token(token))
        .select_related("enrollment__user", "enrollment__cohort__program")
        .first()
    )
