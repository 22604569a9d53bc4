"""Enrolment states: the transition table, who changed what, and that only active and completed
participants reach the cohort's assignments, uploads and program page."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from courses.enrolment import services
from courses.enrolment.services import COORDINATOR_TRANSITIONS, TRANSITIONS
from courses.models import Assignment, Cohort, Enrollment, EnrollmentEvent
from platform.models import User
from tests.helpers import participant_notebook, upload_file

S = Enrollment.Status
ALL = [s.value for s in S]

# Every pair (from, to) a coordinator may ask for, and whether it is allowed: the table in
# docs/enrolment.md, written out.
ALLOWED_BY_COORDINATOR = {
    ("invited", "withdrawn"),
    ("active", "paused"),
    ("active", "withdrawn"),
    ("active", "completed"),
    ("paused", "active"),
    ("paused", "withdrawn"),
    ("completed", "active"),
}


def test_every_coordinator_move_is_an_allowed_move() -> None:
    for old, targets in COORDINATOR_TRANSITIONS.items():
        assert targets <= TRANSITIONS[old], old
    assert set(TRANSITIONS) == set(ALL)


@pytest.mark.parametrize("old", ALL)
@pytest.mark.parametrize("new", ALL)
def test_the_transition_table(old: str, new: str, enrolled: User, coordinator: User) -> None:
    enrollment = enrolled.enrollments.get()
    Enrollment.objects.filter(pk=enrollment.pk).update(status=old)
    allowed = (old, new) in ALLOWED_BY_COORDINATOR
    if allowed:
        changed = services.change_status(
            enrollment=enrollment, to=new, by=coordinator, reason="because"
        )
        assert changed.status == new
        event = EnrollmentEvent.objects.get(enrollment=enrollment, kind="status")
        assert (event.old, event.new, event.by, event.reason) == (
            old,
            new,
            coordinator,
            "because" if new != "active" else "",
        )
    else:
        with pytest.raises(services.TransitionRefused):
            services.change_status(enrollment=enrollment, to=new, by=coordinator, reason="x")
        assert Enrollment.objects.get(pk=enrollment.pk).status == old
        assert not EnrollmentEvent.objects.filter(enrollment=enrollment).exists()


def test_an_unknown_state_is_refused(enrolled: User, coordinator: User) -> None:
    with pytest.raises(services.TransitionRefused):
        services.change_status(enrollment=enrolled.enrollments.get(), to="expelled", by=coordinator)


def test_a_withdrawal_needs_a_reason_and_keeps_the_data(
    enrolled: User, coordinator: User, assignment: Assignment
) -> None:
    from tests.helpers import submit

    submit(enrolled, assignment)
    enrollment = enrolled.enrollments.get()
    with pytest.raises(services.TransitionRefused):
        services.change_status(enrollment=enrollment, to="withdrawn", by=coordinator, reason=" ")
    services.change_status(
        enrollment=enrollment, to="withdrawn", by=coordinator, reason="Changed jobs"
    )
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.status_reason) == ("withdrawn", "Changed jobs")
    assert enrollment.status_changed_by == coordinator
    assert enrollment.status_changed_at is not None
    assert enrollment.submissions.count() == 1


def test_withdrawing_an_invited_place_kills_its_link(cohort: Cohort, coordinator: User) -> None:
    invited = services.invite(cohort=cohort, email="x@example.org")
    services.change_status(
        enrollment=invited.enrollment, to="withdrawn", by=coordinator, reason="no answer"
    )
    assert services.usable_invitation(invited.token) is None


# --- access of participants by state --------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "has_access"),
    [
        ("invited", False),
        ("active", True),
        ("paused", False),
        ("withdrawn", False),
        ("completed", True),
    ],
)
def test_only_current_participants_reach_assignments_uploads_and_the_program(
    state: str,
    has_access: bool,
    enrolled: User,
    assignment: Assignment,
    client_for: Any,
) -> None:
    Enrollment.objects.filter(user=enrolled).update(status=state)
    client: Client = client_for(enrolled)
    expected = 200 if has_access else 404
    assert (
        client.get(reverse("submissions:assignment", args=[assignment.pk])).status_code == expected
    )
    assert client.get(reverse("courses:starter", args=[assignment.pk])).status_code == expected
    program = reverse("courses:program", args=[assignment.module.program.slug])
    assert client.get(program).status_code == expected
    upload = client.post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook())},
    )
    if has_access:
        assert upload.status_code in {200, 302}
        assert enrolled.submissions.count() == 1
    else:
        assert upload.status_code == 404
        assert not enrolled.submissions.exists()
    listed = client.get(reverse("submissions-api:assignments")).json()
    assert any(row["id"] == assignment.pk for row in listed) == has_access
