"""REST endpoints of publishing: publish an assignment, replace its source notebook, read its
publish check. The same services and access helpers as the publishing pages."""

from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import (
    get_assignment_for_instructor,
    get_assignment_for_publisher,
    get_module_for_publisher,
)
from courses.exceptions import AssignmentExists, CoursesError, VersionRefused
from courses.services import preview_assignment_version
from platform.api import api_user
from platform.api_schema import error_responses
from submissions.models import AssignmentSettings, PublishCheck
from submissions.publishing.course_files import (
    files_of,
    store_course_files,
    uploaded_course_files,
)
from submissions.publishing.services import (
    instantiate_autotests,
    publish_checked,
    replace_checked,
)

COURSE_FILES_HELP = (
    "Course files (images, data, helper modules), repeated; a .zip keeps its folders. "
    "Placed read-only beside the notebook (docs/course-files.md)."
)


class PublishInputSerializer(serializers.Serializer[None]):
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=50)
    source = serializers.FileField(help_text="The nbgrader source notebook (stays on the server).")  # type: ignore[assignment]
    opens_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    max_attempts = serializers.IntegerField(min_value=1, max_value=100, default=10)
    course_files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=COURSE_FILES_HELP,
    )


class GradingRulesSerializer(serializers.Serializer[AssignmentSettings]):
    stderr_output_fails = serializers.BooleanField(
        source="follows_nbgrader_warnings_rule",
        help_text="Any output on stderr fails a test (nbgrader's rule, imported courses); "
        "false: a Python warning there does not (assignments authored here).",
    )
    restore_missing_cells = serializers.BooleanField(
        help_text="Deleted graded cells are put back and graded; false: a deleted test scores "
        "0 and a deleted answer waits for the grader, both flagged (nbgrader's default)."
    )


class PublishCheckSerializer(serializers.ModelSerializer[PublishCheck]):
    assignment = serializers.IntegerField(source="assignment_id")
    version = serializers.IntegerField(source="version.number", allow_null=True, default=None)
    problems = serializers.ListField(child=serializers.CharField(), read_only=True)
    grading_rules = GradingRulesSerializer(source="assignment.settings", read_only=True)

    class Meta:
        model = PublishCheck
        fields = [
            "id",
            "assignment",
            "version",
            "status",
            "problems",
            "grading_rules",
            "report",
            "created_at",
            "finished_at",
        ]


class ExistingAssignmentSerializer(serializers.Serializer[dict[str, Any]]):
    detail = serializers.CharField()
    assignment = serializers.IntegerField(help_text="The assignment that uses the short name.")
    update_url = serializers.CharField(help_text="Replace its notebook here (PUT).")


@extend_schema(
    request=PublishInputSerializer,
    responses={
        201: PublishCheckSerializer,
        **error_responses(400, 403),
        409: ExistingAssignmentSerializer,
    },
)
@api_view(["POST"])
@parser_classes([MultiPartParser])
def publish_assignment(request: Request, pk: int) -> Response:
    """Publish a new assignment into a module from an nbgrader source; poll its publish check.

    A short name the module already uses is refused with 409, naming the assignment and where
    to replace its notebook (``PUT /api/v1/assignments/{id}/source/``)."""
    module = get_module_for_publisher(api_user(request), pk)
    serializer = PublishInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    source = data.pop("source").read(settings.NOTEBOOK_MAX_BYTES + 1)
    try:
        files = store_course_files(uploaded_course_files(data.pop("course_files")))
    except CoursesError as error:
        return Response({"course_files": [error.message]}, status=status.HTTP_400_BAD_REQUEST)
    try:
        check = publish_checked(
            module=module, source=source, actor=api_user(request), course_files=files, **data
        )
    except AssignmentExists as error:
        return Response(
            {
                "detail": error.message,
                "assignment": error.assignment_id,
                "update_url": reverse("submissions-api:source", args=[error.assignment_id]),
            },
            status=status.HTTP_409_CONFLICT,
        )
    except CoursesError as error:
        return Response({"source": [error.message]}, status=status.HTTP_400_BAD_REQUEST)
    return Response(PublishCheckSerializer(check).data, status=status.HTTP_201_CREATED)


class ReplaceInputSerializer(serializers.Serializer[None]):
    source = serializers.FileField(help_text="The new nbgrader source notebook.")  # type: ignore[assignment]
    course_files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=COURSE_FILES_HELP + " Omitted: the live version's course files are kept.",
    )
    title = serializers.CharField(max_length=200, required=False)
    opens_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Omitted: unchanged; null: no opening date."
    )
    due_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Omitted: unchanged; null: no due date."
    )
    max_attempts = serializers.IntegerField(min_value=1, max_value=100, required=False)
    base_version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The live version you compared with; 409 if another went live since.",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Only answer what would change; nothing is stored."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        opens, due = attrs.get("opens_at"), attrs.get("due_at")
        if opens and due and due < opens:
            raise serializers.ValidationError(
                {"due_at": [_("The due date must come after the opening date.")]}
            )
        return attrs

    def given_settings(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.validated_data.items()
            if k in {"title", "opens_at", "due_at", "max_attempts"}
        }


class ReplaceOutputSerializer(serializers.Serializer[dict[str, Any]]):
    assignment = serializers.IntegerField()
    live_version = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField(
        allow_null=True, help_text="The new version (null for a dry run)."
    )
    status = serializers.CharField(
        help_text="'checking': goes live when its publish check passes; 'preview': dry run."
    )
    changes = serializers.DictField(
        help_text="grade_cells_added/removed/changed, other_cells_added/removed, "
        "old_points/new_points, settings (field, old, new)."
    )
    publish_check = PublishCheckSerializer(allow_null=True)


@extend_schema(
    request=ReplaceInputSerializer,
    responses={
        200: ReplaceOutputSerializer,
        202: ReplaceOutputSerializer,
        **error_responses(400, 403, 409),
    },
)
@api_view(["PUT"])
@parser_classes([MultiPartParser])
def replace_source(request: Request, pk: int) -> Response:
    """Replace a published assignment's notebook with a new version (docs/grading.md).

    The new version is checked by the worker first and goes live only when the check passes;
    dates and settings not given stay, and every attempt stays graded against the version it
    was made for. 202 with what changes; ``dry_run`` answers 200 with the changes only."""
    user = api_user(request)
    assignment = get_assignment_for_publisher(user, pk)
    serializer = ReplaceInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    source = data["source"].read(settings.NOTEBOOK_MAX_BYTES + 1)
    try:
        files = (
            store_course_files(uploaded_course_files(data["course_files"]))
            if data.get("course_files")
            else None
        )
    except CoursesError as error:
        return Response({"course_files": [error.message]}, status=status.HTTP_400_BAD_REQUEST)
    live = assignment.live_version()
    answer: dict[str, Any] = {
        "assignment": assignment.pk,
        "live_version": live.number if live else None,
    }
    try:
        if data["dry_run"]:
            changes = preview_assignment_version(
                assignment=assignment,
                source=instantiate_autotests(
                    source, course_files=files if files is not None else files_of(live)
                ),
                given_settings=serializer.given_settings(),
            )
            answer |= {"version": None, "status": "preview", "changes": changes.as_json()}
            return Response(ReplaceOutputSerializer(answer | {"publish_check": None}).data)
        version, check = replace_checked(
            actor=user,
            assignment=assignment,
            source=source,
            given_settings=serializer.given_settings(),
            course_files=files,
            base_number=data.get("base_version"),
        )
    except VersionRefused as error:
        return Response({"detail": error.message}, status=status.HTTP_409_CONFLICT)
    except CoursesError as error:
        return Response({"source": [error.message]}, status=status.HTTP_400_BAD_REQUEST)
    answer |= {
        "version": version.number,
        "status": version.status,
        "changes": version.changes,
        "publish_check": check,
    }
    return Response(ReplaceOutputSerializer(answer).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(responses=PublishCheckSerializer)
@api_view(["GET"])
def publish_check_report(request: Request, pk: int) -> Response:
    assignment = get_assignment_for_instructor(api_user(request), pk)
    check = get_object_or_404(assignment.publish_checks.all()[:1])
    return Response(PublishCheckSerializer(check).data)
