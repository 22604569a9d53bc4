"""REST endpoints of sessions and attendance (under /api/v1/, namespace ``courses-api``;
docs/api.md, docs/sessions.md).

The same access helpers and services as the pages (and the 409 of ``courses.enrolment.api``): a cohort's graders (instructors,
coordinators, staff) plan sessions and take attendance; participants read their cohort's
sessions with their own attendance and register. Anyone else gets a 404; a refused change is
a 409 with the reason, nothing stored.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import get_cohort_for_instructor
from courses.enrolment.api import Refused
from courses.exceptions import SessionRefused
from courses.models import Attendance, AttendanceStatus, Module, Session, SessionRegistration
from courses.sessions import services
from courses.sessions.access import get_session_for_organiser, get_session_for_participant
from platform.api import api_user
from platform.api_schema import error_responses


class SessionSerializer(serializers.ModelSerializer[Session]):
    module_title = serializers.CharField(source="module.title")
    cancelled = serializers.BooleanField(source="is_cancelled")
    held = serializers.BooleanField(source="is_held")
    places_left = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "cohort",
            "module",
            "module_title",
            "title",
            "starts_at",
            "ends_at",
            "time_zone",
            "place",
            "online_url",
            "capacity",
            "places_left",
            "note",
            "cancelled",
            "held",
        ]


class MySessionSerializer(SessionSerializer):
    registered = serializers.SerializerMethodField()
    attendance = serializers.SerializerMethodField()

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "registered", "attendance"]

    def get_registered(self, session: Session) -> bool:
        return session.pk in self.context["registered"]

    @extend_schema_field(serializers.ChoiceField(choices=AttendanceStatus.values, allow_null=True))
    def get_attendance(self, session: Session) -> str | None:
        """Your own mark (``present``, ``excused``, ``absent``), or null."""
        value: str | None = self.context["attendance"].get(session.pk)
        return value


class SessionInputSerializer(serializers.Serializer[Any]):
    module = serializers.IntegerField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    date = serializers.DateField()
    start = serializers.TimeField()
    end = serializers.TimeField()
    time_zone = serializers.CharField(max_length=64, default="Europe/Berlin")
    place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    online_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate_online_url(self, value: str) -> str:
        if value and not value.lower().startswith("https://"):
            raise serializers.ValidationError(_("Enter an https:// link."))
        return value

    def plan(self, program_id: int) -> services.SessionPlan:
        data = self.validated_data
        module = Module.objects.filter(program_id=program_id, pk=data["module"]).first()
        if module is None:
            raise serializers.ValidationError({"module": [_("Not a module of this program.")]})
        return services.SessionPlan.of(module, data)


class MarkSerializer(serializers.Serializer[Any]):
    enrollment = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AttendanceStatus.values)


class AttendanceInputSerializer(serializers.Serializer[Any]):
    marks = MarkSerializer(many=True, allow_empty=False)


class AttendanceRowSerializer(serializers.ModelSerializer[Attendance]):
    username = serializers.CharField(source="enrollment.user.username")
    name = serializers.CharField(source="enrollment.user.full_name")
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = Attendance
        fields = ["enrollment", "username", "name", "status", "recorded_at", "recorded_by"]


def _with_places(session: Session) -> Session:
    return Session.objects.with_places_taken().select_related("module").get(pk=session.pk)


def _plan(request: Request, program_id: int) -> services.SessionPlan:
    data = SessionInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return data.plan(program_id)


@extend_schema(methods=["GET"], responses=SessionSerializer(many=True))
@extend_schema(
    methods=["POST"],
    request=SessionInputSerializer,
    responses={**error_responses(409), 201: SessionSerializer},
)
@api_view(["GET", "POST"])
def cohort_sessions(request: Request, pk: int) -> Response:
    """The cohort's graders: GET every session of the cohort (cancelled ones included);
    POST plans a new one."""
    user = api_user(request)
    cohort = get_cohort_for_instructor(user, pk)
    if request.method == "GET":
        rows = Session.objects.filter(cohort=cohort).with_places_taken().select_related("module")
        return Response(SessionSerializer(rows, many=True).data)
    try:
        session = services.save_session(
            actor=user, cohort=cohort, plan=_plan(request, cohort.program_id)
        )
    except SessionRefused as refused:
        raise Refused(refused.message) from None
    return Response(SessionSerializer(_with_places(session)).data, status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses=SessionSerializer)
@extend_schema(
    methods=["PUT"],
    request=SessionInputSerializer,
    responses={**error_responses(409), 200: SessionSerializer},
)
@api_view(["GET", "PUT"])
def session_detail(request: Request, pk: int) -> Response:
    """The cohort's graders: GET one session; PUT changes it (every field)."""
    user = api_user(request)
    session = get_session_for_organiser(user, pk)
    if request.method == "PUT":
        try:
            services.save_session(
                actor=user,
                cohort=session.cohort,
                plan=_plan(request, session.cohort.program_id),
                session=session,
            )
        except SessionRefused as refused:
            raise Refused(refused.message) from None
    return Response(SessionSerializer(_with_places(session)).data)


@extend_schema(request=None, responses={**error_responses(409), 200: SessionSerializer})
@api_view(["POST"])
def cancel_session(request: Request, pk: int) -> Response:
    """The cohort's graders: cancel a session (kept, shown as cancelled)."""
    user = api_user(request)
    session = get_session_for_organiser(user, pk)
    try:
        services.cancel_session(actor=user, session=session)
    except SessionRefused as refused:
        raise Refused(refused.message) from None
    return Response(SessionSerializer(_with_places(session)).data)


@extend_schema(methods=["GET"], responses=AttendanceRowSerializer(many=True))
@extend_schema(
    methods=["PUT"],
    request=AttendanceInputSerializer,
    responses={**error_responses(409), 200: AttendanceRowSerializer(many=True)},
)
@api_view(["GET", "PUT"])
def session_attendance(request: Request, pk: int) -> Response:
    """The cohort's graders: GET the session's attendance; PUT ``{"marks": [{"enrollment",
    "status"}]}`` records it (all or nothing; every change audited)."""
    user = api_user(request)
    session = get_session_for_organiser(user, pk)
    if request.method == "PUT":
        data = AttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marks = {m["enrollment"]: m["status"] for m in data.validated_data["marks"]}
        try:
            services.record_attendance(actor=user, session=session, marks=marks)
        except SessionRefused as refused:
            raise Refused(refused.message) from None
    rows = (
        Attendance.objects.filter(session=session)
        .select_related("enrollment__user", "recorded_by")
        .order_by("enrollment__user__username")
    )
    return Response(AttendanceRowSerializer(rows, many=True).data)


@extend_schema(responses=MySessionSerializer(many=True))
@api_view(["GET"])
def my_sessions(request: Request) -> Response:
    """Participants: every session of their cohorts, with registration and own attendance."""
    user = api_user(request)
    rows = list(
        Session.objects.for_participant(user)
        .with_places_taken()
        .select_related("module")
        .order_by("starts_at", "pk")
    )
    registered = set(
        SessionRegistration.objects.filter(enrollment__user=user, session__in=rows).values_list(
            "session_id", flat=True
        )
    )
    attendance = dict(
        Attendance.objects.filter(
            enrollment__user=user, session__in=rows, session__attendance_taken_at__isnull=False
        ).values_list("session_id", "status")
    )
    context = {"registered": registered, "attendance": attendance, "now": timezone.now()}
    return Response(MySessionSerializer(rows, many=True, context=context).data)


@extend_schema(
    methods=["POST"], request=None, responses={**error_responses(409), 201: SessionSerializer}
)
@extend_schema(methods=["DELETE"], request=None, responses={**error_responses(409), 204: None})
@api_view(["POST", "DELETE"])
def registration(request: Request, pk: int) -> Response:
    """Participants: POST takes a place in a session with a capacity (409 when full);
    DELETE gives it back."""
    user = api_user(request)
    session, enrollment = get_session_for_participant(user, pk)
    try:
        if request.method == "DELETE":
            services.unregister(enrollment=enrollment, session=session)
            return Response(status=status.HTTP_204_NO_CONTENT)
        services.register(enrollment=enrollment, session=session)
    except SessionRefused as refused:
        raise Refused(refused.message) from None
    return Response(SessionSerializer(_with_places(session)).data, status=status.HTTP_201_CREATED)
