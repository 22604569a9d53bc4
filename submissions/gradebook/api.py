"""REST endpoints of the gradebook: a cohort's gradebook as JSON and as CSV, the same content
and access as the gradebook page and its CSV link (docs/gradebook.md)."""

from typing import Any

from django.http import StreamingHttpResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import get_cohort_for_instructor
from platform.api import api_user
from submissions.gradebook.table import gradebook_for, gradebook_json
from submissions.gradebook.views import gradebook_csv_response


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
    return gradebook_csv_response(get_cohort_for_instructor(api_user(request), pk))
