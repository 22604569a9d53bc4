"""Who may see which tandem (docs/tandems.md): one helper per resource, 404 for the rest.

The log with its notes is for the pair and the program's coordinators; the cohort's instructors
see only the reflection they may grade; everyone else sees nothing.
"""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from courses.models import Cohort, PartnerRequest, Program, Tandem, TandemMeeting
from platform.models import User

_RELATED = ("cohort__program", "module", "senior__user", "student", "reflection")


def get_tandem_for_member(user: User, pk: int) -> Tandem:
    """A tandem with its log: one of its two sides, or a coordinator of its program."""
    coordinated = Program.objects.coordinated_by(user).values("pk")
    return get_object_or_404(
        Tandem.objects.filter(
            Q(senior__user=user) | Q(student=user) | Q(cohort__program__in=coordinated)
        ).select_related(*_RELATED),
        pk=pk,
    )


def get_tandem_for_reflection_grader(user: User, pk: int) -> Tandem:
    """A tandem whose reflection the user may read and grade: the cohort's instructors and the
    program's coordinators (``Cohort.objects.graded_by``); the log stays hidden from them."""
    return get_object_or_404(
        Tandem.objects.filter(cohort__in=Cohort.objects.graded_by(user)).select_related(*_RELATED),
        pk=pk,
    )


def get_meeting_for_member(user: User, tandem_pk: int, pk: int) -> TandemMeeting:
    tandem = get_tandem_for_member(user, tandem_pk)
    meeting = tandem.meetings.filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such meeting")
    meeting.tandem = tandem
    return meeting


def get_partner_request_for_coordinator(user: User, pk: int) -> PartnerRequest:
    coordinated = Program.objects.coordinated_by(user).values("pk")
    return get_object_or_404(
        PartnerRequest.objects.filter(tandem__cohort__program__in=coordinated).select_related(
            "tandem__cohort__program"
        ),
        pk=pk,
    )
