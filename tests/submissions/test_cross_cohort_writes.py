"""Settings of an assignment reach every cohort of its program: the access table of every page
and endpoint that changes one (late policy and cut-off, rubric, comment bank, regrade window,
review settings, re-running all attempts), and what stays per cohort (extensions).

Cohort A ("2026/27", taught by Ines) and cohort B ("2027/28", taught by Otto) share the
assignment; Ada is in A, Grace in B, and both have a released grade.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from courses.models import Assignment, Cohort, Grade
from courses.services import enroll
from platform.models import User
from submissions.late.services import change_late_policy
from submissions.models import AssignmentSettings, GradingRun, Rubric, Submission
from submissions.reviewing.services import release_review, save_review
from tests.helpers import api_client, graded, keep_program_incomplete, submit

A_NAME = "2026/27"


def release(grader: User, submission: Submission) -> None:
    save_review(
        grader=grader,
        submission=submission,
        points={"explain": Decimal(2)},
        comments={},
        feedback="",
    )
    release_review(grader=grader, submission=submission)


@dataclass
class World:
    assignment: Assignment
    a_submission: Submission
    b_submission: Submission


@pytest.fixture
def world(
    assignment: Assignment,
    enrolled: User,
    instructor: User,
    other_participant: User,
    other_instructor: User,
    sibling_cohort: Cohort,
) -> World:
    keep_program_incomplete(assignment)  # no certificate, so nothing is frozen
    assignment.due_at = timezone.now() - dt.timedelta(days=1, hours=2)
    assignment.save(update_fields=["due_at"])
    assignment.settings.late_penalty_percent = Decimal(10)
    assignment.settings.save(update_fields=["late_penalty_percent"])
    enroll(user=other_participant, cohort=sibling_cohort)
    a_submission = graded(submit(enrolled, assignment))
    release(instructor, a_submission)
    b_submission = graded(submit(other_participant, assignment))
    release(other_instructor, b_submission)
    return World(assignment=assignment, a_submission=a_submission, b_submission=b_submission)


POLICY = {
    "grace_minutes": "0",
    "percent_per_unit": "100",
    "unit": "day",
    "floor_percent": "0",
    "cutoff_at": "",
}
API_POLICY = {
    "grace_minutes": 0,
    "penalty_percent": "100",
    "penalty_unit": "day",
    "floor_percent": "0",
    "cutoff_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
}


def writes(assignment: Assignment) -> list[tuple[str, str, str, dict[str, Any], bool]]:
    """(name, method, url, data, through the API) of every write of the assignment's own
    settings."""
    pk = assignment.pk
    return [
        ("late policy", "post", reverse("submissions:late-policy", args=[pk]), POLICY, False),
        ("rubric", "post", reverse("submissions:rubric-save", args=[pk]), {}, False),
        ("comment bank", "post", reverse("submissions:comment-bank-save", args=[pk]), {}, False),
        (
            "regrade window",
            "post",
            reverse("submissions:regrade-window-save", args=[pk]),
            {"regrade_window_days": "1"},
            False,
        ),
        (
            "review settings",
            "post",
            reverse("submissions:review-settings", args=[pk]),
            {"posting_policy": "on_release", "anonymous_grading": "on"},
            False,
        ),
        ("re-run", "post", reverse("submissions:regrade-assignment", args=[pk]), {}, False),
        (
            "late policy (API)",
            "put",
            reverse("submissions-api:late-policy", args=[pk]),
            API_POLICY,
            True,
        ),
        (
            "re-run (API)",
            "post",
            reverse("submissions-api:regrade-assignment", args=[pk]),
            {},
            True,
        ),
    ]


def send(user: User, client_for: Any, write: tuple[str, str, str, dict[str, Any], bool]) -> Any:
    _name, method, url, data, api = write
    if api:
        return getattr(api_client(user), method)(url, data, format="json")
    return getattr(client_for(user), method)(url, data)


def snapshot(world: World) -> tuple[Any, ...]:
    assignment = Assignment.objects.select_related("settings").get(pk=world.assignment.pk)
    return (
        assignment.settings.late_policy,
        assignment.cutoff_at,
        assignment.settings.posting_policy,
        assignment.settings.anonymous_grading,
        assignment.settings.regrade_window_days,
        sorted(Grade.objects.values_list("enrollment__cohort__name", "points")),
        GradingRun.objects.count(),
        Rubric.objects.count(),
    )


def test_an_instructor_of_some_cohorts_is_refused_every_assignment_wide_write_with_a_reason(
    world: World, other_instructor: User, client_for: Any
) -> None:
    before = snapshot(world)
    for write in writes(world.assignment):
        response = send(other_instructor, client_for, write)
        assert response.status_code == 403, write[0]
        body = response.content.decode()
        assert A_NAME in body, write[0]  # the reason names the cohort out of reach
    assert snapshot(world) == before  # nobody in cohort A (or B) was touched


def test_the_cohort_b_instructor_no_longer_lowers_a_cohort_a_grade(
    world: World, other_instructor: User
) -> None:
    """The reported case: B's instructor set a 100 % penalty and A's released 4.00 became 0."""
    a_grade = Grade.objects.get(enrollment__cohort__name=A_NAME)
    response = api_client(other_instructor).put(
        reverse("submissions-api:late-policy", args=[world.assignment.pk]),
        API_POLICY,
        format="json",
    )
    assert response.status_code == 403
    assert A_NAME in response.json()["detail"]
    a_grade.refresh_from_db()
    assert a_grade.points == Decimal(4)


@pytest.mark.parametrize("role", ["coordinator", "program_coordinator", "teaches_both"])
def test_whoever_grades_every_cohort_may_make_each_write(
    role: str,
    world: World,
    cohort: Cohort,
    other_instructor: User,
    client_for: Any,
    request: pytest.FixtureRequest,
) -> None:
    if role == "teaches_both":
        cohort.instructors.add(other_instructor)
        user = other_instructor
    else:
        user = request.getfixturevalue(role)
    for write in writes(world.assignment):
        response = send(user, client_for, write)
        # Past the gate: done (200/202/302) or a form's own 400 (the empty rubric).
        assert response.status_code in {200, 202, 302, 400}, (write[0], response.status_code)
    settings = AssignmentSettings.objects.get(pk=world.assignment.pk)
    assert settings.late_penalty_percent == Decimal(100)
    assert (settings.posting_policy, settings.regrade_window_days) == ("on_release", 1)


def test_a_cohort_without_participants_is_not_out_of_reach(
    assignment: Assignment,
    cohort: Cohort,
    sibling_cohort: Cohort,
    other_participant: User,
    other_instructor: User,
    client_for: Any,
) -> None:
    enroll(user=other_participant, cohort=sibling_cohort)  # A has nobody: nobody to reach
    response = client_for(other_instructor).post(
        reverse("submissions:late-policy", args=[assignment.pk]), POLICY
    )
    assert response.status_code == 302


def test_pages_show_the_reason_instead_of_offering_a_write_that_would_be_refused(
    world: World, other_instructor: User, coordinator: User, client_for: Any
) -> None:
    pk = world.assignment.pk
    pages = [
        reverse("submissions:late-work", args=[pk]),
        reverse("submissions:rubric", args=[pk]),
        reverse("submissions:review-settings", args=[pk]),
        reverse("submissions:assignment", args=[pk]),
    ]
    for url in pages:
        refused = client_for(other_instructor).get(url)
        assert refused.status_code == 200, url
        body = refused.content.decode()
        assert 'id="settings-refusal"' in body and A_NAME in body, url
        allowed = client_for(coordinator).get(url)
        assert allowed.status_code == 200, url
        assert 'id="settings-refusal"' not in allowed.content.decode(), url


def test_extensions_stay_per_cohort(
    world: World, sibling_cohort: Cohort, cohort: Cohort, other_instructor: User, client_for: Any
) -> None:
    url = reverse("submissions:extension-grant", args=[world.assignment.pk])
    due = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client = client_for(other_instructor)
    own = client.post(url, {"cohort": sibling_cohort.pk, "due_at": due, "reason": "Strike"})
    assert own.status_code == 302
    theirs = client.post(url, {"cohort": cohort.pk, "due_at": due, "reason": "Strike"})
    assert theirs.status_code == 400  # not a choice: cohort A is not theirs


def test_a_change_across_cohorts_names_everyone_it_recomputed(
    world: World, coordinator: User, client_for: Any
) -> None:
    response = api_client(coordinator).put(
        reverse("submissions-api:late-policy", args=[world.assignment.pk]),
        {**API_POLICY, "penalty_percent": "20"},
        format="json",
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["recomputed"] == 2
    assert sorted((g["participant"], g["cohort_name"]) for g in answer["recomputed_grades"]) == [
        ("Ada Lovelace", A_NAME),
        ("Grace Hopper", "2027/28"),
    ]
    # 26 hours late, 20 % of 5 points per started day: 5 - 2 for both.
    assert {g["total_points"] for g in answer["recomputed_grades"]} == {"3.00"}
    page = client_for(coordinator).post(
        reverse("submissions:late-policy", args=[world.assignment.pk]),
        {**POLICY, "percent_per_unit": "30"},
    )
    said = [str(m) for m in get_messages(page.wsgi_request)]
    assert any(
        "Ada Lovelace (2026/27)" in line and "Grace Hopper (2027/28)" in line for line in said
    ), said


def test_a_rubric_change_names_everyone_it_recomputed_in_every_cohort(
    world: World, coordinator: User, client_for: Any
) -> None:
    data = {
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-title": "Clarity",
        "criteria-0-key": "",
        "levels-0-TOTAL_FORMS": "1",
        "levels-0-INITIAL_FORMS": "0",
        "levels-0-0-title": "Good",
        "levels-0-0-min_points": "2",
        "levels-0-0-max_points": "",
    }
    response = client_for(coordinator).post(
        reverse("submissions:rubric-save", args=[world.assignment.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "Ada Lovelace (2026/27)" in said and "Grace Hopper (2027/28)" in said


def test_someone_who_grades_no_cohort_of_the_program_still_gets_404(
    world: World, foreign_coordinator: User, client_for: Any
) -> None:
    for write in writes(world.assignment):
        assert send(foreign_coordinator, client_for, write).status_code == 404, write[0]


def test_a_participant_gets_404(world: World, enrolled: User, client_for: Any) -> None:
    for write in writes(world.assignment):
        assert send(enrolled, client_for, write).status_code == 404, write[0]


def test_the_services_refuse_it_too(world: World, other_instructor: User) -> None:
    """Code that calls the services directly (commands, tasks) meets the same rule."""
    from courses.late import LatePolicy
    from submissions.exceptions import AssignmentOutOfReach
    from submissions.reviewing import anonymity, rubrics

    before = snapshot(world)
    with pytest.raises(AssignmentOutOfReach, match=A_NAME):
        change_late_policy(
            assignment=world.assignment,
            actor=other_instructor,
            policy=LatePolicy(percent_per_unit=Decimal(100)),
            cutoff_at=None,
        )
    with pytest.raises(AssignmentOutOfReach, match=A_NAME):
        rubrics.save_rubric(
            assignment=world.assignment,
            actor=other_instructor,
            criteria=[
                rubrics.CriterionInput(
                    title="Clarity",
                    levels=(rubrics.LevelInput("Good", Decimal(1), Decimal(1)),),
                )
            ],
        )
    with pytest.raises(AssignmentOutOfReach, match=A_NAME):
        anonymity.set_review_settings(
            actor=other_instructor,
            assignment=world.assignment,
            posting_policy="on_release",
            anonymous_grading=True,
        )
    assert snapshot(world) == before
