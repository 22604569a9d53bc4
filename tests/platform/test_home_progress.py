"""The participant's home page answers "am I on track?": checklist, grade, still needed,
deadlines (extensions applied), a labelled progress bar; read from stored progress cheaply."""

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Assignment, Cohort, Module
from courses.services import enroll
from submissions.late.services import grant_extension
from tests.helpers import publish, release_grade


def test_the_checklist_says_what_is_met_missing_and_why(
    enrolled: Any, assignment: Assignment, client_for: Any
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "2")
    body = client_for(enrolled).get(reverse("home")).content.decode()
    assert '<ul class="checklist requirements">' in body
    assert (
        '<li class="missing" data-status="missing"><span class="status">Missing:</span> '
        "Foundations: 40.0 % &lt; pass mark 50 %</li>"
    ) in body
    assert "Final weighted grade: <strong>40.0 %</strong>" in body
    assert "Still needed for the certificate" in body
    # The progress bar is named by the sentence that says the same in words.
    enrollment_pk = enrolled.enrollments.get().pk
    assert f'<p id="progress-label-{enrollment_pk}">0 of 1 requirements met' in body
    assert f'aria-labelledby="progress-label-{enrollment_pk}"' in body


def test_a_met_requirement_and_the_final_grade(
    enrolled: Any, assignment: Assignment, client_for: Any
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "4.5")
    body = client_for(enrolled).get(reverse("home")).content.decode()
    assert (
        '<span class="status">Met:</span> Foundations: passed with 90.0 % (pass mark 50 %)' in body
    )
    assert "Final weighted grade: <strong>90.0 %</strong>" in body
    assert "Nothing: you have met every requirement." in body
    assert 'value="100"' in body


def test_the_next_deadlines_apply_the_participants_extension(
    enrolled: Any, module: Module, instructor: Any, client_for: Any
) -> None:
    due = timezone.now() + dt.timedelta(days=7)
    assignment = publish(module, "later", "Later squares", due_at=due)
    publish(module, "past", "Past squares", due_at=timezone.now() - dt.timedelta(days=1))
    extended = due + dt.timedelta(days=3)
    grant_extension(
        assignment=assignment,
        granted_by=instructor,
        due_at=extended,
        reason="illness",
        enrollment=enrolled.enrollments.get(),
    )
    body = client_for(enrolled).get(reverse("home")).content.decode()
    assert "Later squares" in body and "(extended for you)" in body
    assert f'datetime="{timezone.localtime(extended).isoformat()}"' in body
    assert "Past squares" not in body.split("Next deadlines")[1]


def test_the_program_page_shows_the_same_checklist(
    enrolled: Any, assignment: Assignment, client_for: Any, program: Any
) -> None:
    body = (
        client_for(enrolled).get(reverse("courses:program", args=[program.slug])).content.decode()
    )
    assert "Foundations: 0 of 1 assignments graded" in body
    assert "<h3>Requirements</h3>" in body  # one level below the page's "Am I on track?"


def test_the_home_page_reads_stored_progress_in_a_constant_number_of_queries(
    participant: Any,
    cohort: Cohort,
    other_cohort: Cohort,
    assignment: Assignment,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    enroll(user=participant, cohort=cohort)
    client = client_for(participant)
    client.get(reverse("home"))  # warm the session
    with CaptureQueriesContext(connection) as one_program:
        assert client.get(reverse("home")).status_code == 200
    enroll(user=participant, cohort=other_cohort)
    Module.objects.create(program=other_cohort.program, title="Basics", order=1)
    with CaptureQueriesContext(connection) as two_programs:
        assert client.get(reverse("home")).status_code == 200
    assert len(two_programs) == len(one_program)
    # + the pending certificate requests, the navigation's "does this user grade?" and the
    # announcements, the next sessions, the cohorts reported to a client
    with django_assert_max_num_queries(16):
        client.get(reverse("home"))
    assert not any("courses_grade" in q["sql"] and "SUM" in q["sql"] for q in two_programs)
