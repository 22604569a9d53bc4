"""REST endpoints of the courses app: my progress. Certificates (mine, my requests, public
verification and the coordinators' actions) are in ``courses.certificates``."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
)
from rest_framework.request import Request
from rest_framework.response import Response

from courses.models import Enrollment
from courses.progress import ModuleProgress, ProgramProgress, progress_for
from platform.api import api_user


class ModuleProgressSerializer(serializers.Serializer[ModuleProgress]):
    title = serializers.CharField(source="module.title")
    is_required = serializers.BooleanField(source="module.is_required")
    is_capstone = serializers.BooleanField(source="module.is_capstone")
    pass_mark = serializers.DecimalField(source="module.pass_mark", max_digits=5, decimal_places=1)
    percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    status = serializers.CharField()


class ProgramProgressSerializer(serializers.Serializer[ProgramProgress]):
    program = serializers.CharField(source="enrollment.cohort.program.title")
    program_slug = serializers.CharField(source="enrollment.cohort.program.slug")
    cohort = serializers.CharField(source="enrollment.cohort.name")
    complete = serializers.BooleanField()
    percent_complete = serializers.IntegerField()
    weighted_grade = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    modules = ModuleProgressSerializer(many=True)


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
