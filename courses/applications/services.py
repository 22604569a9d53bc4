"""State changes of an application, from the public form to a place (docs/applications.md).

Views, the API, the periodic job and tests all call these. Every mail goes through the
outgoing-mail queue (``platform.mail.queue_mail``) inside the transaction that writes what it
reports, so an application is stored before anything is sent and a failed mail is retried.
"""

import datetime as dt
from enum import StrEnum
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.applications import links, mail
from courses.catalogue.cohorts import is_open_on
from courses.enrolment.services import AlreadyEnrolled, change_status, invite
from courses.exceptions import CoursesError
from courses.models import Application, Cohort, Enrollment
from platform.blobs import put_file
from platform.models import PrivacyNotice, User

Status = Application.Status


class Decision(StrEnum):
    ADMIT = "admit"
    WAITLIST = "waitlist"
    REJECT = "reject"


class ApplicationRefused(CoursesError):
    """Something about an application the domain refuses, with the reason for the person."""


class AlreadyApplied(ApplicationRefused):
    """The address has a live application for the cohort already (``Application.LIVE``)."""

    def __init__(self, message: str, *, application: Application) -> None:
        super().__init__(message)
        self.application = application


class CohortFull(ApplicationRefused):
    """Admission would exceed the cohort's capacity."""


# --- the rules ------------------------------------------------------------------------------


def accepts_applications(cohort: Cohort, *, today: dt.date | None = None) -> bool:
    """Whether the cohort takes applications today: the catalogue's one rule
    (``courses.catalogue.cohorts.is_open_on``, docs/catalogue.md)."""
    return is_open_on(cohort, today or timezone.localdate())


def places(cohort: Cohort) -> tuple[int, int | None]:
    """Places taken and places left (None: no capacity) in one query, by the catalogue's one
    count (``Cohort.objects.with_places_left``): enrolments invited, active, paused or
    completed, plus wait-list offers still open. Call it inside the transaction that locked
    the cohort when a place is about to be given."""
    counted: Any = Cohort.objects.with_places_left().get(pk=cohort.pk)
    left = None if counted.places_left is None else int(counted.places_left)
    return int(counted.places_taken), left


def places_taken(cohort: Cohort) -> int:
    return places(cohort)[0]


def places_left(cohort: Cohort) -> int | None:
    """Free places; None for a cohort without a capacity (no limit)."""
    return places(cohort)[1]


# --- applying and confirming ----------------------------------------------------------------


def live_application(cohort: Cohort, email: str) -> Application | None:
    return (
        Application.objects.filter(
            cohort=cohort, email__iexact=email.strip(), status__in=Application.LIVE
        )
        .order_by("pk")
        .first()
    )


def submit_application(
    *,
    cohort: Cohort,
    full_name: str,
    email: str,
    language: str,
    motivation: str,
    privacy_notice: PrivacyNotice,
    organisation: str = "",
    prior_knowledge: str = "",
    attachment: UploadedFile[bytes] | None = None,
    user: User | None = None,
) -> Application:
    """Store an application (unconfirmed) and queue the mail with its confirmation link.

    Raises ``ApplicationRefused`` for a cohort not open for applications and
    ``AlreadyApplied`` when the address has a live application for it (the caller may re-send
    its confirmation). The attachment's bytes are stored before the row (``platform.blobs``),
    so a crash leaves at most an unreferenced blob for the orphan sweep, never a row without
    its file."""
    if not accepts_applications(cohort):
        raise ApplicationRefused(_("This cohort does not accept applications (any more)."))
    if existing := live_application(cohort, email):
        raise AlreadyApplied(_already_applied_message(existing), application=existing)
    sha256, size, name = "", None, ""
    if attachment is not None:
        sha256, size = put_file(attachment)
        name = (attachment.name or "attachment")[-255:]
    try:
        with transaction.atomic():
            application = Application.objects.create(
                cohort=cohort,
                user=user,
                full_name=" ".join(full_name.split()),
                email=email.strip(),
                language=mail.applicant_language(language),
                organisation=organisation.strip(),
                prior_knowledge=prior_knowledge.strip(),
                motivation=motivation.strip(),
                attachment_sha256=sha256,
                attachment_name=name,
                attachment_size=size,
                privacy_notice=privacy_notice,
                consented_at=timezone.now(),
                status_changed_at=timezone.now(),
            )
            mail.queue_confirmation(application)
    except IntegrityError:  # the same address won a race for the same cohort
        existing = live_application(cohort, email)
        if existing is None:
            raise
        raise AlreadyApplied(_already_applied_message(existing), application=existing) from None
    return application


def _already_applied_message(existing: Application) -> str:
    if existing.status == Status.UNCONFIRMED:
        return _(
            "You have already applied for this cohort with this address. We have sent the link "
            "to confirm your e-mail address again."
        )
    return _(
        "You have already applied for this cohort with this address. We have sent you the link "
        "to your application's page again."
    )


@transaction.atomic
def send_link(application: Application) -> None:
    """A fresh link for someone who lost theirs or whose link expired: the confirmation link
    while the address is unconfirmed, else the link to the application's page."""
    if application.status == Status.UNCONFIRMED:
        mail.queue_confirmation(application)
    else:
        mail.queue_applicant_mail(application, "status_link", {})


@transaction.atomic
def confirm_email(application: Application) -> Application:
    """The address is confirmed: the application now counts and coordinators see it. Following
    the link again changes nothing."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status == Status.UNCONFIRMED:
        now = timezone.now()
        application.status = Status.SUBMITTED
        application.confirmed_at = now
        application.status_changed_at = now
        application.save(update_fields=["status", "confirmed_at", "status_changed_at"])
    return application


# --- the office's decisions -----------------------------------------------------------------


def default_message(application: Application, decision: Decision) -> str:
    """The message ``decision`` sends unless the coordinator edits it, in the applicant's
    language."""
    return mail.default_message(application, decision.value)


@transaction.atomic
def decide(
    *, application: Application, decision: Decision, message: str, actor: User
) -> Application:
    """Admit, wait-list or reject a submitted (or wait-listed) application, recording who and
    when, and queue ``message`` (as edited) to the applicant.

    Admission respects the cohort's capacity (``CohortFull``) and calls
    ``courses.enrolment.services.invite``: the account, the invited enrolment and the
    invitation's mail."""
    cohort = Cohort.objects.select_for_update().get(pk=application.cohort_id)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("cohort__program")
        .get(pk=application.pk)
    )
    allowed = (Status.SUBMITTED,) if decision == Decision.WAITLIST else Application.DECIDABLE
    if application.status not in allowed:
        raise ApplicationRefused(
            _("This application is %(status)s; that decision is not possible any more.")
            % {"status": application.get_status_display()}
        )
    now = timezone.now()
    fields = ["status", "status_changed_at", "decided_by", "decided_at", "decision_message"]
    if decision == Decision.ADMIT:
        if (left := places_left(cohort)) is not None and left <= 0:
            raise CohortFull(
                _(
                    "The cohort is full (%(capacity)s places taken). Put the application on "
                    "the wait list instead; it is offered the next place that frees up."
                )
                % {"capacity": cohort.capacity}
            )
        _admit(application, invited_by=actor)
        fields += ["user", "enrollment"]
        application.status = Status.ADMITTED
    elif decision == Decision.WAITLIST:
        application.status = Status.WAITLISTED
        _place_on_waitlist(application)
        fields.append("waitlist_position")
    else:
        application.status = Status.REJECTED
    application.status_changed_at = now
    application.decided_by = actor
    application.decided_at = now
    application.decision_message = message.strip()
    application.save(update_fields=fields)
    mail.queue_decision(application, decision.value)
    return application


def _admit(application: Application, *, invited_by: User | None) -> None:
    try:
        invited = invite(
            cohort=application.cohort,
            email=application.email,
            full_name=application.full_name,
            language=application.language,
            organisation=application.organisation,
            invited_by=invited_by,
        )
    except AlreadyEnrolled:
        raise ApplicationRefused(
            _("This person already has an active place in the cohort.")
        ) from None
    application.user = invited.enrollment.user
    application.enrollment = invited.enrollment


@transaction.atomic
def save_notes(*, application: Application, notes: str) -> Application:
    application.notes = notes.strip()
    application.save(update_fields=["notes"])
    return application


# --- the wait list ----------------------------------------------------------------------------


def waitlist(cohort: Cohort) -> list[Application]:
    """The wait-listed applications of the cohort in their order."""
    return list(
        Application.objects.filter(cohort=cohort, status=Status.WAITLISTED).order_by(
            "waitlist_position", "confirmed_at", "pk"
        )
    )


def _place_on_waitlist(application: Application) -> None:
    """Insert by confirmation time among those waiting (a coordinator's moves are kept)."""
    queue = [a for a in waitlist(application.cohort) if a.pk != application.pk]
    at = next(
        (
            i
            for i, other in enumerate(queue)
            if (other.confirmed_at or other.created_at)
            > (application.confirmed_at or application.created_at)
        ),
        len(queue),
    )
    queue.insert(at, application)
    _renumber(queue, skip=application)


def _renumber(queue: list[Application], *, skip: Application | None = None) -> None:
    for position, entry in enumerate(queue, start=1):
        if entry.waitlist_position != position:
            entry.waitlist_position = position
            if entry is not skip:
                entry.save(update_fields=["waitlist_position"])


@transaction.atomic
def move_on_waitlist(*, application: Application, by: int) -> None:
    """Move a wait-listed application ``by`` places (negative: towards the front)."""
    Cohort.objects.select_for_update().get(pk=application.cohort_id)
    queue = waitlist(application.cohort)
    index = next((i for i, a in enumerate(queue) if a.pk == application.pk), None)
    if index is None:
        raise ApplicationRefused(_("Only a wait-listed application can be moved."))
    entry = queue.pop(index)
    queue.insert(min(max(index + by, 0), len(queue)), entry)
    _renumber(queue)


@transaction.atomic
def offer_freed_places(cohort: Cohort) -> list[Application]:
    """Offer every free place to the next wait-listed applicants, in the wait list's order;
    returns the new offers. Idempotent: open offers hold their places, so calling it again
    offers nothing more. A cohort without a capacity has no places to free."""
    cohort = (
        Cohort.objects.select_for_update(of=("self",)).select_related("program").get(pk=cohort.pk)
    )
    left = places_left(cohort)
    if not left:
        return []
    now = timezone.now()
    expires = now + dt.timedelta(days=cohort.program.offer_response_days)
    offers = waitlist(cohort)[:left]
    for application in offers:
        application.status = Status.OFFERED
        application.status_changed_at = now
        application.offer_expires_at = expires
        application.save(update_fields=["status", "status_changed_at", "offer_expires_at"])
        token = links.status_token(application)
        mail.queue_applicant_mail(
            application,
            "offer",
            {
                "accept_url": links.absolute("applications:offer-accept", token),
                "decline_url": links.absolute("applications:offer-decline", token),
                "expires_at": expires,
            },
        )
    return offers


@transaction.atomic
def accept_offer(*, application: Application) -> Application:
    """The applicant takes the offered place: admitted, invited (``invite``)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.OFFERED:
        raise ApplicationRefused(_("There is no open offer of a place for this application."))
    if application.offer_expires_at is not None and application.offer_expires_at <= timezone.now():
        raise ApplicationRefused(_("The offer has expired."))
    _admit(application, invited_by=None)
    application.status = Status.ADMITTED
    application.status_changed_at = timezone.now()
    application.save(update_fields=["status", "status_changed_at", "user", "enrollment"])
    return application


@transaction.atomic
def decline_offer(*, application: Application) -> Application:
    """The applicant turns the offered place down: it goes to the next one on the list."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.OFFERED:
        raise ApplicationRefused(_("There is no open offer of a place for this application."))
    _close(application, Status.WITHDRAWN)
    offer_freed_places(application.cohort)
    return application


@transaction.atomic
def withdraw(*, application: Application) -> Application:
    """The applicant withdraws. An admitted applicant who has not yet accepted the invitation
    gives the place back (the enrolment is withdrawn, its links die), and a freed place goes
    to the wait list."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("enrollment")
        .get(pk=application.pk)
    )
    if not application.can_be_withdrawn:
        raise ApplicationRefused(_("This application can no longer be withdrawn here."))
    frees_a_place = application.status in (Status.OFFERED, Status.ADMITTED)
    enrollment = application.enrollment
    was_admitted = application.status == Status.ADMITTED
    _close(application, Status.WITHDRAWN)
    if was_admitted and enrollment is not None and enrollment.status == Enrollment.Status.INVITED:
        # Through enrolment's one state change: recorded in the history, links revoked.
        change_status(
            enrollment=enrollment,
            to=Enrollment.Status.WITHDRAWN,
            by=None,
            reason="The application was withdrawn before the place was taken.",
        )
    if frees_a_place:
        offer_freed_places(application.cohort)
    return application


def _close(application: Application, status: str) -> None:
    application.status = status
    application.status_changed_at = timezone.now()
    application.save(update_fields=["status", "status_changed_at"])


def expire_offers(*, now: dt.datetime | None = None) -> int:
    """Close every offer not answered in time and offer those places to the next in line;
    returns how many offers expired. Idempotent (the periodic job's work)."""
    now = now or timezone.now()
    expired = 0
    cohorts: set[int] = set()
    for pk in Application.objects.filter(
        status=Status.OFFERED, offer_expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("cohort__program")
                .filter(pk=pk, status=Status.OFFERED)
                .first()
            )
            if application is None:
                continue
            _close(application, Status.EXPIRED)
            mail.queue_applicant_mail(application, "offer_expired", {})
            cohorts.add(application.cohort_id)
            expired += 1
    for cohort in Cohort.objects.filter(pk__in=cohorts):
        offer_freed_places(cohort)
    return expired
