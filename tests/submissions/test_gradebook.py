"""The cohort gradebook: released grades only, constant queries, CSV export, access."""

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from courses.models import Enrollment
from courses.services import enroll, record_released_grade
from submissions.gradebook import gradebook_for
from submissions.services import submit_attempt
from tests.helpers import make_user, participant_notebook, upload_file


@pytest.fixture
def crowd(cohort: Any, assignment: Any) -> list[Enrollment]:
    enrollments = [
        enroll(user=make_user(f"p{i:02}", last_name=f"Person{i:02}"), cohort=cohort)
        for i in range(12)
    ]
    for enrollment in enrollments[:6]:
        record_released_grade(
            enrollment=enrollment,
            assignment=assignment,
            points=Decimal("4.5"),
            max_points=Decimal(5),
            submission_id=0,
        )
    return enrollments


def test_the_gradebook_shows_released_grades_and_who_submitted(
    crowd: list[Enrollment], assignment: Any
) -> None:
    submit_attempt(
        participant=crowd[8].user,
        enrollment=crowd[8],
        assignment=assignment,
        upload=upload_file(participant_notebook()),
    )
    book = gradebook_for(crowd[0].cohort)
    states = [row.cells[0].state for row in book.rows]
    assert states.count("released") == 6
    assert states.count("submitted") == 1
    assert book.rows[0].progress.weighted_grade == Decimal("90.0")


def test_the_gradebook_page_needs_a_constant_number_of_queries(
    crowd: list[Enrollment],
    cohort: Any,
    instructor: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(instructor)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("submissions:gradebook", args=[cohort.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('data-state="released"') == 6
    for i in range(12, 40):
        enroll(user=make_user(f"p{i:02}"), cohort=cohort)
    with django_assert_max_num_queries(12):
        client.get(reverse("submissions:gradebook", args=[cohort.pk]))


def test_the_csv_export_has_points_module_percentages_and_is_formula_safe(
    crowd: list[Enrollment], cohort: Any, instructor: Any, client_for: Any
) -> None:
    crowd[0].user.display_name = "=HYPERLINK(1)"
    crowd[0].user.save(update_fields=["display_name"])
    response = client_for(instructor).get(reverse("submissions:gradebook-csv", args=[cohort.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, first = rows[0], rows[1]
    assert header[:4] == ["username", "name", "email", "status"]
    assert header[-2:] == ["weighted grade (%)", "requirements met"]
    assert first[1] == "'=HYPERLINK(1)"
    assert first[4] == "4.50"
    assert first[-2:] == ["90.0", "yes"]
    assert len(rows) == 13


def test_only_the_cohorts_instructors_and_coordinators_see_the_gradebook(
    cohort: Any,
    instructor: Any,
    other_instructor: Any,
    coordinator: Any,
    enrolled: Any,
    client_for: Any,
) -> None:
    for name in ["submissions:gradebook", "submissions:gradebook-csv"]:
        url = reverse(name, args=[cohort.pk])
        assert client_for(None).get(url).status_code == 302
        assert client_for(enrolled).get(url).status_code == 404
        assert client_for(other_instructor).get(url).status_code == 404
        assert client_for(coordinator).get(url).status_code == 200
        assert client_for(instructor).post(url).status_code == 405
