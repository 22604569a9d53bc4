"""REST endpoints of the coordinators' certificate actions for one cohort (the holders' and the
public endpoints are in ``courses.certificates.api``).

The same access helpers and services as the HTML screens (``coordinator_views``): cohorts
one may not see are 404, the cohort's instructors may list (read-only, actions 403),
and a refused action (already issued, rule not met, not valid any more) is a 409 with the
reason.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import (
    get_certificate_in_cohort,
    get_certificate_request_in_cohort,
    get_cohort_for_certificates,
    get_enrollment_in_cohort,
    require_certificate_manager,
)
from courses.certificates import services
from courses.certificates.register import FILTERS, register_for
from courses.certificates.serializers import CertificateBaseSerializer
from courses.exceptions import CoursesError
from courses.models import Certificate, CertificateRequest
from courses.progress import ProgramProgress
from platform.api import api_user
from platform.api_schema import error_responses
from platform.text_limits import REASON_CHARS


class Refused(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The action was refused."
    default_code = "refused"


class CohortCertificateSerializer(CertificateBaseSerializer):
    username = serializers.CharField(source="user.username")
    issued_by = serializers.CharField(source="issued_by.username", read_only=True, allow_null=True)
    approved_by = serializers.SerializerMethodField()
    approved_at = serializers.SerializerMethodField()
    revoked_by = serializers.CharField(
        source="revoked_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = Certificate
        fields = [
            "id",
            "code",
            "holder_name",
            "username",
            "program_title",
            "program_version",
            "grade_percent",
            "issued_at",
            "issued_by",
            "approved_by",
            "approved_at",
            "status",
            "revoked_at",
            "revoked_by",
            "revoked_reason",
            "superseded_by",
            "verification_url",
        ]

    def get_approved_by(self, certificate: Certificate) -> str | None:
        approval = getattr(certificate, "approval", None)
        if approval is None or approval.decided_by is None:
            return None
        return str(approval.decided_by.username)

    def get_approved_at(self, certificate: Certificate) -> str | None:
        approval = getattr(certificate, "approval", None)
        if approval is None or approval.decided_at is None:
            return None
        return serializers.DateTimeField().to_representation(approval.decided_at)


class PendingRequestSerializer(serializers.ModelSerializer[CertificateRequest]):
    holder_name = serializers.CharField(source="user.certificate_name")
    username = serializers.CharField(source="user.username")
    enrollment = serializers.IntegerField(source="enrollment_id")

    class Meta:
        model = CertificateRequest
        fields = ["id", "enrollment", "holder_name", "username", "grade_percent", "requested_at"]


class ReadySerializer(serializers.Serializer[ProgramProgress]):
    enrollment = serializers.IntegerField(source="enrollment.pk")
    holder_name = serializers.CharField(source="enrollment.user.certificate_name")
    username = serializers.CharField(source="enrollment.user.username")
    weighted_grade = serializers.DecimalField(max_digits=5, decimal_places=1)


class RegisterSerializer(serializers.Serializer[Any]):
    cohort = serializers.IntegerField(source="cohort.pk")
    program = serializers.CharField(source="cohort.program.title")
    requires_approval = serializers.BooleanField(source="cohort.program.requires_approval")
    can_manage = serializers.BooleanField()
    certificates = CohortCertificateSerializer(many=True)
    awaiting_approval = PendingRequestSerializer(many=True, source="pending")
    ready_to_issue = ReadySerializer(many=True, source="ready")


class StatusFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["", *FILTERS], required=False, default="")


class RevokeInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=REASON_CHARS, trim_whitespace=True)


class ReissueInputSerializer(serializers.Serializer[Any]):
    holder_name = serializers.CharField(max_length=200, required=False, trim_whitespace=True)


@extend_schema(
    parameters=[OpenApiParameter("status", enum=list(FILTERS), required=False)],
    responses=RegisterSerializer,
)
@api_view(["GET"])
def cohort_certificates(request: Request, pk: int) -> Response:
    """The cohort's certificates, the requests awaiting approval and those ready to issue."""
    user = api_user(request)
    cohort = get_cohort_for_certificates(user, pk)
    query = StatusFilterSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    register = register_for(cohort, status=query.validated_data["status"])
    data = {
        "cohort": cohort,
        "can_manage": cohort.program.is_coordinated_by(user),
        "certificates": register.certificates,
        "pending": register.pending,
        "ready": register.ready,
    }
    return Response(RegisterSerializer(data).data)


@extend_schema(request=None, responses={**error_responses(409), 201: CohortCertificateSerializer})
@api_view(["POST"])
def issue(request: Request, pk: int, enrollment_pk: int) -> Response:
    """Issue the certificate of an enrolment whose rule is met but that holds none."""
    user = api_user(request)
    cohort = get_cohort_for_certificates(user, pk)
    require_certificate_manager(user, cohort)
    enrollment = get_enrollment_in_cohort(cohort, enrollment_pk)
    try:
        certificate = services.issue_certificate(actor=user, enrollment=enrollment)
    except CoursesError as refused:
        raise Refused(refused.message) from None
    return _created(certificate)


@extend_schema(request=None, responses={**error_responses(409), 201: CohortCertificateSerializer})
@api_view(["POST"])
def approve(request: Request, pk: int, request_pk: int) -> Response:
    """Approve a pending request: the certificate is issued now, recording who and when."""
    user = api_user(request)
    cohort = get_cohort_for_certificates(user, pk)
    require_certificate_manager(user, cohort)
    pending = get_certificate_request_in_cohort(cohort, request_pk)
    try:
        certificate = services.approve_certificate(actor=user, request=pending)
    except CoursesError as refused:
        raise Refused(refused.message) from None
    return _created(certificate)


@extend_schema(
    request=RevokeInputSerializer,
    responses={**error_responses(409), 200: CohortCertificateSerializer},
)
@api_view(["POST"])
def revoke(request: Request, pk: int, certificate_pk: int) -> Response:
    """Revoke a valid certificate with a reason (kept, never public; sent to the holder)."""
    user = api_user(request)
    cohort = get_cohort_for_certificates(user, pk)
    require_certificate_manager(user, cohort)
    certificate = get_certificate_in_cohort(cohort, certificate_pk)
    data = RevokeInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        services.revoke_certificate(
            actor=user, certificate=certificate, reason=data.validated_data["reason"]
        )
    except CoursesError as refused:
        raise Refused(refused.message) from None
    return Response(CohortCertificateSerializer(_reloaded(certificate.pk)).data)


@extend_schema(
    request=ReissueInputSerializer,
    responses={**error_responses(409), 201: CohortCertificateSerializer},
)
@api_view(["POST"])
def reissue(request: Request, pk: int, certificate_pk: int) -> Response:
    """Re-issue a valid certificate, in ``holder_name`` when given (a name correction); the
    new certificate supersedes the old one."""
    user = api_user(request)
    cohort = get_cohort_for_certificates(user, pk)
    require_certificate_manager(user, cohort)
    certificate = get_certificate_in_cohort(cohort, certificate_pk)
    data = ReissueInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        new = services.reissue_certificate(
            actor=user, certificate=certificate, holder_name=data.validated_data.get("holder_name")
        )
    except CoursesError as refused:
        raise Refused(refused.message) from None
    return _created(new)


def _reloaded(pk: int) -> Certificate:
    return Certificate.objects.select_related(
        "user", "issued_by", "revoked_by", "superseded_by", "approval__decided_by"
    ).get(pk=pk)


def _created(certificate: Certificate) -> Response:
    return Response(
        CohortCertificateSerializer(_reloaded(certificate.pk)).data,
        status=status.HTTP_201_CREATED,
    )
