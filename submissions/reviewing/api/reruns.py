"""Grading again through the API: one attempt, or an assignment's latest attempts."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import get_assignment_for_instructor, require_assignment_manager
from platform.api import api_user
from submissions import services
from submissions.access import get_submission_for_grader


class RegradeInputSerializer(serializers.Serializer[None]):
    only_failed = serializers.BooleanField(default=False)


class RegradeOutputSerializer(serializers.Serializer[None]):
    queued = serializers.IntegerField(help_text="How many attempts were queued for grading.")


@extend_schema(request=None, responses={202: RegradeOutputSerializer})
@api_view(["POST"])
def regrade_submission(request: Request, pk: int) -> Response:
    """Grade one attempt again (instructors of its cohort); earlier results are kept."""
    user = api_user(request)
    submission = get_submission_for_grader(user, pk)
    runs = services.rerun_grading(actor=user, submissions=[submission])
    return Response({"queued": len(runs)}, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    request=RegradeInputSerializer,
    responses={202: RegradeOutputSerializer, 403: OpenApiTypes.OBJECT},
)
@api_view(["POST"])
def regrade_assignment(request: Request, pk: int) -> Response:
    """Grade every latest attempt (or only the failed ones) of an assignment again: it
    reaches every cohort, so only someone who grades them all may (403 with the reason)."""
    user = api_user(request)
    assignment = get_assignment_for_instructor(user, pk)
    require_assignment_manager(user, assignment)
    options = RegradeInputSerializer(data=request.data)
    options.is_valid(raise_exception=True)
    targets = services.regrade_targets(
        grader=user, assignment=assignment, only_failed=options.validated_data["only_failed"]
    )
    runs = services.rerun_grading(actor=user, submissions=targets)
    return Response({"queued": len(runs)}, status=status.HTTP_202_ACCEPTED)
