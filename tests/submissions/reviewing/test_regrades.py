"""Regrade requests end to end: asking within the window, routing to the grader, escalation
to the coordinators, resolution with a required note, the outcome, the API and access."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from courses.models import Grade
from platform.models import ScheduledJob
from platform.schedule import run_due_jobs
from submissions.exceptions import GradesFrozen, RegradeRefused
from submissions.models import GradeEvent, RegradeRequest, Review, Submission
from submissions.models import TestOverride as Override
from submissions.reviewing import regrades, rubrics
from submissions.reviewing.rubrics import ScoreInput
from tests.helpers import (
    api_client,
    graded,
    issue_certificate,
    keep_program_incomplete,
    release,
    submit,
)
from tests.submissions.reviewing.review_helpers import basic_rubric

D = Decimal


@pytest.fixture
def released(enrolled: Any, instructor: Any, assignment: Any) -> Submission:
    """Released: tests 2 + 0 (hidden failed), explain 1, Data "Ok" (2), Discussion 3 => 8/15."""
    keep_program_incomplete(assignment)
    basic_rubric(assignment, instructor)
    submission = graded(submit(enrolled, assignment), passed=(True, False))
    rubrics.score_with_rubric(
        grader=instructor,
        submission=submission,
        choices={"data": ScoreInput("ok"), "discussion": ScoreInput("range", D(3))},
    )
    release(instructor, submission, manual="1")
    assert Grade.objects.get(assignment=assignment).points == D(8)
    return submission


def ask(submission: Submission, **kwargs: Any) -> RegradeRequest:
    arguments = {
        "participant": submission.participant,
        "submission": submission,
        "target": "criterion",
        "key": "data",
        "reason": "My data card cites the source.",
        **kwargs,
    }
    return regrades.request_regrade(**arguments)


def test_a_participant_asks_and_the_grader_is_told(
    client_for: Any,
    released: Submission,
    enrolled: Any,
    instructor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = reverse("submissions:regrade-request", args=[released.pk])
    page = client_for(enrolled).get(reverse("submissions:detail", args=[released.pk]))
    assert 'id="regrade-form"' in page.content.decode()
    assert 'value="criterion:data"' in page.content.decode()
    assert 'value="test:test_square_hidden"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(enrolled).post(
            url, {"target": "criterion:data", "reason": "The source is cited."}
        )
    assert response.status_code == 302
    request = RegradeRequest.objects.get()
    assert (request.handler, request.state, request.points_before, request.escalated_at) == (
        instructor,
        "open",
        D(2),
        None,
    )
    assert [m.to for m in mail.outbox] == [[instructor.email]]
    assert "The source is cited." in mail.outbox[0].body
    grader_page = client_for(instructor).get(reverse("submissions:grade", args=[released.pk]))
    assert f'id="regrade-{request.pk}"' in grader_page.content.decode()


def test_the_request_form_follows_the_access_rules(
    client_for: Any,
    released: Submission,
    instructor: Any,
    other_participant: Any,
    other_enrolled: Any,
) -> None:
    url = reverse("submissions:regrade-request", args=[released.pk])
    data = {"target": "criterion:data", "reason": "Please"}
    assert client_for(None).post(url, data).status_code == 302
    assert client_for(other_enrolled).post(url, data).status_code == 404
    assert client_for(instructor).post(url, data).status_code == 404  # only the participant asks
    assert client_for(released.participant).get(url).status_code == 405
    assert not RegradeRequest.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "criterion:data", "reason": " "}, "This field is required"),
        ({"target": "criterion:nope", "reason": "x"}, "Select a valid choice"),
        ({"reason": "x"}, "This field is required"),
    ],
)
def test_bad_requests_are_refused_with_a_message(
    client_for: Any, released: Submission, data: dict[str, str], message: str
) -> None:
    response = client_for(released.participant).post(
        reverse("submissions:regrade-request", args=[released.pk]), data
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not RegradeRequest.objects.exists()


def test_nothing_can_be_asked_before_release(
    client_for: Any, enrolled: Any, assignment: Any, instructor: Any
) -> None:
    submission = graded(submit(enrolled, assignment), passed=(True, False))
    with pytest.raises(RegradeRefused, match="once your grade has been released"):
        ask(submission, target="test", key="test_square")
    response = client_for(enrolled).post(
        reverse("submissions:regrade-request", args=[submission.pk]),
        {"target": "test:test_square", "reason": "x"},
    )
    assert response.status_code == 404
    page = client_for(enrolled).get(reverse("submissions:detail", args=[submission.pk]))
    assert 'id="regrade-form"' not in page.content.decode()


def test_the_window_closes_after_the_assignments_days(
    client_for: Any, released: Submission
) -> None:
    review = Review.objects.get()
    assert review.released_at is not None
    closes = review.released_at + dt.timedelta(days=7)
    ask(released, now=closes)  # the last moment still counts
    with pytest.raises(RegradeRefused, match="ended on"):
        ask(released, key="discussion", now=closes + dt.timedelta(seconds=1))
    Review.objects.filter(pk=review.pk).update(
        released_at=review.released_at - dt.timedelta(days=8)
    )
    page = client_for(released.participant).get(reverse("submissions:detail", args=[released.pk]))
    assert 'id="regrade-closed"' in page.content.decode()
    assert 'id="regrade-form"' not in page.content.decode()


def test_one_open_request_per_criterion_or_test(released: Submission, instructor: Any) -> None:
    first = ask(released)
    with pytest.raises(RegradeRefused, match="already an open request"):
        ask(released)
    ask(released, target="test", key="test_square_hidden")  # another target is fine
    regrades.resolve_regrade(actor=instructor, request=first, accept=False, note="Checked.")
    ask(released, reason="Asking again with more detail.")  # resolved: may ask again
    assert RegradeRequest.objects.open().count() == 2


def test_accepting_a_criterion_changes_the_score_through_the_score_path(
    client_for: Any,
    released: Submission,
    instructor: Any,
    enrolled: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = ask(released)
    url = reverse("submissions:regrade-resolve", args=[request.pk])
    grader = client_for(instructor)
    no_note = grader.post(url, {"decision": "accept", "points": "4", "note": ""})
    assert no_note.status_code == 400 and "This field is required" in no_note.content.decode()
    no_points = grader.post(url, {"decision": "accept", "note": "ok"})
    assert no_points.status_code == 400
    assert "Give the new points when you accept." in no_points.content.decode()
    too_many = grader.post(url, {"decision": "accept", "points": "5", "note": "ok"})
    assert too_many.status_code == 400 and "between 0 and 4" in too_many.content.decode()
    assert RegradeRequest.objects.get().is_open
    with django_capture_on_commit_callbacks(execute=True):
        ok = grader.post(url, {"decision": "accept", "points": "4", "note": "Source is cited."})
    assert ok.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.points_after, request.resolved_by) == (
        "accepted",
        D(4),
        instructor,
    )
    assert Grade.objects.get(assignment=released.assignment).points == D(10)
    event = GradeEvent.objects.get(source="regrade", grade_id="rubric:data")
    assert (event.old_points, event.new_points, event.actor) == (D(2), D(4), instructor)
    assert GradeEvent.objects.filter(source="regrade", grade_id="", new_points=D(10)).exists()
    assert [m.to for m in mail.outbox] == [[enrolled.email]]
    assert "2 → 4 points" in mail.outbox[0].body and "Source is cited." in mail.outbox[0].body
    page = client_for(enrolled).get(reverse("submissions:detail", args=[released.pk]))
    text = page.content.decode()
    assert "Source is cited." in text and "2 → 4 points" in text
    again = grader.post(url, {"decision": "reject", "note": "no"})
    assert again.status_code == 400 and "already been resolved" in again.content.decode()


def test_accepting_a_test_overrides_its_autograde_points(
    released: Submission, instructor: Any
) -> None:
    request = ask(released, target="test", key="test_square_hidden")
    assert request.points_before == D(0)
    regrades.resolve_regrade(
        actor=instructor, request=request, accept=True, points=D(1), note="Edge case was fine."
    )
    assert Override.objects.get().points == D(1)
    assert Grade.objects.get(assignment=released.assignment).points == D(9)
    assert GradeEvent.objects.filter(source="regrade", grade_id="test_square_hidden").exists()


def test_rejecting_keeps_the_points_and_tells_the_participant(
    released: Submission, instructor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = ask(released)
    with pytest.raises(RegradeRefused, match="write a note"):
        regrades.resolve_regrade(actor=instructor, request=request, accept=False, note=" ")
    with django_capture_on_commit_callbacks(execute=True):
        regrades.resolve_regrade(
            actor=instructor, request=request, accept=False, note="The source is not cited."
        )
    request.refresh_from_db()
    assert (request.state, request.points_after) == ("rejected", D(2))
    assert Grade.objects.get(assignment=released.assignment).points == D(8)
    assert "was not accepted" in mail.outbox[0].body


def test_only_the_grader_or_a_coordinator_resolves(
    client_for: Any,
    released: Submission,
    cohort: Any,
    other_instructor: Any,
    coordinator: Any,
    enrolled: Any,
) -> None:
    request = ask(released)
    url = reverse("submissions:regrade-resolve", args=[request.pk])
    data = {"decision": "reject", "note": "No."}
    cohort.instructors.add(other_instructor)  # a colleague in the cohort, not the grader
    assert client_for(other_instructor).post(url, data).status_code == 404
    assert client_for(enrolled).post(url, data).status_code == 404
    assert client_for(None).post(url, data).status_code == 302
    assert client_for(coordinator).get(url).status_code == 405
    assert client_for(coordinator).post(url, data).status_code == 302
    assert RegradeRequest.objects.get().state == "rejected"


def test_a_grader_who_left_the_cohort_routes_to_the_coordinators(
    released: Submission,
    cohort: Any,
    instructor: Any,
    coordinator: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cohort.instructors.remove(instructor)
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(released)
    assert request.handler is None and request.escalated_at is not None
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert not regrades.can_resolve(instructor, request)
    with pytest.raises(RegradeRefused, match="handled by the grader or a coordinator"):
        regrades.resolve_regrade(actor=instructor, request=request, accept=False, note="x")
    regrades.resolve_regrade(actor=coordinator, request=request, accept=True, points=D(3), note="y")
    assert Grade.objects.get(assignment=released.assignment).points == D(9)


def test_unresolved_requests_escalate_after_the_configured_days(
    client_for: Any, released: Submission, instructor: Any, coordinator: Any, settings: Any
) -> None:
    settings.REGRADE_ESCALATION_DAYS = 5
    request = ask(released)
    assert regrades.escalate_overdue(now=request.created_at + dt.timedelta(days=4)) == []
    escalated = regrades.escalate_overdue(now=request.created_at + dt.timedelta(days=5))
    assert [r.pk for r in escalated] == [request.pk]
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "needs a coordinator" in mail.outbox[0].subject
    assert regrades.escalate_overdue(now=request.created_at + dt.timedelta(days=9)) == []
    # Both may resolve now; the coordinator's list puts it first and marks it.
    assert regrades.can_resolve(instructor, RegradeRequest.objects.get())
    page = client_for(coordinator).get(reverse("submissions:regrade-list")).content.decode()
    assert f'data-regrade="{request.pk}"' in page and "coordinators" in page
    mine = client_for(instructor).get(reverse("submissions:regrade-list")).content.decode()
    assert f'data-regrade="{request.pk}"' in mine
    theirs = client_for(released.participant).get(reverse("submissions:regrade-list"))
    assert f'data-regrade="{request.pk}"' not in theirs.content.decode()


def test_the_escalation_command_runs(released: Submission, settings: Any) -> None:
    settings.REGRADE_ESCALATION_DAYS = 1
    request = ask(released)
    RegradeRequest.objects.filter(pk=request.pk).update(
        created_at=request.created_at - dt.timedelta(days=2)
    )
    call_command("escalate_regrades", stdout=io.StringIO())
    assert RegradeRequest.objects.get().is_escalated


def test_the_workers_scheduler_escalates_without_cron(released: Submission, settings: Any) -> None:
    settings.REGRADE_ESCALATION_DAYS = 1
    request = ask(released)
    assert "escalate-regrades" in run_due_jobs()
    assert not RegradeRequest.objects.get().is_escalated  # not overdue yet
    RegradeRequest.objects.filter(pk=request.pk).update(
        created_at=request.created_at - dt.timedelta(days=2)
    )
    ScheduledJob.objects.filter(name="escalate-regrades").update(last_started_at=None)
    assert "escalate-regrades" in run_due_jobs()
    assert RegradeRequest.objects.get().is_escalated


def test_frozen_grades_refuse_requests_and_acceptance(
    released: Submission, instructor: Any, coordinator: Any
) -> None:
    request = ask(released)
    # The other module gets a grade too: the program completes and the certificate freezes.
    other = released.assignment.module.program.modules.get(title="Later module")
    issue_certificate(released.participant, other.assignments.get(), points="5")
    with pytest.raises(GradesFrozen):
        regrades.resolve_regrade(
            actor=instructor, request=request, accept=True, points=D(4), note="x"
        )
    with pytest.raises(GradesFrozen):
        ask(released, key="discussion")
    regrades.resolve_regrade(actor=instructor, request=request, accept=False, note="Frozen.")
    assert RegradeRequest.objects.get().state == "rejected"


# --- REST ---------------------------------------------------------------------------------------


def test_the_regrade_api_follows_the_same_rules(
    released: Submission,
    instructor: Any,
    other_participant: Any,
    other_instructor: Any,
    other_cohort: Any,
) -> None:
    own = reverse("submissions-api:regrade-requests", args=[released.pk])
    participant = api_client(released.participant)
    body = {"target": "criterion", "target_key": "data", "reason": "Cited."}
    assert api_client(other_participant).post(own, body, format="json").status_code == 404
    assert api_client(instructor).post(own, body, format="json").status_code == 404
    bad = participant.post(own, {**body, "target_key": "nope"}, format="json")
    assert bad.status_code == 400 and "no such criterion" in bad.json()["detail"]
    created = participant.post(own, body, format="json")
    assert created.status_code == 201 and created.json()["state"] == "open"
    twice = participant.post(own, body, format="json")
    assert twice.status_code == 400
    assert [r["target_key"] for r in participant.get(own).json()] == ["data"]

    handled = reverse("submissions-api:handled-regrades")
    assert [r["id"] for r in api_client(instructor).get(handled, {"state": "open"}).json()] == [
        created.json()["id"]
    ]
    assert api_client(other_instructor).get(handled).json() == []
    assert api_client(instructor).get(handled, {"state": "bogus"}).status_code == 400
    resolve = reverse("submissions-api:resolve-regrade", args=[created.json()["id"]])
    assert api_client(other_instructor).post(resolve, {}, format="json").status_code == 404
    assert participant.post(resolve, {}, format="json").status_code == 404
    no_points = api_client(instructor).post(
        resolve, {"decision": "accept", "note": "ok"}, format="json"
    )
    assert no_points.status_code == 400 and "points" in no_points.json()
    done = api_client(instructor).post(
        resolve, {"decision": "accept", "points": "3", "note": "Cited indeed."}, format="json"
    )
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["points_after"]) == ("accepted", "3.00")
    assert participant.get(own).json()[0]["resolution_note"] == "Cited indeed."


def test_the_schema_names_the_review_endpoints(client: Any) -> None:
    paths = client.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    assert {
        "/api/v1/submissions/{id}/comments/",
        "/api/v1/submissions/{id}/regrade-requests/",
        "/api/v1/regrade-requests/",
        "/api/v1/regrade-requests/{id}/resolve/",
    } <= set(paths)


def test_anonymous_callers_get_nothing(client_for: Any, released: Submission) -> None:
    """Every review view sends anonymous visitors to log in; every endpoint refuses them."""
    request = ask(released)
    assignment = released.assignment_id
    views = [
        ("submissions:rubric-save", [assignment]),
        ("submissions:comment-bank-save", [assignment]),
        ("submissions:regrade-window-save", [assignment]),
        ("submissions:rubric-score", [released.pk]),
        ("submissions:cell-comment-add", [released.pk]),
        ("submissions:regrade-request", [released.pk]),
        ("submissions:regrade-resolve", [request.pk]),
    ]
    for name, args in views:
        response = client_for(None).post(reverse(name, args=args), {})
        assert response.status_code == 302 and "login" in response["Location"], name
    endpoints = [
        reverse("submissions-api:comments", args=[released.pk]),
        reverse("submissions-api:regrade-requests", args=[released.pk]),
        reverse("submissions-api:handled-regrades"),
    ]
    for url in endpoints:
        assert client_for(None).get(url).status_code in {401, 403}, url
    resolve = reverse("submissions-api:resolve-regrade", args=[request.pk])
    assert client_for(None).post(resolve, {}).status_code in {401, 403}
    assert (
        client_for(released.participant).post(reverse("submissions:regrade-list")).status_code
        == 405
    )
    assert RegradeRequest.objects.get().is_open


def test_a_grader_who_leaves_later_hands_the_request_on_at_once(
    released: Submission, cohort: Any, instructor: Any, coordinator: Any
) -> None:
    request = ask(released)
    cohort.instructors.remove(instructor)
    assert [r.pk for r in regrades.escalate_overdue(now=request.created_at)] == [request.pk]
    assert not regrades.can_resolve(instructor, RegradeRequest.objects.get())


def test_the_outcome_mail_is_in_the_participants_language(
    released: Submission, instructor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    participant = released.participant
    participant.preferred_language = "de"
    participant.save(update_fields=["preferred_language"])
    request = ask(released)
    with django_capture_on_commit_callbacks(execute=True):
        regrades.resolve_regrade(
            actor=instructor, request=request, accept=True, points=D(4), note="Passt."
        )
    [message] = mail.outbox
    assert "Nachprüfungsantrag" in message.subject
    assert "wurde angenommen: 2 → 4 Punkte." in message.body


def test_the_regrade_list_needs_the_same_queries_for_more_requests(
    client_for: Any, released: Submission, coordinator: Any, instructor: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = ask(released)
    regrades.resolve_regrade(actor=instructor, request=first, accept=False, note="No.")
    ask(released)
    client = client_for(coordinator)
    url = reverse("submissions:regrade-list")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    ask(released, key="discussion")
    ask(released, target="test", key="test_square")
    ask(released, target="test", key="test_square_hidden")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("data-regrade=") == 4
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("name", "data", "panel", "error"),
    [
        ("submissions:rubric-score", {"comment__data": "Why?"}, "rubric-panel", "Choose a level"),
        (
            "submissions:cell-comment-add",
            {"cell": "2", "text": " "},
            "cell-comments-panel",
            "required",
        ),
        ("submissions:regrade-resolve", {"note": "ok"}, "regrades-panel", "required"),
    ],
)
def test_a_grading_panel_sent_with_errors_answers_the_screen_or_the_panel_for_htmx(
    client_for: Any,
    released: Submission,
    instructor: Any,
    name: str,
    data: dict[str, str],
    panel: str,
    error: str,
) -> None:
    """No page of its own: the grading screen again (400) or, for htmx, its panel (200)."""
    request = ask(released)
    pk = request.pk if name == "submissions:regrade-resolve" else released.pk
    url = reverse(name, args=[pk])
    client = client_for(instructor)
    page = client.post(url, data)
    text = page.content.decode()
    assert page.status_code == 400
    assert 'id="review-form"' in text and f'id="{panel}"' in text and error in text
    part = client.post(url, data, HTTP_HX_REQUEST="true")
    text = part.content.decode()
    assert part.status_code == 200
    assert f'id="{panel}"' in text and error in text
    assert 'id="review-form"' not in text and "<html" not in text
    assert RegradeRequest.objects.get().is_open and not released.review.cell_comments.exists()


def test_a_regrade_request_sent_with_errors_answers_the_attempt_or_its_review_for_htmx(
    client_for: Any, released: Submission
) -> None:
    url = reverse("submissions:regrade-request", args=[released.pk])
    client = client_for(released.participant)
    page = client.post(url, {"target": "criterion:data", "reason": " "})
    text = page.content.decode()
    assert page.status_code == 400
    assert 'id="released-grade"' in text and 'id="regrade-form"' in text
    assert "This field is required" in text
    part = client.post(url, {"target": "criterion:data", "reason": " "}, HTTP_HX_REQUEST="true")
    text = part.content.decode()
    assert part.status_code == 200
    assert 'id="participant-review"' in text and "This field is required" in text
    assert 'id="released-grade"' not in text and "<html" not in text
    assert not RegradeRequest.objects.exists()
