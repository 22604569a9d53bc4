"""REST endpoints of the submissions app: upload an attempt, poll its status and score.

The same services and access helpers as the HTML views; what a participant sees here is what
the submission page shows them (autograde results at once, total and feedback after release).
"""

from decimal import Decimal
from functools import cached_property
from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import (
    get_assignment_for_user,
    get_enrollment_for_participant,
)
from courses.models import Assignment
from platform.api import api_user
from platform.blobs import blob_response
from platform.models import FileAccess
from platform.privacy.services import record_access
from platform.text_limits import COMMENT_CHARS
from submissions.access import get_notebook_of_submission, get_submission_for_viewer, is_grader_of
from submissions.exceptions import DataFilesInvalid, SubmissionError
from submissions.frame import NOTEBOOK_CSP
from submissions.intake.services import DataCardInput, submit_attempt
from submissions.models import (
    AssignmentSettings,
    DataCard,
    GradingRun,
    RenderedNotebook,
    Review,
    Submission,
    SubmissionFile,
    TestResult,
)
from submissions.notebook_results import by_notebook
from submissions.publishing.api import GradingRulesSerializer
from submissions.queue import Basis, queue_place
from submissions.services import rendered_html, rendered_notebook_of


def _decimal(value: Decimal | None) -> str | None:
    """Decimals travel as strings, like DRF's DecimalField does, so no float creeps in."""
    return None if value is None else str(value)


class UploadInputSerializer(serializers.Serializer[None]):
    notebook = serializers.FileField(help_text="The Jupyter notebook (.ipynb) to submit.")
    data_files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="Your own data files, placed read-only beside the notebook when grading.",
    )
    # A field named "source" shadows Field.source in the stubs only; DRF collects it normally.
    source = serializers.CharField(required=False, allow_blank=True, max_length=500)  # type: ignore[assignment]
    licence = serializers.CharField(required=False, allow_blank=True, max_length=200)
    personal_data = serializers.ChoiceField(
        choices=DataCard.PersonalData.choices, required=False, default=DataCard.PersonalData.NO
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_CHARS)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("data_files") and not (attrs.get("source") and attrs.get("licence")):
            raise serializers.ValidationError(
                {"source": [_("Say where your data comes from and its licence (the data card).")]}
            )
        return attrs

    def data_card(self) -> DataCardInput | None:
        return DataCardInput.from_upload(self.validated_data)


class DataFileSerializer(serializers.ModelSerializer[SubmissionFile]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = SubmissionFile
        fields = ["id", "name", "kind", "size", "sha256", "purged_at", "url"]

    def get_url(self, data_file: SubmissionFile) -> str | None:
        if not data_file.is_available:
            return None
        return reverse("submissions-api:data-file", args=[data_file.submission_id, data_file.pk])


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    module = serializers.CharField(source="module.title")
    program = serializers.CharField(source="module.program.title")

    class Meta:
        model = Assignment
        fields = ["id", "title", "module", "program", "due_at", "max_attempts", "max_points"]


class TestResultSerializer(serializers.ModelSerializer[TestResult]):
    message = serializers.SerializerMethodField()
    traceback = serializers.SerializerMethodField(
        help_text="A failed visible test's traceback as plain text; empty for hidden tests."
    )
    hint = serializers.SerializerMethodField(
        help_text="The instructor's hint for a failed test; empty when it passed."
    )

    class Meta:
        model = TestResult
        fields = [
            "grade_id",
            "kind",
            "status",
            "points",
            "max_points",
            "hidden",
            "missing",
            "message",
            "traceback",
            "hint",
        ]

    def get_message(self, result: TestResult) -> str:
        # Hidden tests report only whether they passed, never what they checked.
        return "" if result.hidden and not self.context.get("is_grader") else result.message_text

    def get_traceback(self, result: TestResult) -> str:
        return "" if result.hidden else result.traceback

    def get_hint(self, result: TestResult) -> str:
        rules = self.context.get("rules")
        return result.hint(rules) if isinstance(rules, AssignmentSettings) else ""


class QueuePlaceSerializer(serializers.Serializer[None]):
    """A queued or running attempt's place and estimate (docs/grading.md)."""

    running = serializers.BooleanField()
    place = serializers.IntegerField(
        allow_null=True, help_text="1: next to be graded; null: running"
    )
    ahead = serializers.IntegerField(help_text="queued gradings enqueued before this one")
    workers = serializers.IntegerField(help_text="grading workers alive now")
    estimate_seconds = serializers.IntegerField(
        allow_null=True, help_text="seconds until the result; null: see basis"
    )
    basis = serializers.ChoiceField(choices=[b.value for b in Basis])
    busy = serializers.BooleanField(help_text="the grading queue is older than its threshold")


class AttemptNotebookSerializer(serializers.Serializer[None]):
    """One notebook of an attempt: one for most assignments, several for a multi-notebook one."""

    name = serializers.CharField()
    position = serializers.IntegerField(help_text="Give as ?notebook= to the notebook URLs.")
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    autograded_points = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="null while not visible."
    )
    autograded_max = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    notebook_url = serializers.CharField()
    rendered_url = serializers.CharField()


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    assignment = serializers.IntegerField(source="assignment_id")
    queue = serializers.SerializerMethodField()
    autograded_points = serializers.SerializerMethodField()
    autograded_max = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()
    grading_rules = serializers.SerializerMethodField()
    released = serializers.SerializerMethodField()
    total_points = serializers.SerializerMethodField()
    max_points = serializers.DecimalField(
        source="assignment.max_points", max_digits=8, decimal_places=2
    )
    feedback = serializers.SerializerMethodField()
    data_files = DataFileSerializer(many=True, read_only=True)
    notebook_url = serializers.SerializerMethodField()
    rendered_url = serializers.SerializerMethodField()
    notebooks = serializers.SerializerMethodField()
    # In the upload's answer: files of the zipped folder left out as the assignment's course
    # files (empty elsewhere).
    left_out_course_files = serializers.ListField(child=serializers.CharField(), read_only=True)

    def get_notebook_url(self, submission: Submission) -> str:
        return reverse("submissions-api:notebook", args=[submission.pk])

    def get_rendered_url(self, submission: Submission) -> str:
        return reverse("submissions-api:rendered", args=[submission.pk])

    class Meta:
        model = Submission
        fields = [
            "id",
            "assignment",
            "attempt_no",
            "status",
            "queue",
            "submitted_at",
            "late_seconds",
            "notebook_sha256",
            "size",
            "autograded_points",
            "autograded_max",
            "error",
            "results",
            "grading_rules",
            "released",
            "total_points",
            "max_points",
            "feedback",
            "data_files",
            "notebook_url",
            "rendered_url",
            "notebooks",
            "left_out_course_files",
        ]

    @extend_schema_field(AttemptNotebookSerializer(many=True))
    def get_notebooks(self, submission: Submission) -> list[dict[str, object]]:
        """Each notebook with its autograded points (the results' grade ids name it:
        ``problem1/test``; docs/grading.md, "Multi-notebook assignments")."""
        run = self._run(submission) if self._autograde_visible(submission) else None
        results = list(run.results.all()) if run and not run.is_active else []
        groups = by_notebook(results, submission.grading_copy.grade_cells)
        points = {g.name: g for g in groups}
        several = submission.notebook_count > 1
        notebooks = []
        for notebook in submission.notebook_files():
            group = points.get(notebook.name if several else "")
            query = f"?notebook={notebook.position}" if several else ""
            notebooks.append(
                {
                    "name": notebook.name,
                    "position": notebook.position,
                    "size": notebook.size,
                    "sha256": notebook.sha256,
                    "autograded_points": _decimal(group.autograded_points if group else None),
                    "autograded_max": _decimal(group.autograded_max if group else None),
                    "notebook_url": self.get_notebook_url(submission) + query,
                    "rendered_url": self.get_rendered_url(submission) + query,
                }
            )
        return notebooks

    def _run(self, submission: Submission) -> GradingRun | None:
        if submission.pk not in self._runs:
            self._runs[submission.pk] = submission.latest_run()
        return self._runs[submission.pk]

    @cached_property
    def _runs(self) -> dict[int, GradingRun | None]:
        return {}

    def _review(self, submission: Submission) -> Review | None:
        review = Review.objects.filter(submission=submission).first()
        return review if review and (review.is_released or self.context.get("is_grader")) else None

    def _autograde_visible(self, submission: Submission) -> bool:
        """The posting policy: autograde results at once, or only with the released review."""
        return bool(
            self.context.get("is_grader")
            or submission.assignment.settings.shows_autograde_at_once
            or self.get_released(submission)
        )

    @extend_schema_field(QueuePlaceSerializer(allow_null=True))
    def get_queue(self, submission: Submission) -> dict[str, Any] | None:
        """Only while grading is queued or running; null once settled."""
        run = self._run(submission)
        place = run and queue_place(run, assignment_id=submission.assignment_id)
        if not place:
            return None
        return {
            "running": place.running,
            "place": place.place,
            "ahead": place.ahead,
            "workers": place.workers,
            "estimate_seconds": None if place.estimate is None else round(place.estimate),
            "basis": place.basis.value,
            "busy": place.busy,
        }

    def get_autograded_points(self, submission: Submission) -> str | None:
        run = self._run(submission) if self._autograde_visible(submission) else None
        return _decimal(run.autograded_points if run else None)

    def get_autograded_max(self, submission: Submission) -> str | None:
        run = self._run(submission) if self._autograde_visible(submission) else None
        return _decimal(run.autograded_max if run else None)

    def get_error(self, submission: Submission) -> str:
        run = self._run(submission)
        return run.error_text if run else ""

    @extend_schema_field(TestResultSerializer(many=True))
    def get_results(self, submission: Submission) -> list[dict[str, object]]:
        run = self._run(submission) if self._autograde_visible(submission) else None
        if run is None:
            return []
        context = {**self.context, "rules": submission.assignment.settings}
        return list(TestResultSerializer(run.results.all(), many=True, context=context).data)

    @extend_schema_field(GradingRulesSerializer)
    def get_grading_rules(self, submission: Submission) -> dict[str, Any]:
        return dict(GradingRulesSerializer(submission.assignment.settings).data)

    def get_released(self, submission: Submission) -> bool:
        review = Review.objects.filter(submission=submission).first()
        return bool(review and review.is_released)

    def get_total_points(self, submission: Submission) -> str | None:
        review = self._review(submission)
        return _decimal(review.total_points if review else None)

    def get_feedback(self, submission: Submission) -> str:
        review = self._review(submission)
        return review.feedback if review else ""


@extend_schema(responses=AssignmentSerializer(many=True))
@api_view(["GET"])
def my_assignments(request: Request) -> Response:
    assignments = Assignment.objects.visible_to(api_user(request)).select_related("module__program")
    return Response(AssignmentSerializer(assignments, many=True).data)


@extend_schema(request=UploadInputSerializer, responses={201: SubmissionSerializer})
@api_view(["POST"])
@parser_classes([MultiPartParser])
def upload_attempt(request: Request, pk: int) -> Response:
    """Upload a notebook as a new attempt; poll the returned submission until it is settled."""
    user = api_user(request)
    assignment = get_assignment_for_user(user, pk)
    enrollment = get_enrollment_for_participant(user, assignment)
    serializer = UploadInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        submission = submit_attempt(
            participant=user,
            enrollment=enrollment,
            assignment=assignment,
            upload=serializer.validated_data["notebook"],
            data_files=serializer.validated_data["data_files"],
            data_card=serializer.data_card(),
        )
    except DataFilesInvalid as error:
        return Response({"data_files": [error.message]}, status=status.HTTP_400_BAD_REQUEST)
    except SubmissionError as error:
        return Response(
            {"notebook": [error.message], "cell": error.cell}, status=status.HTTP_400_BAD_REQUEST
        )
    return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=SubmissionSerializer)
@api_view(["GET"])
def submission_status(request: Request, pk: int) -> Response:
    user = api_user(request)
    submission = get_submission_for_viewer(user, pk)
    context = {"is_grader": is_grader_of(user, submission)}
    return Response(SubmissionSerializer(submission, context=context).data)


@never_cache
@extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
@api_view(["GET"])
def submission_notebook(request: Request, pk: int) -> HttpResponseBase:
    """The notebook exactly as uploaded (an attachment); of a multi-notebook attempt, the one
    ``?notebook=<position>`` names (counted from 0; ``notebooks`` of the attempt lists them)."""
    user = api_user(request)
    submission = get_submission_for_viewer(user, pk)
    notebook = get_notebook_of_submission(submission, request.query_params.get("notebook"))
    record_access(user, submission, FileAccess.What.NOTEBOOK)
    return blob_response(
        notebook.sha256,
        filename=submission.download_name(notebook),
        content_type="application/octet-stream",
    )


class RenderingStatusSerializer(serializers.Serializer[None]):
    status = serializers.ChoiceField(choices=["rendering", "failed"])
    error = serializers.CharField(required=False, help_text="Why rendering failed.")


@never_cache
@csp_override(NOTEBOOK_CSP)
@extend_schema(
    responses={
        (200, "text/html"): OpenApiTypes.STR,
        (202, "application/json"): RenderingStatusSerializer,
        (409, "application/json"): RenderingStatusSerializer,
    }
)
@api_view(["GET"])
def submission_rendered(request: Request, pk: int) -> HttpResponseBase:
    """The sanitized HTML fragment of the rendered notebook (202 while rendering, 409 if it failed);
    ``?notebook=<position>`` for another notebook of a multi-notebook attempt.

    The fragment is safe by construction (see docs/architecture.md), but embed it only in a
    sandboxed frame, as the web pages do.
    """
    user = api_user(request)
    submission = get_submission_for_viewer(user, pk)
    notebook = get_notebook_of_submission(submission, request.query_params.get("notebook"))
    rendered = rendered_notebook_of(notebook.sha256)
    if rendered is None or rendered.status == RenderedNotebook.Status.PENDING:
        return Response({"status": "rendering"}, status=status.HTTP_202_ACCEPTED)
    if rendered.status == RenderedNotebook.Status.FAILED:
        return Response(
            {"status": "failed", "error": rendered.error_text}, status=status.HTTP_409_CONFLICT
        )
    record_access(user, submission, FileAccess.What.RENDERED)
    # Not a stored blob as it is: course images are put in when it is served
    # (docs/course-files.md), so Django sends it itself.
    response = HttpResponse(
        rendered_html(submission, rendered), content_type="text/html; charset=utf-8"
    )
    response["Content-Disposition"] = "attachment; filename=notebook.html"
    return response


@never_cache
@extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 410: None})
@api_view(["GET"])
def submission_data_file(request: Request, pk: int, file_pk: int) -> HttpResponseBase:
    user = api_user(request)
    submission = get_submission_for_viewer(user, pk)
    data_file = get_object_or_404(submission.data_files, pk=file_pk)
    if not data_file.is_available:
        return Response({"detail": _("This data file was purged.")}, status=status.HTTP_410_GONE)
    record_access(user, submission, FileAccess.What.DATA_FILE, files=[data_file.name])
    return blob_response(
        data_file.sha256, filename=data_file.name, content_type="application/octet-stream"
    )
