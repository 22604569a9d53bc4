"""The gradebook of an anonymously graded assignment: until identities are revealed, a cell
shows nothing but released grades; page, CSV and JSON alike, subtotals included."""

import csv
import io
import re
from typing import Any

import pytest
from django.urls import reverse

from courses.services import enroll
from submissions.models import Submission
from submissions.reviewing import anonymity, states
from tests.helpers import api_client, graded, make_user, release, review, submit

HIDDEN_CELL = '<td data-state="hidden"><span class="muted">hidden (graded anonymously)</span></td>'


@pytest.fixture
def ada_ready(enrolled: Any, anonymous_assignment: Any, instructor: Any) -> Submission:
    """Ada's late attempt, graded, reviewed (2 manual points on top of 3 autograded) and ready:
    everything a grader sees beside her pseudonym, nothing released."""
    attempt = submit(enrolled, anonymous_assignment)
    Submission.objects.filter(pk=attempt.pk).update(late_seconds=7200)
    attempt.refresh_from_db()
    graded(attempt)
    review(instructor, attempt)
    states.mark_ready(grader=instructor, submission=attempt)
    return attempt


@pytest.fixture
def grace_released(other_enrolled: Any, anonymous_assignment: Any, instructor: Any) -> Submission:
    attempt = submit(other_enrolled, anonymous_assignment)
    graded(attempt)
    release(instructor, attempt, manual="1")  # 3 autograded + 1 = 4 of 5
    return attempt


@pytest.fixture
def nobody(cohort: Any) -> Any:
    """Enrolled, never uploaded."""
    user = make_user("nora", first_name="Nora", last_name="Nobody")
    enroll(user=user, cohort=cohort)
    return user


def row_of(page: str, name: str) -> str:
    match = re.search(rf'<tr><th scope="row">{name}</th>(.*?)</tr>', page)
    assert match, name
    return match.group(1)


def gradebook_page(client: Any, cohort: Any) -> str:
    response = client.get(reverse("submissions:gradebook", args=[cohort.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def csv_rows(client: Any, cohort: Any) -> dict[str, dict[str, str]]:
    response = client.get(reverse("submissions:gradebook-csv", args=[cohort.pk]))
    table = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    return {row["username"]: row for row in table}


def json_rows(user: Any, cohort: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    body = api_client(user).get(reverse("submissions-api:gradebook", args=[cohort.pk])).json()
    return body, {row["username"]: row for row in body["rows"]}


def test_the_page_hides_every_unreleased_cell_and_shows_released_grades(
    ada_ready: Submission,
    grace_released: Submission,
    nobody: Any,
    cohort: Any,
    instructor: Any,
    client_for: Any,
) -> None:
    page = gradebook_page(client_for(instructor), cohort)
    ada = row_of(page, "Ada Lovelace")
    assert ada.startswith(HIDDEN_CELL)
    for detail in ("ready for release", "late", "draft", "submitted", "5", "grading failed"):
        assert f">{detail}<" not in ada, detail
    assert row_of(page, "Nora Nobody").startswith(HIDDEN_CELL)
    assert row_of(page, "Grace Hopper").startswith('<td data-state="released">4</td>')
    assert '<span class="badge" data-anonymous>graded anonymously</span>' in page
    assert 'id="gradebook-anonymous"' in page


def test_a_cell_shows_its_grade_once_that_participants_grade_is_released(
    ada_ready: Submission, cohort: Any, instructor: Any, client_for: Any
) -> None:
    states.release_ready_reviews(
        actor=instructor, assignment=ada_ready.assignment, review_ids=[ada_ready.review.pk]
    )
    page = gradebook_page(client_for(instructor), cohort)
    assert row_of(page, "Ada Lovelace").startswith(
        '<td data-state="released">5 <span class="badge warn">late</span></td>'
    )
    assert 'id="gradebook-anonymous"' in page  # other participants' cells may still be hidden


def test_after_a_reveal_the_gradebook_shows_everything_as_before(
    ada_ready: Submission, cohort: Any, coordinator: Any, instructor: Any, client_for: Any
) -> None:
    anonymity.reveal_identities(actor=coordinator, assignment=ada_ready.assignment)
    page = gradebook_page(client_for(instructor), cohort)
    assert row_of(page, "Ada Lovelace").startswith(
        '<td data-state="in_review"><span class="muted">ready for release</span>'
        ' <span class="badge warn">late</span></td>'
    )
    assert 'data-state="hidden"' not in page
    assert "data-anonymous" not in page and 'id="gradebook-anonymous"' not in page


def test_the_csv_marks_hidden_cells_and_its_subtotals_count_released_grades_only(
    ada_ready: Submission,
    grace_released: Submission,
    cohort: Any,
    instructor: Any,
    coordinator: Any,
    client_for: Any,
) -> None:
    client = client_for(instructor)
    rows = csv_rows(client, cohort)
    ada, grace = rows["ada"], rows["grace"]
    assert (
        ada["Foundations / Squares (max 5.00)"],
        ada["Squares late"],
        ada["Squares state"],
    ) == ("", "", "hidden")
    # Her ready review holds 5 of 5 points; no subtotal may tell.
    assert (
        ada["module: Foundations (points)"],
        ada["module: Foundations (%)"],
        ada["weighted grade (%)"],
    ) == ("0", "0.0", "")
    assert (grace["Foundations / Squares (max 5.00)"], grace["Squares state"]) == (
        "4.00",
        "released",
    )
    assert grace["module: Foundations (points)"] == "4.00"
    anonymity.reveal_identities(actor=coordinator, assignment=ada_ready.assignment)
    ada = csv_rows(client, cohort)["ada"]
    assert (ada["Squares late"], ada["Squares state"]) == ("yes", "in_review")
    # Revealing names releases nothing: the subtotals still count released grades only.
    assert (ada["Foundations / Squares (max 5.00)"], ada["module: Foundations (points)"]) == (
        "",
        "0",
    )


def test_the_json_marks_hidden_cells_with_nulls_and_the_assignment_as_hiding_identities(
    ada_ready: Submission,
    grace_released: Submission,
    cohort: Any,
    instructor: Any,
    coordinator: Any,
) -> None:
    body, rows = json_rows(instructor, cohort)
    assert body["assignments"][0]["identities_hidden"] is True
    assert rows["ada"]["cells"] == [
        {
            "assignment": ada_ready.assignment_id,
            "state": "hidden",
            "points": None,
            "late": None,
            "attempts": None,
        }
    ]
    assert rows["ada"]["categories"][0]["points"] == "0.00"
    assert rows["ada"]["weighted_grade"] is None
    assert rows["grace"]["cells"][0] | {"assignment": 0} == {
        "assignment": 0,
        "state": "released",
        "points": "4.00",
        "late": False,
        "attempts": 1,
    }
    anonymity.reveal_identities(actor=coordinator, assignment=ada_ready.assignment)
    body, rows = json_rows(instructor, cohort)
    assert body["assignments"][0]["identities_hidden"] is False
    assert rows["ada"]["cells"][0] | {"assignment": 0} == {
        "assignment": 0,
        "state": "in_review",
        "points": None,
        "late": True,
        "attempts": 1,
    }


def test_switching_anonymity_on_again_hides_unreleased_cells_again(
    ada_ready: Submission, cohort: Any, instructor: Any, coordinator: Any, client_for: Any
) -> None:
    assignment = ada_ready.assignment
    settings = anonymity.reveal_identities(actor=coordinator, assignment=assignment)
    anonymity.set_review_settings(
        actor=instructor,
        assignment=assignment,
        posting_policy=settings.posting_policy,
        anonymous_grading=False,
    )
    assert 'data-state="hidden"' not in gradebook_page(client_for(instructor), cohort)
    anonymity.set_review_settings(
        actor=instructor,
        assignment=assignment,
        posting_policy=settings.posting_policy,
        anonymous_grading=True,
    )
    page = gradebook_page(client_for(instructor), cohort)
    assert row_of(page, "Ada Lovelace").startswith(HIDDEN_CELL)


def test_the_hidden_marker_is_translated(
    ada_ready: Submission, cohort: Any, instructor: Any, client_for: Any
) -> None:
    instructor.preferred_language = "de"
    instructor.save(update_fields=["preferred_language"])
    page = gradebook_page(client_for(instructor), cohort)
    assert "verborgen (anonyme Bewertung)" in row_of(page, "Ada Lovelace")
    assert ">anonym bewertet</span>" in page
