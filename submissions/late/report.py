"""Frozen grades that do not follow an assignment's late rules, and the grades a change
recomputed, as a page or the API shows them (late work and rubric changes alike).

``stale_frozen_grades`` finds them; this module decides what one user is told: only
their own cohorts' participants (every cohort for coordinators), named the way graders see
them (a pseudonym while the assignment is graded anonymously), and the unfreeze page only to
those who may unfreeze (a link names the enrolment, which would undo a pseudonym).

The same holds for personal extensions: a participant is chosen and shown by the name graders
see, and named in forms and the API by an opaque reference (``participant_ref``), never by the
enrolment's id, which other pages show next to the real name.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from courses.models import Assignment, Cohort, Enrollment, Extension
from platform.models import User
from submissions.late.services import FrozenGrade
from submissions.models import Review
from submissions.reviewing.anonymity import participant_label, participant_name
from submissions.reviewing.queue import grading_cohorts


@dataclass(frozen=True)
class FrozenRow:
    label: str
    grade: FrozenGrade
    unfreeze_url: str | None


def cohorts_of(user: User, assignment: Assignment) -> QuerySet[Cohort]:
    """The assignment's cohorts whose late work the user manages."""
    return grading_cohorts(user).filter(program_id=assignment.module.program_id)


def frozen_rows(
    *, user: User, assignment: Assignment, grades: Iterable[FrozenGrade]
) -> list[FrozenRow]:
    """The frozen grades of the user's cohorts, labelled and sorted by label."""
    allowed = set(cohorts_of(user, assignment).values_list("pk", flat=True))
    can_unfreeze = assignment.module.program.is_coordinated_by(user)
    rows = [
        FrozenRow(
            label=participant_label(grade.submission),
            grade=grade,
            unfreeze_url=reverse("courses:grade-freeze", args=[grade.submission.enrollment_id])
            if can_unfreeze
            else None,
        )
        for grade in grades
        if grade.submission.enrollment.cohort_id in allowed
    ]
    return sorted(rows, key=lambda row: (row.label, row.grade.submission.attempt_no))


@dataclass(frozen=True)
class RecomputedRow:
    """A participant whose released grade a change recorded again, as graders see them."""

    label: str
    cohort: Cohort
    review: Review


def recomputed_rows(
    *, user: User, assignment: Assignment, reviews: Iterable[Review]
) -> list[RecomputedRow]:
    """The recomputed grades of the user's cohorts, labelled and sorted by cohort and label.

    Whoever may change a setting that reaches several cohorts grades all of them
    (``courses.access.require_assignment_manager``), so this names everyone it reached."""
    allowed = {cohort.pk: cohort for cohort in cohorts_of(user, assignment)}
    rows = [
        RecomputedRow(
            label=participant_label(review.submission),
            cohort=allowed[review.submission.enrollment.cohort_id],
            review=review,
        )
        for review in reviews
        if review.submission.enrollment.cohort_id in allowed
    ]
    return sorted(rows, key=lambda row: (row.cohort.name, row.label, row.review.pk))


def recomputed_message(rows: Iterable[RecomputedRow]) -> str:
    """The pages' line naming whose released grades a change recorded again ("" for none)."""
    names = "; ".join(f"{row.label} ({row.cohort.name})" for row in rows)
    return _("Recomputed: %(participants)s.") % {"participants": names} if names else ""


@dataclass(frozen=True)
class Participant:
    """A participant of one of the user's cohorts, as graders of the assignment see them."""

    ref: str
    label: str
    enrollment: Enrollment


@dataclass(frozen=True)
class PersonalExtensionRow:
    participant: Participant
    extension: Extension


def participant_ref(assignment: Assignment, enrollment_id: int) -> str:
    """An opaque, stable reference to an enrolment for this assignment's late work (an HMAC
    under ``SECRET_KEY``): it cannot be matched to an enrolment id shown elsewhere."""
    digest = salted_hmac(
        "certlab.extension-participant", f"{assignment.pk}:{enrollment_id}", algorithm="sha256"
    )
    return digest.hexdigest()[:20]


def participants_of(user: User, assignment: Assignment) -> list[Participant]:
    """The current participants of the user's cohorts, sorted by cohort and shown name (not
    by their real name, which the order would give away under a pseudonym)."""
    enrollments = (
        Enrollment.objects.current()
        .filter(cohort__in=cohorts_of(user, assignment))
        .select_related("user", "cohort")
    )
    rows = [_participant(assignment, enrollment) for enrollment in enrollments]
    return sorted(rows, key=lambda row: (row.enrollment.cohort.name, row.label, row.ref))


def cohort_extensions(user: User, assignment: Assignment) -> QuerySet[Extension]:
    """The active (not revoked) extensions of the user's cohorts, newest first."""
    return (
        Extension.objects.active()
        .filter(assignment=assignment, cohort__in=cohorts_of(user, assignment))
        .select_related("cohort", "granted_by")
        .order_by("-granted_at", "-pk")
    )


def personal_extensions(user: User, assignment: Assignment) -> list[PersonalExtensionRow]:
    """The active (not revoked) personal extensions of the assignment in the user's cohorts,
    newest first."""
    extensions = (
        Extension.objects.active()
        .filter(assignment=assignment, enrollment__cohort__in=cohorts_of(user, assignment))
        .select_related("enrollment__user", "enrollment__cohort", "granted_by")
        .order_by("-granted_at", "-pk")
    )
    return [
        PersonalExtensionRow(
            participant=_participant(assignment, extension.enrollment),
            extension=extension,
        )
        for extension in extensions
        if extension.enrollment is not None
    ]


@dataclass(frozen=True)
class RevokedExtensionRow:
    """A revoked extension of a cohort (``participant`` None) or of one participant."""

    participant: Participant | None
    extension: Extension

    @property
    def label(self) -> str:
        """The participant as graders see them, else the cohort's name."""
        if self.participant is not None:
            return self.participant.label
        assert self.extension.cohort is not None
        return self.extension.cohort.name


def revoked_extensions(user: User, assignment: Assignment) -> list[RevokedExtensionRow]:
    """The revoked extensions of the user's cohorts and their participants, most recently
    revoked first, in one query."""
    cohorts = cohorts_of(user, assignment)
    extensions = (
        Extension.objects.filter(assignment=assignment, revoked_at__isnull=False)
        .filter(Q(cohort__in=cohorts) | Q(enrollment__cohort__in=cohorts))
        .select_related(
            "cohort", "enrollment__user", "enrollment__cohort", "granted_by", "revoked_by"
        )
        .order_by("-revoked_at", "-pk")
    )
    return [
        RevokedExtensionRow(participant=participant_of(assignment, extension), extension=extension)
        for extension in extensions
    ]


def participant_of(assignment: Assignment, extension: Extension) -> Participant | None:
    """The participant of a personal extension as graders see them; None for a cohort's."""
    if extension.enrollment is None:
        return None
    return _participant(assignment, extension.enrollment)


def _participant(assignment: Assignment, enrollment: Enrollment) -> Participant:
    return Participant(
        ref=participant_ref(assignment, enrollment.pk),
        label=participant_name(assignment=assignment, participant=enrollment.user),
        enrollment=enrollment,
    )
