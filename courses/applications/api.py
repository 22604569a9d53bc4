"""REST endpoints of the coordinators' screening: list (by cohort and status), one application,
and a decision with its message. The same access rule and services as the pages: only
confirmed applications of programs the user coordinates are visible (others are 404), and a
refused decision (the cohort is full, the application is decided already) is a 409."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from courses.applications import services
from courses.applications.access import get_application_for_coordinator, screenable_applications
from courses.applications.forms import MESSAGE_CHARS
from courses.models import Application, Program
from platform.api import api_user
from platform.api_schema import error_responses


class Refused(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The decision was refused."
    default_code = "refused"


class ApplicationSerializer(serializers.ModelSerializer[Application]):
    program = serializers.CharField(source="cohort.program.title")
    privacy_notice_version = serializers.CharField(source="privacy_notice.version")
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True
    )
    has_attachment = serializers.SerializerMethodField()
    fee_status = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "cohort",
            "program",
            "full_name",
            "email",
            "language",
            "organisation",
            "prior_knowledge",
            "motivation",
            "has_attachment",
            "attachment_name",
            "attachment_size",
            "privacy_notice_version",
            "consented_at",
            "created_at",
            "confirmed_at",
            "status",
            "status_changed_at",
            "waitlist_position",
            "offer_expires_at",
            "decided_by",
            "decided_at",
            "decision_message",
            "notes",
            "enrollment",
            "fee_status",
        ]

    def get_has_attachment(self, application: Application) -> bool:
        return bool(application.attachment_sha256)

    def get_fee_status(self, application: Application) -> str | None:
        """The admitted person's fee status when the cohort charges a fee (else null)."""
        if application.enrollment is None or application.cohort.fee <= 0:
            return None
        return str(application.enrollment.fee_status)


class ListQuerySerializer(serializers.Serializer[Any]):
    cohort = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(
        choices=[s for s in Application.Status.values if s != "unconfirmed"], required=False
    )


class DecisionInputSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=[d.value for d in services.Decision])
    message = serializers.CharField(
        max_length=MESSAGE_CHARS,
        required=False,
        help_text="Sent to the applicant as it is; omitted: the default message of the "
        "decision in the applicant's language.",
    )


@extend_schema(
    parameters=[
        OpenApiParameter("cohort", int, required=False),
        OpenApiParameter(
            "status",
            enum=[s for s in Application.Status.values if s != "unconfirmed"],
            required=False,
        ),
    ],
    responses={**error_responses(403), 200: ApplicationSerializer(many=True)},
)
@api_view(["GET"])
def application_list(request: Request) -> Response:
    """The confirmed applications of the programs you coordinate, oldest first."""
    user = api_user(request)
    if not Program.objects.coordinated_by(user).exists():
        raise PermissionDenied("Only coordinators see applications.")
    query = ListQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    rows = screenable_applications(user).order_by("confirmed_at", "pk")
    if cohort := query.validated_data.get("cohort"):
        rows = rows.filter(cohort_id=cohort)
    if wanted := query.validated_data.get("status"):
        rows = rows.filter(status=wanted)
    return Response(ApplicationSerializer(rows, many=True).data)


@extend_schema(responses=ApplicationSerializer)
@api_view(["GET"])
def application_detail(request: Request, pk: int) -> Response:
    application = get_application_for_coordinator(api_user(request), pk)
    return Response(ApplicationSerializer(application).data)


@extend_schema(
    request=DecisionInputSerializer,
    responses={**error_responses(409), 200: ApplicationSerializer},
)
@api_view(["POST"])
def decide(request: Request, pk: int) -> Response:
    """Admit, wait-list or reject, sending the message to the applicant."""
    user = api_user(request)
    application = get_application_for_coordinator(user, pk)
    data = DecisionInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    decision = services.Decision(data.validated_data["decision"])
    message = data.validated_data.get("message") or services.default_message(application, decision)
    try:
        services.decide(application=application, decision=decision, message=message, actor=user)
    except services.ApplicationRefused as refused:
        raise Refused(refused.message) from None
    return Response(ApplicationSerializer(get_application_for_coordinator(user, pk)).data)
