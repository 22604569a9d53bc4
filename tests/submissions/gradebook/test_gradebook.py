"""The cohort gradebook: released grades only, constant queries, CSV export, access."""

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from courses.models import Enrollment
from courses.services import enroll
from submissions.gradebook.table import gradebook_for
from tests.helpers import (
    graded,
    make_user,
    publish,
    release,
    release_grade,
    review,
    submit,
)


@pytest.fixture
def crowd(cohort: Any, assignment: Any) -> list[Enrollment]:
    enrollments = [
        enroll(user=make_user(f"p{i:02}", last_name=f"Person{i:02}"), cohort=cohort)
        for i in range(12)
    ]
    for enrollment in enrollments[:6]:
        release_grade(enrollment, assignment, "4.5", submission_id=0)
    return enrollments


def test_the_gradebook_shows_released_grades_and_who_submitted(
    crowd: list[Enrollment], assignment: Any
) -> None:
    submit(crowd[8].user, assignment, enrollment=crowd[8])
    book = gradebook_for(crowd[0].cohort)
    states = [row.cells[0].state for row in book.rows]
    assert states.count("released") == 6
    assert states.count("submitted") == 1
    assert book.rows[0].progress.weighted_grade == Decimal("90.0")


def build_cohort(
    cohort: Any, module: Any, instructor: Any, *, people: int, assignments: int, anonymous: int = 0
) -> None:
    """``people`` participants × ``assignments`` assignments, each participant with a released
    grade, a draft review or a plain upload, so every kind of cell appears; the first
    ``anonymous`` assignments are graded anonymously (their unreleased cells hidden)."""
    published = [publish(module, f"a{i}", f"A{i}") for i in range(assignments)]
    for assignment in published[:anonymous]:
        assignment.settings.anonymous_grading = True
        assignment.settings.save(update_fields=["anonymous_grading"])
    for i in range(people):
        user = make_user(f"q{i:03}")
        enroll(user=user, cohort=cohort)
        for j, assignment in enumerate(published):
            submission = submit(user, assignment)
            if (i + j) % 3 == 0:
                continue
            graded(submission)
            if (i + j) % 3 == 1:
                review(instructor, submission)
            else:
                release(instructor, submission)


@pytest.mark.parametrize(
    ("people", "assignments", "anonymous"), [(3, 1, 0), (15, 3, 0), (15, 3, 1)]
)
def test_the_gradebook_page_needs_a_constant_number_of_queries(
    people: int,
    assignments: int,
    anonymous: int,
    cohort: Any,
    module: Any,
    instructor: Any,
    client_for: Any,
    django_assert_num_queries: Any,
) -> None:
    build_cohort(
        cohort, module, instructor, people=people, assignments=assignments, anonymous=anonymous
    )
    client = client_for(instructor)
    url = reverse("submissions:gradebook", args=[cohort.pk])
    # session, user, cohort (access); enrolments, assignments, attempts; progress: modules,
    # assignments, grades (which the cells reuse). The same nine for 3 × 1 and for 15 × 3,
    # with or without an anonymously graded assignment.
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    cells = people * assignments
    assert page.count("<td data-state=") == cells
    released = page.count('data-state="released"')
    in_review = page.count('data-state="in_review"')
    hidden = page.count('data-state="hidden"')
    assert released + in_review + page.count('data-state="submitted"') + hidden == cells
    assert released and in_review
    # Every third cell of a column is released; the other two of an anonymous one are hidden.
    assert hidden == anonymous * people * 2 // 3


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
    assert header[-3:] == ["weighted grade (%)", "requirements met", "policy version"]
    assert first[1] == "'=HYPERLINK(1)"
    assert first[4] == "4.50"
    assert first[-3:] == ["90.0", "yes", "0"]  # version 0: the modules' own rules
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


@pytest.fixture
def capstone_project(module: Any) -> Any:
    """A capstone published before the crowd's grades, so nobody completes the program (and
    no certificate freezes their grades) before the test releases the project."""
    from courses.models import Module

    capstone = Module.objects.create(
        program=module.program, title="Project", order=9, is_capstone=True
    )
    return publish(capstone, "project", "Project")


def test_the_csv_has_a_per_module_breakdown_of_points_maximum_and_percent(
    capstone_project: Any,
    crowd: list[Enrollment],
    cohort: Any,
    module: Any,
    assignment: Any,
    instructor: Any,
    client_for: Any,
) -> None:
    project = capstone_project
    release_grade(crowd[0], project, "2.35", submission_id=0)
    response = client_for(instructor).get(reverse("submissions:gradebook-csv", args=[cohort.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    first = next(r for r in rows if r["username"] == crowd[0].user.username)
    assert (
        first["module: Foundations (points)"],
        first["module: Foundations (max)"],
        first["module: Foundations (%)"],
    ) == ("4.50", "5.00", "90.0")
    # 2.35 of 5 = 47 %; rounded by courses.scoring's one rule.
    assert (first["module: Project (points)"], first["module: Project (%)"]) == ("2.35", "47.0")
    assert first["Squares state"] == "released" and first["Project state"] == "released"
    nobody = next(r for r in rows if r["username"] == crowd[11].user.username)
    assert (nobody["module: Project (points)"], nobody["module: Project (%)"]) == ("0", "0.0")
    assert nobody["Project state"] == "missing"


def test_a_swapped_breakdown_function_changes_only_the_categories(
    crowd: list[Enrollment], cohort: Any
) -> None:
    from submissions.gradebook.table import CategoryTotal, gradebook_csv

    def one_category(book: Any, row: Any) -> tuple[CategoryTotal, ...]:
        return (CategoryTotal("all", Decimal(1), Decimal(4)),)

    lines = list(gradebook_csv(gradebook_for(cohort), breakdown=one_category))
    header = next(csv.reader(io.StringIO(lines[0])))
    assert [h for h in header if h.startswith("module:")] == [
        "module: all (points)",
        "module: all (max)",
        "module: all (%)",
    ]
    assert next(csv.reader(io.StringIO(lines[1])))[-6:-3] == ["1", "4", "25.0"]


def test_the_page_flags_late_work_review_states_and_failed_grading(
    enrolled: Any,
    other_enrolled: Any,
    cohort: Any,
    assignment: Any,
    instructor: Any,
    client_for: Any,
) -> None:
    from submissions.models import Submission

    late = submit(enrolled, assignment)
    Submission.objects.filter(pk=late.pk).update(late_seconds=7200)
    graded(late)
    review(instructor, late)
    failed = submit(other_enrolled, assignment)
    Submission.objects.filter(pk=failed.pk).update(status=Submission.Status.FAILED)
    page = (
        client_for(instructor)
        .get(reverse("submissions:gradebook", args=[cohort.pk]))
        .content.decode()
    )
    assert (
        '<td data-state="in_review"><span class="muted">draft</span>'
        ' <span class="badge warn">late</span></td>'
    ) in page
    assert (
        '<td data-state="submitted"><span class="muted">submitted</span>'
        ' <span class="badge bad">grading failed</span></td>'
    ) in page
    release_page_states = gradebook_for(cohort).rows
    assert {c.cells[0].state for c in release_page_states} == {"in_review", "submitted"}


def test_the_csv_and_json_show_the_grading_policys_weighted_categories(
    capstone_project: Any,
    crowd: list[Enrollment],
    cohort: Any,
    module: Any,
    instructor: Any,
    coordinator: Any,
    client_for: Any,
) -> None:
    from tests.courses.test_progress_storage import categorised_policy

    project = capstone_project
    # exercises 40 % (minimum 50 %), project 60 %, pass mark 60 %
    categorised_policy(module.program, module, project.module, coordinator)
    release_grade(crowd[0], project, project.max_points, submission_id=0)
    client = client_for(instructor)
    response = client.get(reverse("submissions:gradebook-csv", args=[cohort.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    first = next(r for r in rows if r["username"] == crowd[0].user.username)
    assert first["category: exercises (40.0 %) (%)"] == "90.0"
    assert first["category: project (60.0 %) (%)"] == "100.0"
    assert first["weighted grade (%)"] == "96.0"  # 0.4 x 90 + 0.6 x 100
    assert first["policy version"] == "1"
    nobody = next(r for r in rows if r["username"] == crowd[11].user.username)
    assert nobody["category: project (60.0 %) (%)"] == ""  # nothing released yet
    data = client.get(reverse("submissions-api:gradebook", args=[cohort.pk])).json()
    row = next(r for r in data["rows"] if r["username"] == crowd[0].user.username)
    assert row["policy_version"] == 1
    assert [(c["key"], c["percent"]) for c in row["policy_categories"]] == [
        ("exercises", "90.0"),
        ("project", "100.0"),
    ]
