"""Who may see and change sessions (docs/sessions.md, "Who"). A cohort's graders
(``Cohort.objects.graded_by``: its instructors, the program's coordinators, staff) plan its
sessions and take attendance; its active participants see them and register. Anyone else gets
a 404. The cohort itself is found by ``courses.access.get_cohort_for_instructor``."""

from django.shortcuts import get_object_or_404

from courses.models import Cohort, Enrollment, Session
from platform.models import User


def get_session_for_organiser(user: User, pk: int) -> Session:
    """A session of a cohort the user grades: they edit, cancel it and take attendance."""
    return get_object_or_404(
        Session.objects.filter(cohort__in=Cohort.objects.graded_by(user)).select_related(
            "cohort__program", "module"
        ),
        pk=pk,
    )


def get_session_for_participant(user: User, pk: int) -> tuple[Session, Enrollment]:
    """A session of the user's cohort, with their enrolment in it."""
    session = get_object_or_404(
        Session.objects.for_participant(user).select_related("cohort__program", "module"), pk=pk
    )
    enrollment = Enrollment.objects.get(
        user=user, cohort_id=session.cohort_id, status=Enrollment.Status.ACTIVE
    )
    return session, enrollment
