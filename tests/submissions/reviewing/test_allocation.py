"""Allocation of participants to graders by weight: deterministic, sticky, and the queue's
"mine" view; the settings page's access rules."""

from typing import Any

import pytest
from django.urls import reverse

from courses.services import enroll
from submissions.exceptions import AllocationInvalid
from submissions.models import GraderAllocation, GraderShare, Submission
from submissions.reviewing.allocation import set_grader_weights
from tests.helpers import graded, make_user, publish, submit


@pytest.fixture
def graders(cohort: Any, instructor: Any, other_instructor: Any) -> tuple[Any, Any]:
    cohort.instructors.add(other_instructor)
    return instructor, other_instructor  # usernames "ines" and "otto"


@pytest.fixture
def six(cohort: Any) -> list[Any]:
    """Six participants, enrolled in this order."""
    return [enroll(user=make_user(f"p{i}"), cohort=cohort) for i in range(1, 7)]


def allocated(enrollments: list[Any]) -> list[str]:
    by_enrollment = {
        a.enrollment_id: a.grader.username
        for a in GraderAllocation.objects.select_related("grader")
    }
    return [by_enrollment.get(e.pk, "-") for e in enrollments]


def test_weights_share_participants_deterministically_in_enrolment_order(
    graders: Any, six: list[Any], cohort: Any, coordinator: Any
) -> None:
    ines, otto = graders
    summary = set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: 2, otto: 1})
    # Each goes to the grader furthest behind (count + 1) / weight; ties by username.
    assert allocated(six) == ["ines", "ines", "otto", "ines", "ines", "otto"]
    assert summary.moved == 6
    assert summary.graders == {ines.pk: 4, otto.pk: 2}


def test_allocation_is_sticky_across_attempts_assignments_and_weight_changes(
    graders: Any, six: list[Any], cohort: Any, coordinator: Any, assignment: Any, module: Any
) -> None:
    ines, otto = graders
    set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: 2, otto: 1})
    before = allocated(six)
    set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: 1, otto: 5})
    assert allocated(six) == before  # nobody moves when weights change
    cubes = publish(module, "cubes", "Cubes")
    third = six[2].user  # allocated to otto
    for work in (assignment, assignment, cubes):
        graded(submit(third, work))
    assert allocated([six[2]]) == ["otto"]
    rows = Submission.objects.filter(participant=third)
    assert rows.count() == 3
    assert {GraderAllocation.objects.get(enrollment=s.enrollment).grader for s in rows} == {otto}


def test_a_participant_who_joins_later_is_allocated_on_their_first_upload(
    graders: Any, six: list[Any], cohort: Any, coordinator: Any, assignment: Any
) -> None:
    ines, otto = graders
    set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: 2, otto: 1})
    late = make_user("zoe")
    enrollment = enroll(user=late, cohort=cohort)
    assert not GraderAllocation.objects.filter(enrollment=enrollment).exists()
    submit(late, assignment)
    # 4 and 2 so far: ines (5/2) is further behind than otto (3/1).
    assert GraderAllocation.objects.get(enrollment=enrollment).grader == ines


def test_a_grader_whose_weight_drops_to_zero_hands_their_participants_on(
    graders: Any, six: list[Any], cohort: Any, coordinator: Any, assignment: Any
) -> None:
    ines, otto = graders
    set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: 2, otto: 1})
    ines_before = [e for e, who in zip(six, allocated(six), strict=True) if who == "ines"]
    summary = set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: 2, otto: 0})
    assert allocated(six) == ["ines"] * 6
    assert summary.moved == 2
    assert allocated(ines_before) == ["ines"] * 4  # the others stayed put
    summary = set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: 0})
    assert summary.graders == {} and not GraderAllocation.objects.exists()  # off again


def test_only_coordinators_allocate_and_only_to_the_cohorts_instructors(
    graders: Any, cohort: Any, coordinator: Any, participant: Any
) -> None:
    ines, _otto = graders
    with pytest.raises(AllocationInvalid, match="Only coordinators"):
        set_grader_weights(actor=ines, cohort=cohort, weights={ines: 1})
    with pytest.raises(AllocationInvalid, match="does not teach this cohort"):
        set_grader_weights(actor=coordinator, cohort=cohort, weights={participant: 1})
    with pytest.raises(AllocationInvalid, match="negative"):
        set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: -1})


def test_the_queue_shows_mine_by_default_when_allocation_is_on(
    graders: Any, six: list[Any], cohort: Any, coordinator: Any, assignment: Any, client_for: Any
) -> None:
    ines, otto = graders
    submissions = [graded(submit(e.user, assignment)) for e in six]
    queue = reverse("submissions:queue")
    assert len(client_for(otto).get(queue).context["page"].object_list) == 6  # no allocation yet
    set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: 2, otto: 1})
    mine = client_for(otto).get(queue)
    assert mine.context["filters"].mine is True
    assert [r.pk for r in mine.context["page"].object_list] == [
        submissions[2].pk,
        submissions[5].pk,
    ]
    everyone = client_for(otto).get(queue, {"who": "all"})
    assert len(everyone.context["page"].object_list) == 6
    # "Next ungraded" follows the same default: Otto gets one of his own.
    response = client_for(otto).post(reverse("submissions:queue-next"), {"who": "mine"})
    assert response["Location"].startswith(reverse("submissions:grade", args=[submissions[2].pk]))


def test_allocation_page_access_rules(
    graders: Any,
    six: list[Any],
    cohort: Any,
    coordinator: Any,
    participant: Any,
    other_cohort: Any,
    client_for: Any,
) -> None:
    ines, otto = graders
    url = reverse("submissions:allocation", args=[cohort.pk])
    weights = {f"weight_{ines.pk}": "1", f"weight_{otto.pk}": "1"}
    response = client_for(None).get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client_for(participant).get(url).status_code == 404
    other_teacher = make_user("tara")
    other_cohort.instructors.add(other_teacher)  # teaches another cohort only
    assert client_for(other_teacher).get(url).status_code == 404
    page = client_for(ines).get(url)
    assert page.status_code == 200 and "A coordinator sets the weights." in page.content.decode()
    assert client_for(ines).post(url, weights).status_code == 403
    assert not GraderAllocation.objects.exists()
    bad = client_for(coordinator).post(url, {**weights, f"weight_{otto.pk}": "-2"})
    assert bad.status_code == 400
    assert not GraderAllocation.objects.exists()
    assert client_for(coordinator).post(url, weights).status_code == 302
    assert GraderAllocation.objects.count() == 6
    assert client_for(coordinator).delete(url).status_code == 405


def shares(cohort: Any) -> dict[str, int]:
    return {s.grader.username: s.weight for s in GraderShare.objects.filter(cohort=cohort)}


def test_a_programs_own_coordinator_sets_the_weights(
    graders: Any, six: list[Any], cohort: Any, program_coordinator: Any, client_for: Any
) -> None:
    ines, otto = graders
    assert not program_coordinator.is_staff
    set_grader_weights(actor=program_coordinator, cohort=cohort, weights={ines: 2, otto: 1})
    assert shares(cohort) == {"ines": 2, "otto": 1}
    url = reverse("submissions:allocation", args=[cohort.pk])
    client = client_for(program_coordinator)
    assert client.get(url).context["can_edit"] is True
    response = client.post(url, {f"weight_{ines.pk}": 1, f"weight_{otto.pk}": 3})
    assert response.status_code == 302
    assert shares(cohort) == {"ines": 1, "otto": 3}


def test_a_coordinator_of_another_program_sets_no_weights(
    graders: Any, cohort: Any, foreign_coordinator: Any, coordinator: Any, client_for: Any
) -> None:
    ines, otto = graders
    set_grader_weights(actor=coordinator, cohort=cohort, weights={ines: 2, otto: 1})
    with pytest.raises(AllocationInvalid, match="Only coordinators"):
        set_grader_weights(actor=foreign_coordinator, cohort=cohort, weights={ines: 5})
    url = reverse("submissions:allocation", args=[cohort.pk])
    response = client_for(foreign_coordinator).post(url, {f"weight_{ines.pk}": 5})
    assert response.status_code == 404
    assert client_for(ines).post(url, {f"weight_{ines.pk}": 5}).status_code == 403
    assert shares(cohort) == {"ines": 2, "otto": 1}
