"""REST endpoints for graders: read and write a review, release it, export a cohort's gradebook.

The same services and access helpers as the HTML pages: ``save_review`` and ``release_review``
apply the same rules (points within each cell's maximum, every change logged, the late policy
at release), and whatever a user may not grade is a 404. Participants see their grade only
through ``GET /api/v1/submissions/{pk}/``, which shows the total and feedback after release.
"""

from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import get_cohort_for_instructor
from platform.api import api_user
from platform.text_limits import COMMENT_CHARS, FEEDBACK_CHARS
from submissions.access import get_submission_for_grader
from submissions.exceptions import SubmissionError
from submissions.gradebook import gradebook_csv, gradebook_for, gradebook_json
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


# --- the gradebook export -------------------------------------------------------------------


class GradebookAssignmentSerializer(serializers.Serializer[None]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    module = serializers.CharField()
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    identities_hidden = serializers.BooleanField(
        help_text="Graded anonymously and identities not revealed: its unreleased cells are "
        "'hidden'."
    )


class GradebookCellSerializer(serializers.Serializer[None]):
    assignment = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=["released", "in_review", "submitted", "missing", "hidden"],
        help_text="'hidden': not released, and the assignment is graded anonymously with "
        "identities not revealed; the cell then carries no detail.",
    )
    points = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="Released final points only."
    )
    late = serializers.BooleanField(allow_null=True, help_text="Null when the cell is hidden.")
    attempts = serializers.IntegerField(allow_null=True, help_text="Null when the cell is hidden.")


class GradebookCategorySerializer(serializers.Serializer[None]):
    title = serializers.CharField()
    points = serializers.DecimalField(max_digits=10, decimal_places=2)
    max_points = serializers.DecimalField(max_digits=10, decimal_places=2)
    percent = serializers.DecimalField(max_digits=5, decimal_places=1)


class GradebookPolicyCategorySerializer(serializers.Serializer[None]):
    key = serializers.CharField()
    title = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="Null before any grade."
    )
    dropped = serializers.ListField(
        child=serializers.IntegerField(), help_text="Assignments dropped as the lowest."
    )


class GradebookRowSerializer(serializers.Serializer[None]):
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    status = serializers.CharField()
    cells = GradebookCellSerializer(many=True)
    categories = GradebookCategorySerializer(many=True)
    weighted_grade = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    requirements_met = serializers.BooleanField()
    policy_version = serializers.IntegerField(help_text="The grading policy version applied.")
    policy_categories = GradebookPolicyCategorySerializer(
        many=True, help_text="The grading policy's weighted categories, as the engine judged them."
    )


class GradebookCohortSerializer(serializers.Serializer[None]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GradebookSerializer(serializers.Serializer[dict[str, Any]]):
    cohort = GradebookCohortSerializer()
    assignments = GradebookAssignmentSerializer(many=True)
    rows = GradebookRowSerializer(many=True)


@never_cache
@extend_schema(responses=GradebookSerializer, summary="A cohort's gradebook as JSON")
@api_view(["GET"])
def cohort_gradebook(request: Request, pk: int) -> Response:
    """Released points per participant and assignment, late flags, states, per-module
    subtotals and the weighted grade: the same content as the CSV export."""
    cohort = get_cohort_for_instructor(api_user(request), pk)
    return Response(GradebookSerializer(gradebook_json(gradebook_for(cohort))).data)


@never_cache
@extend_schema(
    responses={(200, "text/csv"): OpenApiTypes.STR}, summary="A cohort's gradebook as CSV"
)
@api_view(["GET"])
def cohort_gradebook_csv(request: Request, pk: int) -> StreamingHttpResponse:
    cohort = get_cohort_for_instructor(api_user(request), pk)
    response = StreamingHttpResponse(
        gradebook_csv(gradebook_for(cohort)), content_type="text/csv; charset=utf-8"
    )
    filename = f"gradebook-{cohort.program.slug}-{slugify(cohort.name)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
