"""REST endpoints of reviewing: comments on cells (read) and regrade requests.

The same services and access helpers as the pages: participants create and list their own
requests and read the comments on their cells once the grade is released; the original grader
(and coordinators) list and resolve requests. What a user may not see is a 404.
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from platform.api import api_user
from platform.text_limits import COMMENT_CHARS
from submissions.access import get_submission_for_viewer, is_grader_of
from submissions.exceptions import SubmissionError
from submissions.models import CellComment, RegradeRequest
from submissions.reviewing import regrades
from submissions.reviewing.access import get_regrade_for_handler, get_submission_for_participant
from submissions.reviewing.comments import visible_comments


class CellCommentSerializer(serializers.ModelSerializer[CellComment]):
    anchor = serializers.SerializerMethodField()

    class Meta:
        model = CellComment
        fields = ["id", "cell", "line", "text", "anchor", "created_at"]

    def get_anchor(self, comment: CellComment) -> str:
        """The fragment id of the cell in the rendered notebook."""
        return f"cell-{comment.cell}"


class RegradeRequestSerializer(serializers.ModelSerializer[RegradeRequest]):
    submission = serializers.IntegerField(source="submission_id", read_only=True)
    escalated = serializers.BooleanField(source="is_escalated", read_only=True)

    class Meta:
        model = RegradeRequest
        fields = [
            "id",
            "submission",
            "target",
            "target_key",
            "target_label",
            "reason",
            "state",
            "created_at",
            "escalated",
            "points_before",
            "points_after",
            "resolution_note",
            "resolved_at",
        ]
        read_only_fields = fields


class RegradeCreateSerializer(serializers.Serializer[None]):
    target = serializers.ChoiceField(choices=RegradeRequest.Target.choices)
    target_key = serializers.CharField(
        max_length=200, help_text="The criterion's key or the test's grade id."
    )
    reason = serializers.CharField(max_length=COMMENT_CHARS)


class RegradeResolveSerializer(serializers.Serializer[None]):
    decision = serializers.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])
    points = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
    )
    note = serializers.CharField(max_length=COMMENT_CHARS)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["decision"] == "accept" and attrs.get("points") is None:
            raise serializers.ValidationError(
                {"points": [_("Give the new points when you accept.")]}
            )
        return attrs


@extend_schema(responses=CellCommentSerializer(many=True))
@api_view(["GET"])
def submission_comments(request: Request, pk: int) -> Response:
    """Comments on the cells of an attempt: graders always, the participant after release."""
    user = api_user(request)
    submission = get_submission_for_viewer(user, pk)
    shown = visible_comments(user, submission, is_grader=is_grader_of(user, submission))
    return Response(CellCommentSerializer(shown, many=True).data)


@extend_schema(
    methods=["GET"], responses=RegradeRequestSerializer(many=True), operation_id="regrade_own"
)
@extend_schema(
    methods=["POST"],
    request=RegradeCreateSerializer,
    responses={201: RegradeRequestSerializer},
    operation_id="regrade_request",
)
@api_view(["GET", "POST"])
def submission_regrade_requests(request: Request, pk: int) -> Response:
    """The participant's regrade requests for an attempt; POST asks for a new one."""
    user = api_user(request)
    submission = get_submission_for_participant(user, pk)
    if request.method == "GET":
        requests = RegradeRequest.objects.filter(submission=submission)
        return Response(RegradeRequestSerializer(requests, many=True).data)
    serializer = RegradeCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    try:
        created = regrades.request_regrade(
            participant=user,
            submission=submission,
            target=data["target"],
            key=data["target_key"],
            reason=data["reason"],
        )
    except SubmissionError as error:
        return Response({"detail": error.message}, status=status.HTTP_400_BAD_REQUEST)
    return Response(RegradeRequestSerializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        OpenApiParameter("state", str, enum=[s.value for s in RegradeRequest.State], required=False)
    ],
    responses=RegradeRequestSerializer(many=True),
)
@api_view(["GET"])
def handled_regrade_requests(request: Request) -> Response:
    """Requests routed to me as the original grader (coordinators: all), newest first."""
    requests = regrades.requests_for_handler(api_user(request))
    state = request.query_params.get("state")
    if state:
        if state not in RegradeRequest.State.values:
            return Response({"state": ["Unknown state."]}, status=status.HTTP_400_BAD_REQUEST)
        requests = requests.filter(state=state)
    return Response(RegradeRequestSerializer(requests, many=True).data)


@extend_schema(request=RegradeResolveSerializer, responses=RegradeRequestSerializer)
@api_view(["POST"])
def resolve_regrade_request(request: Request, pk: int) -> Response:
    """Accept (with the new points) or reject a request, with a note for the participant."""
    user = api_user(request)
    regrade = get_regrade_for_handler(user, pk)
    serializer = RegradeResolveSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    try:
        resolved = regrades.resolve_regrade(
            actor=user,
            request=regrade,
            accept=data["decision"] == "accept",
            note=data["note"],
            points=data.get("points"),
        )
    except SubmissionError as error:
        return Response({"detail": error.message}, status=status.HTTP_400_BAD_REQUEST)
    return Response(RegradeRequestSerializer(resolved).data)
