"""REST endpoints of enrolment (under /api/v1/, namespace ``courses-api``): a cohort's
enrolments with states and fee status, their state and fee changes, and invitations (list,
create, re-send, revoke).

The same access helpers and services as the pages (``views``): coordinators (staff and the
program's coordinators) read and change everything; a participant reads only their own
enrolment; anyone else gets a 404. A refused change is a 409 with the reason.
"""

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import (
    get_cohort_for_coordinator,
    get_enrollment_in_cohort,
    get_enrollments_for_reader,
)
from courses.enrolment import services
from courses.exceptions import CoursesError
from courses.models import Enrollment, Invitation
from platform.api import api_user
from platform.api_schema import error_responses
from platform.text_limits import REASON_CHARS

# ``Invitation.state``; named ``InvitationStateEnum`` in the schema (SPECTACULAR_SETTINGS).
INVITATION_STATES = ["open", "accepted", "revoked", "expired"]


class Refused(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change was refused."
    default_code = "refused"


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    enrollment = serializers.IntegerField(source="enrollment_id")
    username = serializers.CharField(source="enrollment.user.username")
    email = serializers.CharField(source="enrollment.user.email")
    state = serializers.ChoiceField(choices=INVITATION_STATES)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "enrollment",
            "username",
            "email",
            "state",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]


class LatestInvitationSerializer(serializers.ModelSerializer[Invitation]):
    state = serializers.ChoiceField(choices=INVITATION_STATES)

    class Meta:
        model = Invitation
        fields = ["id", "state", "created_at", "expires_at", "accepted_at", "revoked_at"]


class EnrollmentSerializer(serializers.ModelSerializer[Enrollment]):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.full_name")
    email = serializers.CharField(source="user.email")
    organisation = serializers.CharField(source="user.organisation")
    language = serializers.CharField(source="user.preferred_language")
    status_changed_by = serializers.CharField(
        source="status_changed_by.username", read_only=True, allow_null=True
    )
    invitation = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "username",
            "name",
            "email",
            "organisation",
            "language",
            "status",
            "status_reason",
            "status_changed_at",
            "status_changed_by",
            "fee_status",
            "enrolled_at",
            "invitation",
        ]

    @extend_schema_field(LatestInvitationSerializer(allow_null=True))
    def get_invitation(self, enrollment: Enrollment) -> dict[str, Any] | None:
        """The newest invitation (prefetched as ``links``, newest first)."""
        links = getattr(enrollment, "links", None)
        links = list(enrollment.invitations.all()[:1]) if links is None else links
        latest = links[0] if links else None
        return None if latest is None else dict(LatestInvitationSerializer(latest).data)


STATUS_CHOICES = ["", *Enrollment.Status.values]


class EnrollmentFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False, default="")


class StatusChangeSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=[
            Enrollment.Status.ACTIVE,
            Enrollment.Status.PAUSED,
            Enrollment.Status.WITHDRAWN,
            Enrollment.Status.COMPLETED,
        ],
        help_text="paused, active (resume or reopen), withdrawn (needs a reason), completed.",
    )
    reason = serializers.CharField(
        max_length=REASON_CHARS, required=False, allow_blank=True, default=""
    )


class FeeChangeSerializer(serializers.Serializer[Any]):
    fee_status = serializers.ChoiceField(choices=Enrollment.FeeStatus.values)


class InviteSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=["", *(code for code, _name in settings.LANGUAGES)], required=False, default=""
    )
    organisation = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


def _with_links(enrollments: "QuerySet[Enrollment]") -> "QuerySet[Enrollment]":
    return enrollments.prefetch_related(
        Prefetch("invitations", queryset=Invitation.objects.all(), to_attr="links")
    )


def _one(enrollment: Enrollment) -> Enrollment:
    return _with_links(Enrollment.objects.select_related("user", "status_changed_by")).get(
        pk=enrollment.pk
    )


@extend_schema(
    parameters=[OpenApiParameter("status", enum=STATUS_CHOICES, required=False)],
    responses=EnrollmentSerializer(many=True),
)
@api_view(["GET"])
def enrollments(request: Request, pk: int) -> Response:
    """The cohort's enrolments with state, fee status and latest invitation (a participant:
    only their own)."""
    _cohort, visible = get_enrollments_for_reader(api_user(request), pk)
    query = EnrollmentFilterSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    if wanted := query.validated_data["status"]:
        visible = visible.filter(status=wanted)
    rows = _with_links(visible.order_by("user__username"))
    return Response(EnrollmentSerializer(rows, many=True).data)


@extend_schema(
    request=StatusChangeSerializer,
    responses={**error_responses(409), 200: EnrollmentSerializer},
)
@api_view(["POST"])
def change_status(request: Request, pk: int, enrollment_pk: int) -> Response:
    """Pause, resume, withdraw (with a reason; data kept), complete or reopen a place."""
    user = api_user(request)
    enrollment = get_enrollment_in_cohort(get_cohort_for_coordinator(user, pk), enrollment_pk)
    data = StatusChangeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        services.change_status(
            enrollment=enrollment,
            to=data.validated_data["status"],
            by=user,
            reason=data.validated_data["reason"],
        )
    except CoursesError as refused:
        raise Refused(refused.message) from None
    return Response(EnrollmentSerializer(_one(enrollment)).data)


@extend_schema(request=FeeChangeSerializer, responses={200: EnrollmentSerializer})
@api_view(["POST"])
def change_fee(request: Request, pk: int, enrollment_pk: int) -> Response:
    """Record the fee as open, paid or waived (an accepted place waiting for it becomes
    active)."""
    user = api_user(request)
    enrollment = get_enrollment_in_cohort(get_cohort_for_coordinator(user, pk), enrollment_pk)
    data = FeeChangeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    services.set_fee_status(
        enrollment=enrollment, fee_status=data.validated_data["fee_status"], by=user
    )
    return Response(EnrollmentSerializer(_one(enrollment)).data)


@extend_schema(methods=["GET"], responses=InvitationSerializer(many=True))
@extend_schema(
    methods=["POST"],
    request=InviteSerializer,
    responses={**error_responses(409), 201: EnrollmentSerializer},
)
@api_view(["GET", "POST"])
def invitations(request: Request, pk: int) -> Response:
    """GET: every invitation of the cohort, newest first. POST: invite one person (the
    account is found by e-mail or created; the invitation mail is queued)."""
    user = api_user(request)
    cohort = get_cohort_for_coordinator(user, pk)
    if request.method == "GET":
        links = Invitation.objects.filter(enrollment__cohort=cohort).select_related(
            "enrollment__user"
        )
        return Response(InvitationSerializer(links, many=True).data)
    data = InviteSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        invited = services.invite(
            cohort=cohort,
            email=data.validated_data["email"],
            full_name=data.validated_data["name"],
            language=data.validated_data["language"],
            organisation=data.validated_data["organisation"],
            invited_by=user,
        )
    except CoursesError as refused:
        raise Refused(refused.message) from None
    return Response(
        EnrollmentSerializer(_one(invited.enrollment)).data, status=status.HTTP_201_CREATED
    )


@extend_schema(request=None, responses={**error_responses(409), 201: InvitationSerializer})
@api_view(["POST"])
def resend(request: Request, pk: int, enrollment_pk: int) -> Response:
    """A new link for an invited person; the old one stops working."""
    user = api_user(request)
    enrollment = get_enrollment_in_cohort(get_cohort_for_coordinator(user, pk), enrollment_pk)
    try:
        invitation, _token = services.resend_invitation(enrollment=enrollment, by=user)
    except CoursesError as refused:
        raise Refused(refused.message) from None
    return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses={**error_responses(409), 200: EnrollmentSerializer})
@api_view(["POST"])
def revoke(request: Request, pk: int, enrollment_pk: int) -> Response:
    """Make the person's open invitation links stop working (the place stays invited)."""
    user = api_user(request)
    enrollment = get_enrollment_in_cohort(get_cohort_for_coordinator(user, pk), enrollment_pk)
    try:
        services.revoke_invitation(enrollment=enrollment, by=user)
    except CoursesError as refused:
        raise Refused(refused.message) from None
    return Response(EnrollmentSerializer(_one(enrollment)).data)
