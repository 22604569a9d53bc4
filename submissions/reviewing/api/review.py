"""REST endpoints for graders: read and write a review, release it.

The same services and access helpers as the HTML pages: ``save_review`` and ``release_review``
apply the same rules (points within each cell's maximum, every change logged, the late policy
at release), and whatever a user may not grade is a 404. Participants see their grade only
through ``GET /api/v1/submissions/{pk}/``, which shows the total and feedback after release.
"""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from platform.api import api_user
from platform.text_limits import COMMENT_CHARS, FEEDBACK_CHARS
from submissions.access import get_submission_for_grader
from submissions.exceptions import SubmissionError
from submissions.models import Review, Submission
from submissions.reviewing import services

# --- reviews ----------------------------------------------------------------------------------


class ReviewScoreSerializer(serializers.Serializer[None]):
    grade_id = serializers.CharField(max_length=200)
    points = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal(0))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_CHARS)


class ManualCellSerializer(serializers.Serializer[None]):
    grade_id = serializers.CharField()
    kind = serializers.CharField()
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2)


class ReviewInputSerializer(serializers.Serializer[None]):
    scores = ReviewScoreSerializer(
        many=True,
        required=False,
        default=list,
        help_text="Points (and optionally a comment) per manually graded cell. Cells not named "
        "keep their points; a score without a comment keeps the cell's comment.",
    )
    feedback = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=FEEDBACK_CHARS,
        help_text="Overall feedback; omitted: unchanged.",
    )

    def validate_scores(self, scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [s["grade_id"] for s in scores]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Each grade_id may appear only once."))
        return scores


class ReviewOutputSerializer(serializers.Serializer[dict[str, Any]]):
    submission = serializers.IntegerField()
    state = serializers.CharField(
        allow_null=True, help_text="draft, ready or released; null before anyone reviewed."
    )
    grader = serializers.CharField(allow_null=True)
    feedback = serializers.CharField()
    manual_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    scores = ReviewScoreSerializer(many=True)
    manual_cells = ManualCellSerializer(many=True)
    autograded_points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    raw_points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    penalty_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    total_points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    late_seconds = serializers.IntegerField()
    updated_at = serializers.DateTimeField(allow_null=True)
    released_at = serializers.DateTimeField(allow_null=True)


def review_data(submission: Submission) -> dict[str, Any]:
    review = (
        Review.objects.filter(submission=submission)
        .select_related("grader")
        .prefetch_related("scores")
        .first()
    )
    run = submission.latest_run()
    return {
        "submission": submission.pk,
        "state": review.state if review else None,
        "grader": review.grader.username if review else None,
        "feedback": review.feedback if review else "",
        "manual_points": review.manual_points if review else Decimal(0),
        "scores": [
            {"grade_id": s.grade_id, "points": s.points, "comment": s.comment}
            for s in sorted(review.scores.all(), key=lambda s: s.grade_id)
        ]
        if review
        else [],
        "manual_cells": [
            {"grade_id": c["grade_id"], "kind": c["kind"], "max_points": Decimal(c["points"])}
            for c in submission.manual_grade_cells()
        ],
        "autograded_points": run.autograded_points if run else None,
        "raw_points": review.raw_points if review else None,
        "penalty_points": review.penalty_points if review else Decimal(0),
        "total_points": review.total_points if review else None,
        "max_points": submission.max_points,
        "late_seconds": submission.late_seconds,
        "updated_at": review.updated_at if review else None,
        "released_at": review.released_at if review else None,
    }


@extend_schema(
    methods=["GET"], responses=ReviewOutputSerializer, summary="Read the review of an attempt"
)
@extend_schema(
    methods=["PUT"],
    request=ReviewInputSerializer,
    responses={200: ReviewOutputSerializer, 400: OpenApiTypes.OBJECT},
    summary="Save manual points, comments and feedback (a draft, or amend a released review)",
)
@api_view(["GET", "PUT"])
def submission_review(request: Request, pk: int) -> Response:
    """The review of one attempt, for the graders of its cohort (404 for everyone else)."""
    user = api_user(request)
    submission = get_submission_for_grader(user, pk)
    if request.method == "PUT":
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scores = data.validated_data["scores"]
        feedback = data.validated_data.get("feedback")
        if feedback is None:
            existing = Review.objects.filter(submission=submission).first()
            feedback = existing.feedback if existing else ""
        try:
            services.save_review(
                grader=user,
                submission=submission,
                points={s["grade_id"]: s["points"] for s in scores},
                comments={s["grade_id"]: s["comment"] for s in scores if "comment" in s},
                feedback=feedback,
            )
        except SubmissionError as error:
            return Response({"scores": [error.message]}, status=status.HTTP_400_BAD_REQUEST)
    return Response(ReviewOutputSerializer(review_data(submission)).data)


@extend_schema(
    request=None,
    responses={200: ReviewOutputSerializer, 409: OpenApiTypes.OBJECT},
    summary="Release the grade of an attempt to its participant",
)
@api_view(["POST"])
def release_submission(request: Request, pk: int) -> Response:
    """Release: the participant now sees the total and the feedback, and is notified.
    Releasing again changes nothing. 409 while another grader holds the lease, while
    autograding has not finished, or while the participant's grades are frozen."""
    user = api_user(request)
    submission = get_submission_for_grader(user, pk)
    try:
        services.release_review(grader=user, submission=submission)
    except SubmissionError as error:
        return Response({"detail": error.message}, status=status.HTTP_409_CONFLICT)
    return Response(ReviewOutputSerializer(review_data(submission)).data)
