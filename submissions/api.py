"""REST endpoints of the submissions app: upload an attempt, poll its status and score.

The same services and access helpers as the HTML views; what a participant sees here is what
the submission page shows them (autograde results at once, total and feedback after release).
"""

from decimal import Decimal
from functools import cached_property

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import get_assignment_for_user, get_enrollment_for_participant
from courses.models import Assignment
from platform.api import api_user
from submissions import services
from submissions.access import get_submission_for_viewer, is_grader_of
from submissions.exceptions import SubmissionError
from submissions.models import GradingRun, Review, Submission, TestResult


def _decimal(value: Decimal | None) -> str | None:
    """Decimals travel as strings, like DRF's DecimalField does, so no float creeps in."""
    return None if value is None else str(value)


class UploadInputSerializer(serializers.Serializer[None]):
    notebook = serializers.FileField(help_text="The Jupyter notebook (.ipynb) to submit.")


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    module = serializers.CharField(source="module.title")
    program = serializers.CharField(source="module.program.title")

    class Meta:
        model = Assignment
        fields = ["id", "title", "module", "program", "due_at", "max_attempts", "max_points"]


class TestResultSerializer(serializers.ModelSerializer[TestResult]):
    message = serializers.SerializerMethodField()

    class Meta:
        model = TestResult
        fields = ["grade_id", "kind", "status", "points", "max_points", "hidden", "message"]

    def get_message(self, result: TestResult) -> str:
        # Hidden tests report only whether they passed, never what they checked.
        return "" if result.hidden and not self.context.get("is_grader") else result.message


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    assignment = serializers.IntegerField(source="assignment_id")
    autograded_points = serializers.SerializerMethodField()
    autograded_max = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()
    released = serializers.SerializerMethodField()
    total_points = serializers.SerializerMethodField()
    max_points = serializers.DecimalField(
        source="assignment.max_points", max_digits=8, decimal_places=2
    )
    feedback = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "assignment",
            "attempt_no",
            "status",
            "submitted_at",
            "late_seconds",
            "notebook_sha256",
            "size",
            "autograded_points",
            "autograded_max",
            "error",
            "results",
            "released",
            "total_points",
            "max_points",
            "feedback",
        ]

    def _run(self, submission: Submission) -> GradingRun | None:
        if submission.pk not in self._runs:
            self._runs[submission.pk] = services.latest_run(submission)
        return self._runs[submission.pk]

    @cached_property
    def _runs(self) -> dict[int, GradingRun | None]:
        return {}

    def _review(self, submission: Submission) -> Review | None:
        review = Review.objects.filter(submission=submission).first()
        return review if review and (review.is_released or self.context.get("is_grader")) else None

    def get_autograded_points(self, submission: Submission) -> str | None:
        run = self._run(submission)
        return _decimal(run.autograded_points if run else None)

    def get_autograded_max(self, submission: Submission) -> str | None:
        run = self._run(submission)
        return _decimal(run.autograded_max if run else None)

    def get_error(self, submission: Submission) -> str:
        run = self._run(submission)
        return run.error if run else ""

    @extend_schema_field(TestResultSerializer(many=True))
    def get_results(self, submission: Submission) -> list[dict[str, object]]:
        run = self._run(submission)
        if run is None:
            return []
        return list(TestResultSerializer(run.results.all(), many=True, context=self.context).data)

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
        submission = services.submit_attempt(
            participant=user,
            enrollment=enrollment,
            assignment=assignment,
            upload=serializer.validated_data["notebook"],
        )
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
