"""REST endpoints of tandems (under /api/v1/, namespace ``courses-api``): one's own tandems and
a tandem's meetings (read and log). The same access helpers and services as the pages: the pair
and the program's coordinators see a tandem and its notes, anyone else gets a 404; logging is
for the two partners (403 for a coordinator); a refused meeting is a 409 with the reason.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from courses.enrolment.api import Refused
from courses.models import Tandem, TandemMeeting
from courses.requirements import Reflection
from courses.tandems import reads, services
from courses.tandems.access import get_tandem_for_member
from platform.api import api_user
from platform.api_schema import error_responses
from platform.models import User


class TandemSerializer(serializers.ModelSerializer[Tandem]):
    program = serializers.CharField(source="cohort.program.title")
    cohort = serializers.CharField(source="cohort.name")
    module = serializers.CharField(source="module.title")
    senior = serializers.CharField(source="senior.user.full_name")
    student = serializers.CharField(source="student.full_name")
    meetings_logged = serializers.IntegerField(
        source="meeting_days", help_text="Distinct dates on which a meeting is logged."
    )
    meetings_required = serializers.IntegerField(source="module.tandem_meetings")
    last_meeting = serializers.DateField(source="last_met", allow_null=True)
    reflection = serializers.ChoiceField(source="reflection_state", choices=list(Reflection))

    class Meta:
        model = Tandem
        fields = [
            "id",
            "program",
            "cohort",
            "module",
            "senior",
            "student",
            "paired_at",
            "ended_at",
            "meetings_logged",
            "meetings_required",
            "last_meeting",
            "reflection",
        ]


class MeetingSerializer(serializers.ModelSerializer[TandemMeeting]):
    logged_by = serializers.CharField(source="logged_by.full_name")

    class Meta:
        model = TandemMeeting
        fields = ["id", "met_on", "minutes", "topic", "note", "logged_by", "logged_at"]


class MeetingInputSerializer(serializers.ModelSerializer[TandemMeeting]):
    class Meta:
        model = TandemMeeting
        fields = ["met_on", "minutes", "topic", "note"]


def _summary(user: User, pk: int) -> Tandem:
    """A tandem the user may see, with its log summary (404 otherwise)."""
    tandem = get_tandem_for_member(user, pk)
    return reads.with_log_summary(Tandem.objects.filter(pk=tandem.pk)).select_related(
        "cohort__program"
    )[0]


@extend_schema(responses=TandemSerializer(many=True))
@api_view(["GET"])
def my_tandems(request: Request) -> Response:
    """The caller's tandems (as participant or as student), current first."""
    return Response(TandemSerializer(reads.tandems_of(api_user(request)), many=True).data)


@extend_schema(responses=TandemSerializer)
@api_view(["GET"])
def tandem(request: Request, pk: int) -> Response:
    """One tandem: both sides, meetings logged against those required, the reflection's state."""
    return Response(TandemSerializer(_summary(api_user(request), pk)).data)


@extend_schema(methods=["GET"], responses=MeetingSerializer(many=True))
@extend_schema(
    methods=["POST"],
    request=MeetingInputSerializer,
    responses={**error_responses(403, 409), 201: MeetingSerializer},
)
@api_view(["GET", "POST"])
def meetings(request: Request, pk: int) -> Response:
    """GET: the tandem's meetings as both sides logged them, newest first, notes included.
    POST: log a meeting as one of the two partners (progress is recomputed)."""
    user = api_user(request)
    found = get_tandem_for_member(user, pk)
    if request.method == "GET":
        return Response(
            MeetingSerializer(found.meetings.select_related("logged_by"), many=True).data
        )
    if user.pk not in (found.senior.user_id, found.student_id):
        raise PermissionDenied("Only the two partners of the tandem log meetings.")
    data = MeetingInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields: dict[str, Any] = dict(data.validated_data)
    try:
        meeting = services.log_meeting(tandem=found, by=user, **fields)
    except services.TandemRefused as refused:
        raise Refused(refused.message) from None
    return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)
