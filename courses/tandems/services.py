"""Every state change of tandems (docs/tandems.md): profiles, inviting students, pairing (by
hand or from the proposal), ending a tandem, meetings, the reflection and its grade, and
requests for a new partner. Pages, the API, the demo and tests all call these.

A change that moves a senior's standing (a meeting logged or deleted, a reflection handed in or
graded) recomputes their progress and issues the certificate if that completed the program
(``issue_certificate_if_complete``), in the same transaction.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from courses.certificates.services import issue_certificate_if_complete
from courses.enrolment.services import find_account, hash_token, new_account, verify_address
from courses.exceptions import CoursesError
from courses.models import (
    Cohort,
    Enrollment,
    LanguageLevel,
    Module,
    PartnerRequest,
    Tandem,
    TandemMeeting,
    TandemProfile,
    TandemReflection,
    TandemStudent,
)
from courses.requirements import Reflection
from platform.mail import queue_mail_in_language, recipient_language
from platform.models import NotificationKind, User
from platform.notifications.services import notify, wants_email

REFLECTION_MAX_CHARS = 5000


class TandemRefused(CoursesError):
    """The tandem action is not possible now (the message says why)."""


@dataclass(frozen=True)
class InvitedStudent:
    student: TandemStudent
    token: str  # known only here and in the e-mail; only its hash is stored
    created_account: bool


# --- telling people -------------------------------------------------------------------------


def _tell(user: User, *, message: str, values: dict[str, str], url: str, language: str) -> None:
    """A notification (``message`` marked with ``gettext_noop``), and an e-mail if the person
    keeps that choice (``wants_email``), worded in their language."""
    notification = notify(
        user=user, kind=NotificationKind.TANDEM, message=message, values=values, url=url
    )
    if user.email and wants_email(user, NotificationKind.TANDEM):
        queue_mail_in_language(
            to=user.email,
            language=recipient_language(user, fallback=language),
            template="courses/tandems/mail/notice",
            context={
                "name": user.full_name,
                "notification": notification,
                "url": settings.SITE_URL + url,
            },
            topic=f"tandem notification {notification.pk}",
        )


# --- profiles and students ------------------------------------------------------------------


@transaction.atomic
def save_profile(
    *,
    user: User,
    languages: Sequence[tuple[str, str]],
    interests: Sequence[str],
    availability: str,
) -> TandemProfile:
    """Store what the matching reads: languages (code, level; one level per language, the first
    given wins), interests (lower case, each once) and availability."""
    spoken: dict[str, str] = {}
    for code, level in languages:
        if level not in LanguageLevel.values:
            raise TandemRefused(_("Unknown language level."))
        spoken.setdefault(code, level)
    tags = list(dict.fromkeys(" ".join(t.split()).lower() for t in interests if t.strip()))
    profile, _created = TandemProfile.objects.update_or_create(
        user=user,
        defaults={
            "languages": [[code, level] for code, level in spoken.items()],
            "interests": tags,
            "availability": availability.strip(),
            "updated_at": timezone.now(),
        },
    )
    return profile


def join_url(token: str) -> str:
    return settings.SITE_URL + reverse("tandems:join", args=[token])


@transaction.atomic
def invite_student(
    *, cohort: Cohort, email: str, full_name: str, language: str, invited_by: User
) -> InvitedStudent:
    """Add a student to the cohort's tandem pool and mail them a link (valid
    ``INVITATION_DAYS``). The account is found by address or created without a password, as
    for enrolment invitations; inviting again sends a new link and the old one dies."""
    user = find_account(email)
    created = user is None
    if user is None:
        user = new_account(email=email, full_name=full_name, language=language)
    if Enrollment.objects.filter(cohort=cohort, user=user).exists():
        raise TandemRefused(_("This person is a participant of the cohort, not a student guest."))
    token = secrets.token_urlsafe(32)
    student, _new = TandemStudent.objects.update_or_create(
        cohort=cohort,
        user=user,
        defaults={
            "invited_by": invited_by,
            "invited_at": timezone.now(),
            "token_hash": hash_token(token),
            "expires_at": timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        },
    )
    queue_mail_in_language(
        to=user.email,
        language=recipient_language(user, fallback=cohort.program.language),
        template="courses/tandems/mail/invitation",
        context={
            "name": user.full_name,
            "program": cohort.program.title,
            "url": join_url(token),
            "expires_at": student.expires_at,
            "has_password": user.has_usable_password(),
        },
        topic=f"tandem invitation {student.pk}",
    )
    return InvitedStudent(student=student, token=token, created_account=created)


def usable_student_invitation(token: str) -> TandemStudent | None:
    """The place in a tandem pool a link's token opens, if the link still works."""
    return (
        TandemStudent.objects.filter(token_hash=hash_token(token), expires_at__gt=timezone.now())
        .select_related("user", "cohort__program")
        .first()
    )


@transaction.atomic
def join_as_student(*, token: str, user: User, password: str | None = None) -> TandemStudent:
    """Accept a tandem invitation as ``user`` (who must be the invited person): the link works
    once; a password chosen on the page is set; the address counts as verified."""
    student = (
        TandemStudent.objects.select_for_update()
        .filter(token_hash=hash_token(token), expires_at__gt=timezone.now())
        .first()
    )
    if student is None or not user.is_active:
        raise TandemRefused(_("This invitation link no longer works."))
    if student.user_id != user.pk:
        raise TandemRefused(_("This invitation is meant for another account."))
    student.token_hash = None
    student.joined_at = student.joined_at or timezone.now()
    student.save(update_fields=["token_hash", "joined_at"])
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    verify_address(user)
    return student


# --- pairing --------------------------------------------------------------------------------


def tandem_url(tandem: Tandem) -> str:
    return reverse("tandems:detail", args=[tandem.pk])


def _require_coordinator(cohort: Cohort, by: User) -> None:
    if not cohort.program.is_coordinated_by(by):
        raise TandemRefused(_("Only the program's coordinators pair tandems."))


@transaction.atomic
def pair(*, cohort: Cohort, module: Module, senior: Enrollment, student: User, by: User) -> Tandem:
    """Pair a participant of the cohort with a student of its tandem pool for a tandem module,
    and tell both. Someone already in a current tandem of the module is refused (end that
    tandem first: its log stays with it)."""
    _require_coordinator(cohort, by)
    if module.program_id != cohort.program_id or module.tandem_meetings is None:
        raise TandemRefused(_("This is not a tandem module of the cohort's program."))
    if senior.cohort_id != cohort.pk or senior.status not in Enrollment.CURRENT:
        raise TandemRefused(_("Only current participants of the cohort can be paired."))
    if not TandemStudent.objects.filter(cohort=cohort, user=student).exists():
        raise TandemRefused(_("Only students invited to the cohort's tandems can be paired."))
    current = Tandem.objects.current().filter(module=module)
    if current.filter(senior=senior).exists() or current.filter(student=student).exists():
        raise TandemRefused(
            _("%(senior)s or %(student)s already has a partner in this module.")
            % {"senior": senior.user.full_name, "student": student.full_name}
        )
    try:
        with transaction.atomic():
            tandem = Tandem.objects.create(
                cohort=cohort, module=module, senior=senior, student=student, paired_by=by
            )
    except IntegrityError as error:  # paired at the same moment in another tab
        raise TandemRefused(_("One of them was paired at the same moment.")) from error
    url = tandem_url(tandem)
    for person, partner in ((senior.user, student), (student, senior.user)):
        _tell(
            person,
            message=gettext_noop("You have a tandem partner: %(partner)s (%(module)s)"),
            values={"partner": partner.full_name, "module": module.title},
            url=url,
            language=cohort.program.language,
        )
    return tandem


@transaction.atomic
def end_tandem(*, tandem: Tandem, by: User) -> Tandem:
    """End a tandem so both can be paired anew; its meetings, reflection and requests stay with
    it (history), and its open requests for a new partner are resolved."""
    _require_coordinator(tandem.cohort, by)
    tandem = Tandem.objects.select_for_update().get(pk=tandem.pk)
    if tandem.ended_at is not None:
        raise TandemRefused(_("This tandem has ended already."))
    now = timezone.now()
    tandem.ended_at, tandem.ended_by = now, by
    tandem.save(update_fields=["ended_at", "ended_by"])
    tandem.partner_requests.open().update(resolved_at=now, resolved_by=by)
    return tandem


# --- meetings -------------------------------------------------------------------------------


def _require_member(tandem: Tandem, user: User) -> None:
    if user.pk not in (tandem.senior.user_id, tandem.student_id):
        raise TandemRefused(_("Only the two partners of the tandem can do this."))
    # Read again (locked): the coordinator may have ended it since the page was loaded.
    if Tandem.objects.select_for_update().filter(pk=tandem.pk, ended_at__isnull=False).exists():
        raise TandemRefused(_("This tandem has ended; its log is kept as it is."))


def _progress_moved(tandem: Tandem) -> None:
    issue_certificate_if_complete(enrollment=tandem.senior)


@transaction.atomic
def log_meeting(
    *, tandem: Tandem, by: User, met_on: date, minutes: int, topic: str, note: str = ""
) -> TandemMeeting:
    """One side logs a meeting (not in the future). Both may log the same meeting: progress
    counts distinct dates."""
    _require_member(tandem, by)
    if met_on > timezone.localdate():
        raise TandemRefused(_("A meeting cannot be logged before it took place."))
    meeting = TandemMeeting.objects.create(
        tandem=tandem,
        logged_by=by,
        met_on=met_on,
        minutes=minutes,
        topic=topic.strip(),
        note=note.strip(),
    )
    _progress_moved(tandem)
    return meeting


@transaction.atomic
def delete_meeting(*, meeting: TandemMeeting, by: User) -> None:
    """Whoever logged a meeting may delete it while the tandem is current."""
    _require_member(meeting.tandem, by)
    if meeting.logged_by_id != by.pk:
        raise TandemRefused(_("Only who logged a meeting can delete it."))
    tandem = meeting.tandem
    meeting.delete()
    _progress_moved(tandem)


# --- the reflection -------------------------------------------------------------------------


def _reflection_for_writing(tandem: Tandem, by: User) -> TandemReflection:
    _require_member(tandem, by)
    if by.pk != tandem.senior.user_id:
        raise TandemRefused(_("The reflection is written by the program's participant."))
    reflection, _created = TandemReflection.objects.select_for_update().get_or_create(tandem=tandem)
    if reflection.state in (Reflection.SUBMITTED, Reflection.ACCEPTED):
        raise TandemRefused(_("The reflection is handed in; it cannot be changed now."))
    return reflection


def _check_length(text: str) -> None:
    if len(text) > REFLECTION_MAX_CHARS:
        raise TandemRefused(
            _("The reflection may have at most %(n)d characters.") % {"n": REFLECTION_MAX_CHARS}
        )


@transaction.atomic
def save_reflection_draft(*, tandem: Tandem, by: User, text: str) -> TandemReflection:
    """Keep the text typed so far (the page saves it while the senior types)."""
    _check_length(text)
    reflection = _reflection_for_writing(tandem, by)
    reflection.draft, reflection.draft_saved_at = text, timezone.now()
    reflection.save(update_fields=["draft", "draft_saved_at"])
    return reflection


@transaction.atomic
def submit_reflection(*, tandem: Tandem, by: User, text: str) -> TandemReflection:
    """Hand the reflection in for a pass / not yet; after "not yet" it is handed in again."""
    text = text.strip()
    if not text:
        raise TandemRefused(_("Please write your reflection before handing it in."))
    _check_length(text)
    reflection = _reflection_for_writing(tandem, by)
    now = timezone.now()
    reflection.draft = reflection.text = text
    reflection.draft_saved_at = reflection.submitted_at = now
    reflection.state = Reflection.SUBMITTED
    reflection.save(update_fields=["draft", "text", "draft_saved_at", "submitted_at", "state"])
    _progress_moved(tandem)
    return reflection


@transaction.atomic
def grade_reflection(
    *, tandem: Tandem, by: User, accepted: bool, feedback: str = ""
) -> TandemReflection:
    """Pass or "not yet" for a handed-in reflection, by a coordinator or an instructor of the
    cohort; the senior is told."""
    if (
        not tandem.cohort.program.is_coordinated_by(by)
        and not tandem.cohort.instructors.filter(pk=by.pk).exists()
    ):
        raise TandemRefused(_("Only the cohort's instructors and coordinators grade reflections."))
    reflection = TandemReflection.objects.select_for_update().filter(tandem=tandem).first()
    if reflection is None or reflection.state != Reflection.SUBMITTED:
        raise TandemRefused(_("There is no handed-in reflection waiting for a grade."))
    reflection.state = Reflection.ACCEPTED if accepted else Reflection.NOT_YET
    reflection.graded_at, reflection.graded_by = timezone.now(), by
    reflection.feedback = feedback.strip()
    reflection.save(update_fields=["state", "graded_at", "graded_by", "feedback"])
    _tell(
        tandem.senior.user,
        message=(
            gettext_noop("Your tandem reflection passed (%(module)s)")
            if accepted
            else gettext_noop("Your tandem reflection needs another look (%(module)s)")
        ),
        values={"module": tandem.module.title},
        url=reverse("tandems:reflection", args=[tandem.pk]),
        language=tandem.cohort.program.language,
    )
    _progress_moved(tandem)
    return reflection


# --- a new partner --------------------------------------------------------------------------


def _coordinators(cohort: Cohort) -> list[User]:
    """Who is told of a request: the program's own coordinators; a program without any is run
    by staff (``Program.is_coordinated_by``), so then every active staff member."""
    named = list(cohort.program.coordinators.filter(is_active=True))
    return named or list(User.objects.filter(is_staff=True, is_active=True).order_by("pk"))


@transaction.atomic
def request_new_partner(*, tandem: Tandem, by: User, reason: str) -> PartnerRequest:
    """One side asks the coordinators for a new partner; the reason is for them only. The
    program's coordinators are told."""
    _require_member(tandem, by)
    reason = reason.strip()
    if not reason:
        raise TandemRefused(_("Please give the coordinators a reason."))
    if tandem.partner_requests.open().filter(requested_by=by).exists():
        raise TandemRefused(_("You have asked for a new partner already; the request is open."))
    request = PartnerRequest.objects.create(tandem=tandem, requested_by=by, reason=reason)
    cohort = tandem.cohort
    for coordinator in _coordinators(cohort):
        _tell(
            coordinator,
            message=gettext_noop("%(name)s asks for a new tandem partner (%(cohort)s)"),
            values={"name": by.full_name, "cohort": cohort.name},
            url=reverse("tandems:cohort", args=[cohort.pk]),
            language=cohort.program.language,
        )
    return request


@transaction.atomic
def close_partner_request(*, request: PartnerRequest, by: User) -> PartnerRequest:
    """A coordinator closes a request without re-pairing (e.g. after talking to both)."""
    _require_coordinator(request.tandem.cohort, by)
    if request.resolved_at is not None:
        raise TandemRefused(_("This request is closed already."))
    request.resolved_at, request.resolved_by = timezone.now(), by
    request.save(update_fields=["resolved_at", "resolved_by"])
    return request
