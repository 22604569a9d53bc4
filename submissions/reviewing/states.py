"""Review states: draft -> ready -> released, and "release to N participants".

A grader saves drafts, then marks the review *ready* (complete: autograding finished, every
manually graded cell scored). Nothing a participant can see changes until release. Releasing
an assignment releases every ready review in the cohorts the releaser grades, all in one
transaction, and sends each participant one notification (after commit), however many of
their attempts were released. The single-submission release of the grading screen
(``services.release_review``) still exists: it takes a draft or ready review straight to
released.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Assignment, GradeFreeze
from platform.models import User
from submissions.exceptions import ReviewInvalid
from submissions.models import GradingRun, Review, Submission
from submissions.notifications import notify_release
from submissions.reviewing.leases import refuse_if_leased_by_other, renew_lease
from submissions.reviewing.queue import grading_cohorts
from submissions.services import latest_run, record_total, release_review


def _hold(*, grader: User, submission: Submission, lease_token: str | None) -> None:
    if lease_token is None:
        refuse_if_leased_by_other(grader=grader, submission=submission)
    else:
        renew_lease(grader=grader, submission=submission, token=lease_token)


@transaction.atomic
def mark_ready(*, grader: User, submission: Submission, lease_token: str | None = None) -> Review:
    """The grader says the review is complete and may be released."""
    _hold(grader=grader, submission=submission, lease_token=lease_token)
    review = Review.objects.select_for_update().filter(submission=submission).first()
    if review is None:
        raise ReviewInvalid(_("Save the review before marking it ready."))
    if review.is_released:
        raise ReviewInvalid(_("This review has already been released."))
    run = latest_run(submission)
    if run is None or run.status not in {GradingRun.Status.GRADED, GradingRun.Status.FAILED}:
        raise ReviewInvalid(_("Wait until autograding has finished before marking it ready."))
    scored = set(review.scores.values_list("grade_id", flat=True))
    missing = [
        c["grade_id"]
        for c in submission.assignment.manual_grade_cells()
        if c["grade_id"] not in scored
    ]
    if missing:
        raise ReviewInvalid(
            _("Give points for %(cells)s before marking the review ready.")
            % {"cells": ", ".join(missing)}
        )
    if not review.is_ready:
        review.state = Review.State.READY
        review.ready_at = timezone.now()
        review.grader = grader
        review.save(update_fields=["state", "ready_at", "grader"])
    return review


@transaction.atomic
def reopen_review(
    *, grader: User, submission: Submission, lease_token: str | None = None
) -> Review:
    """Back from ready to draft (marked ready by mistake, or something to check again)."""
    _hold(grader=grader, submission=submission, lease_token=lease_token)
    review = Review.objects.select_for_update().filter(submission=submission).first()
    if review is None or not review.is_ready:
        raise ReviewInvalid(_("Only a review that is ready can go back to draft."))
    review.state = Review.State.DRAFT
    review.ready_at = None
    review.save(update_fields=["state", "ready_at"])
    return review


@transaction.atomic
def release_one(*, grader: User, submission: Submission, lease_token: str | None = None) -> Review:
    """Release one review from the grading screen (draft or ready), holding the lease."""
    _hold(grader=grader, submission=submission, lease_token=lease_token)
    return release_review(grader=grader, submission=submission)


def ready_reviews(*, user: User, assignment: Assignment) -> models.QuerySet[Review]:
    """The ready reviews of an assignment in the cohorts the user grades (or coordinates)."""
    return (
        Review.objects.filter(
            state=Review.State.READY,
            submission__assignment=assignment,
            submission__enrollment__cohort__in=grading_cohorts(user),
        )
        .select_related("submission__participant", "submission__assignment", "grader")
        .order_by("submission__participant_id", "submission__attempt_no")
    )


@dataclass(frozen=True)
class ReleaseResult:
    reviews: int
    participants: int
    skipped: int = 0  # ready, but being autograded again or frozen: they wait for the next release


@transaction.atomic
def release_ready_reviews(
    *, actor: User, assignment: Assignment, review_ids: Iterable[int]
) -> ReleaseResult:
    """Release the given ready reviews (those the actor confirmed seeing) at once.

    Reviews that are no longer ready (released meanwhile, sent back to draft) are skipped, so
    a confirmation page that went stale never releases something its reader did not see.
    """
    ids = [int(pk) for pk in review_ids]
    reviews = list(
        ready_reviews(user=actor, assignment=assignment)
        .filter(pk__in=ids)
        .select_for_update(of=("self",))
        .select_related("submission__enrollment")
    )
    now = timezone.now()
    latest_per_participant: dict[int, Review] = {}
    skipped = 0
    # Attempts in order: a participant's grade is their latest released attempt's, so the
    # earlier ones of this batch are released without recording a grade (and a certificate
    # the latest one completes rests on the latest, not on an earlier attempt).
    reviews.sort(key=lambda r: (r.submission.participant_id, r.submission.attempt_no))
    frozen = set(
        GradeFreeze.objects.filter(
            enrollment_id__in={r.submission.enrollment_id for r in reviews}, lifted_at__isnull=True
        ).values_list("enrollment_id", flat=True)
    )
    releasable = []
    for review in reviews:
        run = latest_run(review.submission)
        if run is None or run.status not in {GradingRun.Status.GRADED, GradingRun.Status.FAILED}:
            # Graded again after it was marked ready: its total is not known yet.
            skipped += 1
        elif review.submission.enrollment_id in frozen:
            # A certificate rests on this participant's grades: a coordinator must unfreeze
            # them first (docs/review.md, "Freezing grades"); the others are released.
            skipped += 1
        else:
            releasable.append(review)
            latest_per_participant[review.submission.participant_id] = review
    for review in releasable:
        review.state = Review.State.RELEASED
        review.released_at = now
        review.save(update_fields=["state", "released_at"])
        is_latest = latest_per_participant[review.submission.participant_id] is review
        record_total(review=review, actor=actor, reason="Grade released", record_grade=is_latest)
    for review in latest_per_participant.values():
        transaction.on_commit(lambda review=review: notify_release(review))  # type: ignore[misc]
    return ReleaseResult(
        reviews=len(reviews) - skipped,
        participants=len(latest_per_participant),
        skipped=skipped,
    )
