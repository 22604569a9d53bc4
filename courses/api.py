"""REST endpoints of the courses app: my progress, my certificates, public verification."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from courses.access import get_certificate_for_verification
from courses.models import Certificate, Enrollment
from courses.progress import ModuleProgress, ProgramProgress, progress_for
from platform.api import api_user


class ModuleProgressSerializer(serializers.Serializer[ModuleProgress]):
    title = serializers.CharField(source="module.title")
    is_required = serializers.BooleanField(source="module.is_required")
    is_capstone = serializers.BooleanField(source="module.is_capstone")
    pass_mark = serializers.DecimalField(source="module.pass_mark", max_digits=5, decimal_places=1)
    percent = serializers.DecimalField(max_digits=5, decimal_places=1)
    status = serializers.CharField()


class ProgramProgressSerializer(serializers.Serializer[ProgramProgress]):
    program = serializers.CharField(source="enrollment.cohort.program.title")
    program_slug = serializers.CharField(source="enrollment.cohort.program.slug")
    cohort = serializers.CharField(source="enrollment.cohort.name")
    complete = serializers.BooleanField()
    percent_complete = serializers.IntegerField()
    weighted_grade = serializers.DecimalField(max_digits=5, decimal_places=1)
    modules = ModuleProgressSerializer(many=True)


class CertificateSerializer(serializers.ModelSerializer[Certificate]):
    verification_url = serializers.SerializerMethodField()
    status = serializers.CharField()

    class Meta:
        model = Certificate
        fields = [
            "code",
            "holder_name",
            "program_title",
            "institution_name",
            "grade_percent",
            "issued_at",
            "status",
            "revoked_at",
            "verification_url",
        ]

    def get_verification_url(self, certificate: Certificate) -> str:
        request = self.context["request"]
        return str(request.build_absolute_uri(certificate.get_verification_url()))


@extend_schema(responses=ProgramProgressSerializer(many=True))
@api_view(["GET"])
def my_progress(request: Request) -> Response:
    enrollments = list(
        Enrollment.objects.current()
        .filter(user=api_user(request))
        .select_related("cohort__program")
    )
    reports = progress_for(enrollments, now=timezone.now())
    return Response(ProgramProgressSerializer(reports, many=True).data)  # type: ignore[arg-type]


@extend_schema(responses=CertificateSerializer(many=True))
@api_view(["GET"])
def my_certificates(request: Request) -> Response:
    certificates = Certificate.objects.filter(user=api_user(request))
    return Response(
        CertificateSerializer(certificates, many=True, context={"request": request}).data
    )


@extend_schema(responses=CertificateSerializer, auth=[])
@api_view(["GET"])
@permission_classes([AllowAny])
@throttle_classes([ScopedRateThrottle])
def verify_certificate(request: Request, code: str) -> Response:
    certificate = get_certificate_for_verification(code)
    return Response(CertificateSerializer(certificate, context={"request": request}).data)


verify_certificate.cls.throttle_scope = "verify"  # type: ignore[attr-defined]
