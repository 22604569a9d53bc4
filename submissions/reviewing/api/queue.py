"""REST endpoints of the grading queue and its leases, with the web pages' access rules.

The queue lists what ``/grading/`` lists (same filters, same pseudonyms); a lease taken here
is the same lease the grading screen takes, so a script and a person never grade one attempt
at once. A lease's token is returned only to its holder.
"""

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from platform.api import api_user
from platform.api_schema import error_responses
from submissions.access import (
    get_submission_for_coordinator,
    get_submission_for_grader,
    require_grading_cohorts,
)
from submissions.exceptions import LeaseHeld, LeaseLost
from submissions.models import GradingLease, Submission
from submissions.reviewing import leases
from submissions.reviewing.anonymity import participant_label
from submissions.reviewing.queue import (
    QueueFilter,
    QueueState,
    queue_for,
    row_state,
    take_next,
)
from submissions.reviewing.views.queue import filter_form

API_PAGE_SIZE = 100


class LeaseSerializer(serializers.Serializer[GradingLease]):
    holder = serializers.CharField(source="holder.full_name", allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class OwnLeaseSerializer(LeaseSerializer):
    token = serializers.CharField(
        help_text="Send it back to renew or release the lease (and with saves)."
    )


class LeaseConflictSerializer(serializers.Serializer[None]):
    detail = serializers.CharField()
    holder = serializers.CharField(allow_blank=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class TokenSerializer(serializers.Serializer[None]):
    token = serializers.CharField(max_length=64)


class QueueRowSerializer(serializers.Serializer[Submission]):
    id = serializers.IntegerField()
    participant = serializers.SerializerMethodField(
        help_text="The participant's name, or a pseudonym while grading is anonymous."
    )
    assignment = serializers.IntegerField(source="assignment_id")
    assignment_title = serializers.CharField(source="assignment.title")
    module = serializers.CharField(source="assignment.module.title")
    program = serializers.CharField(source="assignment.module.program.title")
    cohort = serializers.CharField(source="enrollment.cohort.name")
    attempt_no = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    late_seconds = serializers.IntegerField()
    autograde_status = serializers.CharField(source="status")
    state = serializers.SerializerMethodField()
    lease = serializers.SerializerMethodField()
    grading_url = serializers.SerializerMethodField()

    def get_participant(self, submission: Submission) -> str:
        return participant_label(submission)

    @extend_schema_field(serializers.ChoiceField(choices=QueueState.choices))
    def get_state(self, submission: Submission) -> str:
        return row_state(submission)

    @staticmethod
    def _lease(submission: Submission) -> GradingLease | None:
        lease = getattr(submission, "lease", None)
        return lease if lease is not None and lease.is_valid() else None

    @extend_schema_field(LeaseSerializer(allow_null=True))
    def get_lease(self, submission: Submission) -> dict[str, object] | None:
        lease = self._lease(submission)
        return dict(LeaseSerializer(lease).data) if lease else None

    def get_grading_url(self, submission: Submission) -> str:
        return reverse("submissions:grade", args=[submission.pk])


class QueuePageSerializer(serializers.Serializer[None]):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = QueueRowSerializer(many=True)


class TakenSerializer(serializers.Serializer[None]):
    submission = QueueRowSerializer()
    lease = OwnLeaseSerializer()


def _conflict(error: LeaseHeld | LeaseLost) -> Response:
    holder = getattr(error, "holder_name", "")
    until = getattr(error, "until", None)
    return Response(
        {"detail": error.message, "holder": holder, "expires_at": until},
        status=status.HTTP_409_CONFLICT,
    )


QUEUE_PARAMETERS = [
    OpenApiParameter("program", int, description="Only this program."),
    OpenApiParameter("module", int, description="Only this module."),
    OpenApiParameter("assignment", int, description="Only this assignment."),
    OpenApiParameter("cohort", int, description="Only this cohort."),
    OpenApiParameter("state", str, enum=[c.value for c in QueueState]),
    OpenApiParameter(
        "who",
        str,
        enum=["mine", "all"],
        description="mine: allocated to me (the default when allocation is on).",
    ),
    OpenApiParameter("order", str, enum=["oldest", "newest"]),
    OpenApiParameter("page", int),
]


@extend_schema(
    parameters=QUEUE_PARAMETERS,
    responses={200: QueuePageSerializer, **error_responses(404)},  # 404: not a grader
)
@api_view(["GET"])
def queue_list(request: Request) -> Response:
    """The grading queue: the latest attempt per participant and assignment, oldest first."""
    user = api_user(request)
    require_grading_cohorts(user)
    form = filter_form(user, request.query_params)
    if form.is_bound and not form.is_valid():
        return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
    paginator = Paginator(queue_for(user, form.queue_filter()), API_PAGE_SIZE)
    page = paginator.get_page(request.query_params.get("page"))
    data = {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [QueueRowSerializer(row).data for row in page.object_list],
    }
    return Response(data)


@extend_schema(
    parameters=QUEUE_PARAMETERS[:-1],
    request=None,
    responses={200: TakenSerializer, 204: None, **error_responses(404)},  # 404: not a grader
)
@api_view(["POST"])
def queue_take_next(request: Request) -> Response:
    """Lease the next ungraded submission of the (filtered) queue; 204 when none is left."""
    user = api_user(request)
    require_grading_cohorts(user)
    form = filter_form(user, request.query_params)
    if form.is_bound and not form.is_valid():
        return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
    picked = take_next(user, form.queue_filter())
    if picked is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    submission, lease = picked
    row = queue_for(user, QueueFilter()).get(pk=submission.pk)
    return Response(
        {"submission": QueueRowSerializer(row).data, "lease": OwnLeaseSerializer(lease).data}
    )


@extend_schema(request=None, responses={200: OwnLeaseSerializer, 409: LeaseConflictSerializer})
@api_view(["POST"])
def lease_take(request: Request, pk: int) -> Response:
    """Take the lease on a submission (or extend one's own); 409 names who holds it."""
    user = api_user(request)
    submission = get_submission_for_grader(user, pk)
    try:
        lease = leases.take_lease(grader=user, submission=submission)
    except LeaseHeld as error:
        return _conflict(error)
    return Response(OwnLeaseSerializer(lease).data)


@extend_schema(
    request=TokenSerializer, responses={200: OwnLeaseSerializer, 409: LeaseConflictSerializer}
)
@api_view(["POST"])
def lease_renew(request: Request, pk: int) -> Response:
    user = api_user(request)
    submission = get_submission_for_grader(user, pk)
    body = TokenSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        lease = leases.renew_lease(
            grader=user, submission=submission, token=body.validated_data["token"]
        )
    except LeaseLost as error:
        return _conflict(error)
    return Response(OwnLeaseSerializer(lease).data)


@extend_schema(request=TokenSerializer, responses={204: None, 409: LeaseConflictSerializer})
@api_view(["POST"])
def lease_release(request: Request, pk: int) -> Response:
    user = api_user(request)
    submission = get_submission_for_grader(user, pk)
    body = TokenSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    if not leases.release_lease(
        grader=user, submission=submission, token=body.validated_data["token"]
    ):
        return Response(
            {"detail": _("This token does not hold the lease."), "holder": "", "expires_at": None},
            status=status.HTTP_409_CONFLICT,
        )
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=None, responses={200: LeaseSerializer})
@api_view(["POST"])
def lease_break(request: Request, pk: int) -> Response:
    """Coordinators: free a submission someone holds."""
    user = api_user(request)
    submission = get_submission_for_coordinator(user, pk)
    return Response(LeaseSerializer(leases.break_lease(actor=user, submission=submission)).data)
