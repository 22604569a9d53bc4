"""Regrade requests: a participant asks for one rubric criterion or one test to be looked at
again, within a window after release; the original grader resolves it (or, after
``REGRADE_ESCALATION_DAYS`` or when they no longer teach the cohort, a coordinator).

Accepted requests change the score through the same path as every other change
(``GradeEvent`` source "regrade", ``services.record_total`` for the released total, so the late
penalty applies and frozen grades are refused). Documented in docs/review.md.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from courses.models import Program
from platform.models import NotificationKind, User
from platform.notifications.services import notify
from platform.text_limits import COMMENT_CHARS
from submissions.exceptions import RegradeRefused
from submissions.models import (
    GradeEvent,
    RegradeRequest,
    Review,
    RubricLevel,
    RubricScore,
    Submission,
    TestOverride,
    TestResult,
)
from submissions.reviewing import mail
from submissions.reviewing.rubrics import current_version, grade_id_of
from submissions.reviewing.services import (
    ensure_not_frozen,
    manual_points_of,
    record_total,
)


@dataclass(frozen=True)
class RegradeTarget:
    """Something a participant can ask to be regraded, with its points now."""

    target: str
    key: str
    label: str
    points: Decimal
    max_points: Decimal

    @property
    def value(self) -> str:
        """The form's choice value: "criterion:<key>" or "test:<grade id>"."""
        return f"{self.target}:{self.key}"


def window_closes_at(review: Review) -> datetime | None:
    if review.released_at is None:
        return None
    days = review.submission.assignment.settings.regrade_window_days
    return review.released_at + timedelta(days=days)


def window_is_open(review: Review, *, now: datetime | None = None) -> bool:
    closes = window_closes_at(review)
    return review.is_released and closes is not None and (now or timezone.now()) <= closes


def targets_for(review: Review) -> list[RegradeTarget]:
    """The rubric criteria and autograded tests of a review's submission."""
    targets = []
    version = current_version(review.submission.assignment)
    scores = {s.criterion_key: s for s in review.rubric_scores.all()}
    if version is not None:
        for criterion in version.criteria.all():
            score = scores.get(criterion.key)
            targets.append(
                RegradeTarget(
                    target=RegradeRequest.Target.CRITERION,
                    key=criterion.key,
                    label=criterion.title,
                    points=score.points if score else Decimal(0),
                    max_points=criterion.max_points,
                )
            )
    run = review.submission.latest_run()
    overrides = {o.grade_id: o.points for o in review.test_overrides.all()}
    if run is not None:
        for result in run.results.filter(kind=TestResult.Kind.AUTOGRADED):
            targets.append(
                RegradeTarget(
                    target=RegradeRequest.Target.TEST,
                    key=result.grade_id,
                    label=result.grade_id,
                    points=overrides.get(result.grade_id, result.points or Decimal(0)),
                    max_points=result.max_points,
                )
            )
    return targets


def _target(review: Review, target: str, key: str) -> RegradeTarget:
    for candidate in targets_for(review):
        if candidate.target == target and candidate.key == key:
            return candidate
    raise RegradeRefused(_("There is no such criterion or test to regrade."))


def grader_still_teaches(review: Review) -> bool:
    return review.submission.enrollment.cohort.instructors.filter(pk=review.grader_id).exists()


@transaction.atomic
def request_regrade(
    *,
    participant: User,
    submission: Submission,
    target: str,
    key: str,
    reason: str,
    now: datetime | None = None,
) -> RegradeRequest:
    """Ask for one criterion or test of a released grade to be looked at again."""
    now = now or timezone.now()
    if submission.participant_id != participant.pk:
        raise RegradeRefused(_("Only the participant can ask for a regrade of their work."))
    review = Review.objects.filter(submission=submission).first()
    if review is None or not review.is_released:
        raise RegradeRefused(_("You can ask for a regrade once your grade has been released."))
    if not window_is_open(review, now=now):
        closes = window_closes_at(review)
        raise RegradeRefused(
            _("The time for regrade requests ended on %(date)s.")
            % {"date": date_format(timezone.localtime(closes), "DATETIME_FORMAT")}
        )
    ensure_not_frozen(submission.enrollment)
    reason = reason.strip()
    if not reason:
        raise RegradeRefused(_("Please say why this should be graded again."))
    if len(reason) > COMMENT_CHARS:
        raise RegradeRefused(
            _("Please keep the reason under %(n)d characters.") % {"n": COMMENT_CHARS}
        )
    chosen = _target(review, target, key)
    if (
        RegradeRequest.objects.open()
        .filter(submission=submission, target=target, target_key=key)
        .exists()
    ):
        raise RegradeRefused(
            _("There is already an open request for “%(target)s”.") % {"target": chosen.label}
        )
    handler = review.grader if grader_still_teaches(review) else None
    try:
        with transaction.atomic():
            request = RegradeRequest.objects.create(
                submission=submission,
                review=review,
                target=target,
                target_key=key,
                target_label=chosen.label[:200],
                reason=reason,
                requested_by=participant,
                created_at=now,
                handler=handler,
                escalated_at=None if handler else now,
                points_before=chosen.points,
            )
    except IntegrityError:  # a second click raced the first
        raise RegradeRefused(
            _("There is already an open request for “%(target)s”.") % {"target": chosen.label}
        ) from None
    transaction.on_commit(lambda: mail.notify_new_request(request))
    return request


def can_resolve(user: User, request: RegradeRequest) -> bool:
    """The program's coordinators (staff: every program) always; the original grader while
    they still teach the cohort."""
    cohort = request.submission.enrollment.cohort
    if cohort.program.is_coordinated_by(user):
        return True
    return request.handler_id == user.pk and cohort.instructors.filter(pk=user.pk).exists()


@transaction.atomic
def resolve_regrade(
    *,
    actor: User,
    request: RegradeRequest,
    accept: bool,
    note: str,
    points: Decimal | None = None,
) -> RegradeRequest:
    """Accept (with the new points) or reject a request, always with a note the participant
    reads. Accepted points go through the score path: a GradeEvent (source "regrade") and the
    released total recorded again."""
    request = (
        RegradeRequest.objects.select_for_update(of=("self",))
        .select_related(
            "submission__enrollment__cohort", "submission__assignment__settings", "review"
        )
        .get(pk=request.pk)
    )
    if not request.is_open:
        raise RegradeRefused(_("This request has already been resolved."))
    if not can_resolve(actor, request):
        raise RegradeRefused(_("This request is handled by the grader or a coordinator."))
    note = note.strip()
    if not note:
        raise RegradeRefused(_("Please write a note for the participant."))
    review = Review.objects.select_for_update().get(pk=request.review_id)
    request.points_after = request.points_before
    if accept:
        if points is None:
            raise RegradeRefused(_("Give the new points when you accept a request."))
        ensure_not_frozen(request.submission.enrollment)
        target = _target(review, request.target, request.target_key)
        if not Decimal(0) <= points <= target.max_points:
            raise RegradeRefused(
                _("The points must be between 0 and %(max)s.")
                % {"max": target.max_points.normalize()}
            )
        _apply(review=review, request=request, points=points, old=target.points, actor=actor)
        request.points_after = points
    request.state = RegradeRequest.State.ACCEPTED if accept else RegradeRequest.State.REJECTED
    request.resolution_note = note
    request.resolved_by = actor
    request.resolved_at = timezone.now()
    request.save()
    notify(
        user=request.requested_by,
        kind=NotificationKind.REGRADE_DECIDED,
        message=(
            gettext_noop("Your regrade request for “%(target)s” was accepted.")
            if accept
            else gettext_noop("Your regrade request for “%(target)s” was not accepted.")
        ),
        values={"target": request.target_label},
        url=reverse("submissions:detail", args=[request.submission_id]),
    )
    transaction.on_commit(lambda: mail.notify_resolved(request))
    return request


def _apply(
    *, review: Review, request: RegradeRequest, points: Decimal, old: Decimal, actor: User
) -> None:
    if request.target == RegradeRequest.Target.CRITERION:
        version = current_version(review.submission.assignment)
        assert version is not None  # _target found the criterion in it
        level = (
            RubricLevel.objects.filter(
                criterion__version=version,
                criterion__key=request.target_key,
                min_points__lte=points,
                max_points__gte=points,
            )
            .order_by("position")
            .first()
        )
        RubricScore.objects.update_or_create(
            review=review,
            criterion_key=request.target_key,
            defaults={
                "version": version,
                "level_key": level.key if level else "",
                "points": points,
                "flag": "" if level else RubricScore.Flag.LEVEL_REMOVED,
                "previous_level": "",
                "previous_points": None,
            },
        )
        grade_id = grade_id_of(request.target_key)
        review.manual_points = manual_points_of(review)
        review.save(update_fields=["manual_points"])
    else:
        TestOverride.objects.update_or_create(
            review=review, grade_id=request.target_key, defaults={"points": points}
        )
        grade_id = request.target_key
    if old != points:
        GradeEvent.objects.create(
            submission=review.submission,
            actor=actor,
            source=GradeEvent.Source.REGRADE,
            grade_id=grade_id,
            old_points=old,
            new_points=points,
            reason=f"Regrade request {request.pk} accepted",
        )
    record_total(
        review=review,
        actor=actor,
        reason=f"Regrade request {request.pk} accepted",
        source=GradeEvent.Source.REGRADE,
    )


def escalate_overdue(*, now: datetime | None = None) -> list[RegradeRequest]:
    """Hand open requests to the coordinators when the grader has not resolved them within
    ``REGRADE_ESCALATION_DAYS`` or no longer teaches the cohort (run daily)."""
    now = now or timezone.now()
    due = now - timedelta(days=settings.REGRADE_ESCALATION_DAYS)
    escalated = []
    candidates = (
        RegradeRequest.objects.open()
        .filter(escalated_at__isnull=True)
        .select_related("submission__enrollment__cohort", "review")
    )
    for request in candidates:
        gone = (
            request.handler_id is None
            or not request.submission.enrollment.cohort.instructors.filter(
                pk=request.handler_id
            ).exists()
        )
        if request.created_at <= due or gone:
            with transaction.atomic():
                updated = RegradeRequest.objects.filter(
                    pk=request.pk, escalated_at__isnull=True, state=RegradeRequest.State.OPEN
                ).update(escalated_at=now)
            if updated:
                request.escalated_at = now
                escalated.append(request)
                mail.notify_escalated(request)
    return escalated


def requests_for_handler(user: User) -> QuerySet[RegradeRequest]:
    """What a user handles: coordinators every request of the programs they coordinate
    (``Program.objects.coordinated_by``: staff every program), graders those routed to them
    in the cohorts they still teach."""
    requests = RegradeRequest.objects.select_related(
        "submission__assignment__settings", "submission__participant", "requested_by", "handler"
    )
    if user.is_coordinator:
        return requests
    return requests.filter(
        (Q(handler=user) & Q(submission__enrollment__cohort__instructors=user))
        | Q(submission__enrollment__cohort__program__in=Program.objects.coordinated_by(user))
    ).distinct()
