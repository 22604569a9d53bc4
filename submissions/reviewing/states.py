"""Review states: draft -> ready -> released, and "release to N participants".

A grader saves drafts, then marks the review *ready* (complete: autograding finished, every
manually graded cell scored). Nothing a participant can see changes until release. Releasing
an assignment releases every ready review in the cohorts the releaser grades, all in one
transaction, and sends each participant one notification (after commit), however many of
their attempts were released. Every release, one or many, goes through
``services.release_review`` (the lease, autograding and freeze checks live there); the grading
screen's single release takes a draft or ready review straight to released.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Assignment
from platform.models import User
from submissions.exceptions import ReviewInvalid, SubmissionError
from submissions.models import GradingRun, Review, Submission
from submissions.notifications import notify_release
from submissions.reviewing import services
from submissions.reviewing.leases import hold_lease
from submissions.reviewing.queue import grading_cohorts


@transaction.atomic
def mark_ready(*, grader: User, submission: Submission, lease_token: str | None = None) -> Review:
    """The grader says the review is complete and may be released."""
    hold_lease(grader=grader, submission=submission, token=lease_token)
    review = Review.objects.select_for_update().filter(submission=submission).first()
    if review is None:
        raise ReviewInvalid(_("Save the review before marking it ready."))
    if review.is_released:
        raise ReviewInvalid(_("This review has already been released."))
    run = submission.latest_run()
    if run is None or run.status not in {GradingRun.Status.GRADED, GradingRun.Status.FAILED}:
        raise ReviewInvalid(_("Wait until autograding has finished before marking it ready."))
    scored = set(review.scores.values_list("grade_id", flat=True))
    missing = [
        c["grade_id"] for c in submission.manual_grade_cells() if c["grade_id"] not in scored
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
    hold_lease(grader=grader, submission=submission, token=lease_token)
    review = Review.objects.select_for_update().filter(submission=submission).first()
    if review is None or not review.is_ready:
        raise ReviewInvalid(_("Only a review that is ready can go back to draft."))
    review.state = Review.State.DRAFT
    review.ready_at = None
    review.save(update_fields=["state", "ready_at"])
    return review


def ready_reviews(*, user: User, assignment: Assignment) -> models.QuerySet[Review]:
    """The ready reviews of an assignment in the cohorts the user grades (or coordinates)."""
    return (
        Review.objects.filter(
            state=Review.State.READY,
            submission__assignment=assignment,
            submission__enrollment__cohort__in=grading_cohorts(user),
        )
        .select_related("submission__participant", "submission__assignment__settings", "grader")
        .order_by("submission__participant_id", "submission__attempt_no")
    )


@dataclass(frozen=True)
class ReleaseResult:
    reviews: int
    participants: int
    # Ready, but refused by the release (being autograded again, open in another grader's
    # lease, frozen grades): they wait for the next release. ``reasons``: each refusal's
    # message, once.
    skipped: int = 0
    reasons: tuple[str, ...] = ()


@transaction.atomic
def release_ready_reviews(
    *, actor: User, assignment: Assignment, review_ids: Iterable[int]
) -> ReleaseResult:
    """Release the given ready reviews (those the actor confirmed seeing) at once.

    Reviews that are no longer ready (released meanwhile, sent back to draft) are skipped, so
    a confirmation page that went stale never releases something its reader did not see.
    Each review goes through ``services.release_review``; a participant's reviews are released
    together or wait together (one refusal keeps all of theirs ready), in attempt order, and
    only the latest records the grade, so a certificate the latest completes rests on it.
    """
    ids = [int(pk) for pk in review_ids]
    reviews = list(
        ready_reviews(user=actor, assignment=assignment)
        .filter(pk__in=ids)
        .select_for_update(of=("self",))
        .select_related("submission__enrollment")
    )
    per_participant: dict[int, list[Review]] = {}
    for review in sorted(
        reviews, key=lambda r: (r.submission.participant_id, r.submission.attempt_no)
    ):
        per_participant.setdefault(review.submission.participant_id, []).append(review)
    released: list[Review] = []
    skipped = 0
    reasons: dict[str, None] = {}
    for group in per_participant.values():
        try:
            with transaction.atomic():
                latest = [
                    services.release_review(
                        grader=actor,
                        submission=review.submission,
                        record_grade=review is group[-1],
                        notify=False,
                    )
                    for review in group
                ][-1]
        except SubmissionError as refusal:
            skipped += len(group)
            reasons[refusal.message] = None
        else:
            released.append(latest)
    for review in released:
        notify_release(review)
    return ReleaseResult(
        reviews=len(reviews) - skipped,
        participants=len(released),
        skipped=skipped,
        reasons=tuple(reasons),
    )
