"""REST endpoints of certificates for their holders and the public: my certificates, my
requests awaiting approval, and the verification of a code (no token, throttled like the page).

The coordinators' actions are in ``courses.certificates.coordinator_api``.
"""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from courses.access import get_certificate_for_verification
from courses.certificates.serializers import CertificateBaseSerializer
from courses.models import Certificate, CertificateRequest
from courses.throttle import VERIFY_PER_MINUTE, over_limit
from platform.api import api_user


class CertificateSerializer(CertificateBaseSerializer):
    """A holder's own certificate, with the links they share or download."""

    page_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    credential_url = serializers.SerializerMethodField(
        help_text="The signed Open Badges 3.0 credential; null unless the certificate is valid."
    )

    class Meta:
        model = Certificate
        fields = [
            "code",
            "holder_name",
            "program_title",
            "program_version",
            "institution_name",
            "grade_percent",
            "issued_at",
            "status",
            "revoked_at",
            "superseded_by",
            "verification_url",
            "page_url",
            "pdf_url",
            "credential_url",
        ]

    def get_page_url(self, certificate: Certificate) -> str:
        return self._absolute(reverse("courses:certificate", args=[certificate.code]))

    def get_pdf_url(self, certificate: Certificate) -> str:
        return self._absolute(reverse("certificates:pdf", args=[certificate.code]))

    def get_credential_url(self, certificate: Certificate) -> str | None:
        if certificate.status != Certificate.Status.ISSUED:
            return None
        return self._absolute(reverse("certificates:credential", args=[certificate.code]))

    def _absolute(self, path: str) -> str:
        return str(self.context["request"].build_absolute_uri(path))


class PublicCertificateSerializer(CertificateBaseSerializer):
    """What the public verification page shows, and nothing more (no grade, no reason)."""

    valid = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "code",
            "holder_name",
            "program_title",
            "program_version",
            "institution_name",
            "issued_at",
            "status",
            "valid",
            "revoked_at",
            "superseded_by",
            "verification_url",
        ]

    def get_valid(self, certificate: Certificate) -> bool:
        return certificate.status == Certificate.Status.ISSUED


class MyCertificateRequestSerializer(serializers.ModelSerializer[CertificateRequest]):
    program_title = serializers.CharField(source="program.title")
    status = serializers.CharField()
    certificate = serializers.CharField(source="certificate.code", read_only=True, allow_null=True)

    class Meta:
        model = CertificateRequest
        fields = [
            "program_title",
            "grade_percent",
            "requested_at",
            "status",
            "decided_at",
            "certificate",
        ]


class SharedVerifyThrottle(BaseThrottle):
    """The verification page's budget (``courses.throttle``), shared with this API."""

    def allow_request(self, request: Request, view: object) -> bool:
        return not over_limit("verify", request._request, per_minute=VERIFY_PER_MINUTE)

    def wait(self) -> float:
        return 60.0


@extend_schema(responses=CertificateSerializer(many=True))
@api_view(["GET"])
def my_certificates(request: Request) -> Response:
    """My certificates, newest first, in every status (revoked and superseded ones too)."""
    certificates = Certificate.objects.filter(user=api_user(request)).select_related(
        "superseded_by"
    )
    return Response(
        CertificateSerializer(certificates, many=True, context={"request": request}).data
    )


@extend_schema(responses=MyCertificateRequestSerializer(many=True))
@api_view(["GET"])
def my_certificate_requests(request: Request) -> Response:
    """My certificates awaiting a coordinator's approval (``pending``), and decided ones."""
    requests = CertificateRequest.objects.filter(user=api_user(request)).select_related(
        "program", "certificate"
    )
    return Response(MyCertificateRequestSerializer(requests, many=True).data)


@extend_schema(
    responses={200: PublicCertificateSerializer, 404: None, 429: None},
    auth=[],
    description=(
        "Public, no token: what the verification page shows. Unknown and malformed codes are "
        "the same 404; shares the verification page's rate limit (429)."
    ),
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([SharedVerifyThrottle])
def verify_certificate(request: Request, code: str) -> Response:
    try:
        certificate = get_certificate_for_verification(code)
    except Http404:
        raise NotFound("Unknown certificate code.") from None
    return Response(PublicCertificateSerializer(certificate).data)
