"""REST endpoints of an assignment's late work: read and change its late policy, grant a cohort
or one participant an extension, list extensions (revoked ones apart, with who revoked them
and when) and revoke personal extensions. The same services, access helper and report as the page
(``submissions.late.views``): every answer lists the released grades left as they were because
a certificate relies on them, as the requesting grader may see them."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from courses.access import require_assignment_manager
from courses.late import UNIT_SECONDS, LatePolicy
from courses.models import Assignment, Cohort, Extension
from platform.api import api_user
from platform.text_limits import REASON_CHARS
from submissions.access import get_assignment_for_grading, get_personal_extension_for_grading
from submissions.exceptions import ExtensionRevoked, LatePolicyInvalid, SubmissionError
from submissions.late.report import (
    Participant,
    cohort_extensions,
    cohorts_of,
    frozen_rows,
    participant_of,
    participants_of,
    personal_extensions,
    recomputed_rows,
    revoked_extensions,
)
from submissions.late.services import (
    FrozenGrade,
    LateRecomputation,
    change_late_policy,
    grant_extension,
    revoke_extension,
    stale_frozen_grades,
)


def percent_field(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        help_text=help_text,
    )


class LatePolicySerializer(serializers.Serializer[dict[str, Any]]):
    grace_minutes = serializers.IntegerField(min_value=0, max_value=60 * 24 * 365)
    penalty_percent = percent_field("Percent of the maximum points deducted per started unit.")
    penalty_unit = serializers.ChoiceField(choices=sorted(UNIT_SECONDS))
    floor_percent = percent_field(
        "Late work is never brought below this percentage of the maximum points."
    )
    cutoff_at = serializers.DateTimeField(
        allow_null=True, help_text="No uploads after this moment (unless extended); null: none."
    )


class FrozenGradeSerializer(serializers.Serializer[dict[str, Any]]):
    submission = serializers.IntegerField()
    attempt_no = serializers.IntegerField()
    participant = serializers.CharField(
        help_text="The name graders see: a pseudonym while the assignment is graded anonymously."
    )
    assignment = serializers.IntegerField()
    assignment_title = serializers.CharField()
    cohort = serializers.IntegerField()
    current_points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    would_be_points = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        help_text="The current late policy and deadline applied to the recorded raw points.",
    )
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    late_seconds = serializers.IntegerField(help_text="Lateness as recorded.")
    would_be_late_seconds = serializers.IntegerField(help_text="Lateness under the deadline now.")
    unfreeze_url = serializers.CharField(
        allow_null=True, help_text="The coordinator's unfreeze page; null for everyone else."
    )


class RecomputedGradeSerializer(serializers.Serializer[dict[str, Any]]):
    submission = serializers.IntegerField()
    participant = serializers.CharField(
        help_text="The name graders see: a pseudonym while the assignment is graded anonymously."
    )
    cohort = serializers.IntegerField()
    cohort_name = serializers.CharField()
    total_points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)


RECOMPUTED_HELP = (
    "Every participant whose released grade the change recorded again, in every cohort it "
    "reached (only those who grade all of them may make a change that reaches several)."
)


class LateWorkSerializer(serializers.Serializer[dict[str, Any]]):
    assignment = serializers.IntegerField()
    late_policy = LatePolicySerializer()
    recomputed = serializers.IntegerField(
        required=False, help_text="After a change: how many released grades were recomputed."
    )
    recomputed_grades = RecomputedGradeSerializer(
        many=True, required=False, help_text="After a change: " + RECOMPUTED_HELP
    )
    frozen_not_recomputed = FrozenGradeSerializer(
        many=True,
        help_text="Released grades a certificate relies on (frozen) that differ from what the "
        "current late policy and deadlines give: changes leave them as they are.",
    )


PARTICIPANT_HELP = (
    "An opaque reference to a participant of one of your cohorts, from the `participants` "
    "of GET on this path (never an enrolment id, which would undo a pseudonym)."
)


class ExtensionInputSerializer(serializers.Serializer[dict[str, Any]]):
    """For one of the user's cohorts, or for one participant of them: exactly one of the two."""

    cohort = serializers.PrimaryKeyRelatedField(
        queryset=Cohort.objects.none(), required=False, allow_null=True, default=None
    )
    participant = serializers.CharField(
        required=False, allow_null=True, default=None, help_text=PARTICIPANT_HELP
    )
    due_at = serializers.DateTimeField()
    cutoff_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=REASON_CHARS)

    def __init__(
        self,
        *args: Any,
        cohorts: Any = None,
        participants: Iterable[Participant] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if cohorts is not None:
            self.fields["cohort"].queryset = cohorts  # type: ignore[attr-defined]
        self.participants = {p.ref: p for p in participants}

    def validate_participant(self, value: str | None) -> Participant | None:
        if value is None:
            return None
        if value not in self.participants:
            raise serializers.ValidationError(
                _("No participant of your cohorts has this reference.")
            )
        return self.participants[value]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs["cohort"] is None) == (attrs["participant"] is None):
            raise serializers.ValidationError(
                _("An extension is for one participant or for one cohort.")
            )
        return attrs


class ExtensionSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(help_text="The cohort, also for a personal extension.")
    participant = serializers.CharField(
        allow_null=True, help_text="A personal extension's participant (reference); else null."
    )
    participant_name = serializers.CharField(
        allow_null=True,
        help_text="The name graders see: a pseudonym while the assignment is graded anonymously.",
    )
    due_at = serializers.DateTimeField()
    cutoff_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    granted_at = serializers.DateTimeField()


class RevokedExtensionSerializer(ExtensionSerializer):
    revoked_at = serializers.DateTimeField()
    revoked_by = serializers.CharField(help_text="The name of who revoked it.")


class ParticipantSerializer(serializers.Serializer[dict[str, Any]]):
    participant = serializers.CharField(help_text=PARTICIPANT_HELP)
    name = serializers.CharField(
        help_text="The name graders see: a pseudonym while the assignment is graded anonymously."
    )
    cohort = serializers.IntegerField()


class ExtensionListSerializer(serializers.Serializer[dict[str, Any]]):
    cohort_extensions = ExtensionSerializer(many=True)
    personal_extensions = ExtensionSerializer(many=True)
    revoked_extensions = RevokedExtensionSerializer(
        many=True,
        help_text="Revoked extensions of your cohorts and their participants, most recently "
        "revoked first: they no longer count, and are kept with who revoked them and when.",
    )
    participants = ParticipantSerializer(
        many=True, help_text="Who may be given a personal extension: your cohorts' participants."
    )


class ExtensionGrantedSerializer(serializers.Serializer[dict[str, Any]]):
    extension = ExtensionSerializer()
    recomputed = serializers.IntegerField()
    recomputed_grades = RecomputedGradeSerializer(many=True, help_text=RECOMPUTED_HELP)
    frozen_not_recomputed = FrozenGradeSerializer(many=True)


class ExtensionRevokedSerializer(serializers.Serializer[dict[str, Any]]):
    extension = RevokedExtensionSerializer()
    recomputed = serializers.IntegerField()
    recomputed_grades = RecomputedGradeSerializer(many=True, help_text=RECOMPUTED_HELP)
    frozen_not_recomputed = FrozenGradeSerializer(many=True)


def extension_data(extension: Extension, participant: Participant | None) -> dict[str, Any]:
    return {
        "id": extension.pk,
        "cohort": participant.enrollment.cohort_id if participant else extension.cohort_id,
        "participant": participant.ref if participant else None,
        "participant_name": participant.label if participant else None,
        "due_at": extension.due_at,
        "cutoff_at": extension.cutoff_at,
        "reason": extension.reason,
        "granted_at": extension.granted_at,
    }


def revoked_extension_data(extension: Extension, participant: Participant | None) -> dict[str, Any]:
    assert extension.revoked_by is not None
    return {
        **extension_data(extension, participant),
        "revoked_at": extension.revoked_at,
        "revoked_by": extension.revoked_by.full_name,
    }


def frozen_data(
    request: Request, assignment: Assignment, grades: Iterable[FrozenGrade]
) -> list[dict[str, Any]]:
    user = api_user(request)
    return [
        {
            "submission": row.grade.submission.pk,
            "attempt_no": row.grade.submission.attempt_no,
            "participant": row.label,
            "assignment": assignment.pk,
            "assignment_title": assignment.title,
            "cohort": row.grade.submission.enrollment.cohort_id,
            "current_points": row.grade.current_points,
            "would_be_points": row.grade.would_be_points,
            "max_points": row.grade.review.max_points,
            "late_seconds": row.grade.submission.late_seconds,
            "would_be_late_seconds": row.grade.late_seconds,
            "unfreeze_url": request.build_absolute_uri(row.unfreeze_url)
            if row.unfreeze_url
            else None,
        }
        for row in frozen_rows(user=user, assignment=assignment, grades=grades)
    ]


def recomputed_data(
    request: Request, assignment: Assignment, result: LateRecomputation
) -> dict[str, Any]:
    """How many released grades a change recorded again, and whose."""
    rows = recomputed_rows(user=api_user(request), assignment=assignment, reviews=result.recorded)
    return {
        "recomputed": result.recomputed,
        "recomputed_grades": [
            {
                "submission": row.review.submission_id,
                "participant": row.label,
                "cohort": row.cohort.pk,
                "cohort_name": row.cohort.name,
                "total_points": row.review.total_points,
            }
            for row in rows
        ],
    }


def late_work_data(
    request: Request,
    assignment: Assignment,
    grades: Iterable[FrozenGrade] | None = None,
) -> dict[str, Any]:
    """The policy and the frozen grades off it (``grades``: those a change just returned)."""
    if grades is None:
        grades = stale_frozen_grades(
            assignment=assignment, cohorts=cohorts_of(api_user(request), assignment)
        )
    policy = assignment.settings.late_policy
    return {
        "assignment": assignment.pk,
        "late_policy": {
            "grace_minutes": policy.grace_minutes,
            "penalty_percent": policy.percent_per_unit,
            "penalty_unit": policy.unit,
            "floor_percent": policy.floor_percent,
            "cutoff_at": assignment.cutoff_at,
        },
        "frozen_not_recomputed": frozen_data(request, assignment, grades),
    }


@extend_schema(
    methods=["GET"], responses=LateWorkSerializer, summary="Read an assignment's late policy"
)
@extend_schema(
    methods=["PUT"],
    request=LatePolicySerializer,
    responses={200: LateWorkSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
    summary="Change the late policy and recompute the released grades under it",
)
@api_view(["GET", "PUT"])
def late_policy(request: Request, pk: int) -> Response:
    """The late policy of an assignment, for its graders (404 for everyone else), and the
    frozen released grades that do not follow it."""
    user = api_user(request)
    assignment = get_assignment_for_grading(user, pk)
    if request.method == "GET":
        return Response(LateWorkSerializer(late_work_data(request, assignment)).data)
    require_assignment_manager(user, assignment)
    data = LatePolicySerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    try:
        result = change_late_policy(
            assignment=assignment,
            actor=user,
            policy=LatePolicy(
                grace_minutes=values["grace_minutes"],
                percent_per_unit=values["penalty_percent"],
                unit=values["penalty_unit"],
                floor_percent=values["floor_percent"],
            ),
            cutoff_at=values["cutoff_at"],
        )
    except LatePolicyInvalid as error:
        return Response({error.field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
    answer = {
        **late_work_data(request, assignment, result.skipped_frozen),
        **recomputed_data(request, assignment, result),
    }
    return Response(LateWorkSerializer(answer).data)


@extend_schema(
    methods=["GET"],
    responses=ExtensionListSerializer,
    summary="List an assignment's extensions and who may be given one",
)
@extend_schema(
    methods=["POST"],
    request=ExtensionInputSerializer,
    responses={201: ExtensionGrantedSerializer, 400: OpenApiTypes.OBJECT},
    summary="Grant a cohort or one participant more time for an assignment",
)
@api_view(["GET", "POST"])
def extensions(request: Request, pk: int) -> Response:
    """Lateness and released grades of the cohort or participant are recomputed against the
    new due date; frozen participants' attempts stay as they are and are listed (one frozen
    participant is refused)."""
    user = api_user(request)
    assignment = get_assignment_for_grading(user, pk)
    participants = participants_of(user, assignment)
    if request.method == "GET":
        return Response(
            ExtensionListSerializer(extension_list(assignment, user, participants)).data
        )
    data = ExtensionInputSerializer(
        data=request.data, cohorts=cohorts_of(user, assignment), participants=participants
    )
    data.is_valid(raise_exception=True)
    values = data.validated_data
    participant = values["participant"]
    try:
        result = grant_extension(
            assignment=assignment,
            granted_by=user,
            cohort=values["cohort"],
            enrollment=participant.enrollment if participant else None,
            due_at=values["due_at"],
            cutoff_at=values["cutoff_at"],
            reason=values["reason"],
        )
    except SubmissionError as error:
        return Response({"detail": error.message}, status=status.HTTP_400_BAD_REQUEST)
    answer = {
        "extension": extension_data(result.extension, participant),
        **recomputed_data(request, assignment, result),
        "frozen_not_recomputed": frozen_data(request, assignment, result.skipped_frozen),
    }
    return Response(ExtensionGrantedSerializer(answer).data, status=status.HTTP_201_CREATED)


def extension_list(
    assignment: Assignment, user: Any, participants: list[Participant]
) -> dict[str, Any]:
    return {
        "cohort_extensions": [extension_data(e, None) for e in cohort_extensions(user, assignment)],
        "personal_extensions": [
            extension_data(row.extension, row.participant)
            for row in personal_extensions(user, assignment)
        ],
        "revoked_extensions": [
            revoked_extension_data(row.extension, row.participant)
            for row in revoked_extensions(user, assignment)
        ],
        "participants": [
            {"participant": p.ref, "name": p.label, "cohort": p.enrollment.cohort_id}
            for p in participants
        ],
    }


@extend_schema(
    request=None,
    responses={
        200: ExtensionRevokedSerializer,
        400: OpenApiTypes.OBJECT,
        404: OpenApiTypes.OBJECT,
    },
    summary="Revoke a participant's own extension and recompute their released grades",
)
@api_view(["DELETE"])
def personal_extension(request: Request, pk: int, extension_pk: int) -> Response:
    """Only personal extensions of your cohorts' participants (404 otherwise, also once
    revoked, with who revoked it and when); refused (400) while a certificate relies on the
    participant's grades (frozen). The extension is kept, marked revoked."""
    user = api_user(request)
    assignment = get_assignment_for_grading(user, pk)
    extension = get_personal_extension_for_grading(user, assignment, extension_pk)
    try:
        result = revoke_extension(extension=extension, actor=user)
    except ExtensionRevoked as error:
        return Response({"detail": error.message}, status=status.HTTP_404_NOT_FOUND)
    except SubmissionError as error:
        return Response({"detail": error.message}, status=status.HTTP_400_BAD_REQUEST)
    participant = participant_of(assignment, extension)
    answer = {
        "extension": revoked_extension_data(extension, participant),
        **recomputed_data(request, assignment, result),
        "frozen_not_recomputed": frozen_data(request, assignment, result.skipped_frozen),
    }
    return Response(ExtensionRevokedSerializer(answer).data)
