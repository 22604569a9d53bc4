"""The coordinator's and the instructor's home: the numbers, where they link, query budgets."""

import datetime as dt
import itertools
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from courses.models import (
    Application,
    Assignment,
    Cohort,
    Enrollment,
    Module,
    Program,
    ProgressRecord,
)
from courses.risk import judge_running_cohorts
from courses.services import enroll
from platform.home import LABELS, coordinator_numbers
from platform.models import PrivacyNotice, User
from submissions.models import GradingLease, RegradeRequest, Submission
from tests.helpers import (
    graded,
    keep_program_incomplete,
    make_cohort,
    make_user,
    publish,
    release,
    review,
    submit,
)

NOT_ENROLLED = "You are not enrolled in any program yet"
_numbers = itertools.count()


def page(client: Client) -> BeautifulSoup:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def number(soup: BeautifulSoup, cohort: Cohort, key: str) -> tuple[int, str]:
    item = soup.select_one(f"#cohort-numbers-{cohort.pk} [data-number={key}]")
    assert item is not None, key
    link = item.find("a")  # zero counts are shown quietly, without a link
    return int(item["data-count"]), link["href"] if link else ""


def running(cohort: Cohort) -> Cohort:
    today = timezone.localdate()
    cohort.starts_on, cohort.ends_on = today - dt.timedelta(days=60), today + dt.timedelta(days=60)
    cohort.save(update_fields=["starts_on", "ends_on"])
    return cohort


def people(cohort: Cohort, n: int) -> list[Enrollment]:
    return [enroll(user=make_user(f"person{next(_numbers)}"), cohort=cohort) for _ in range(n)]


def apply(cohort: Cohort, status: str = Application.Status.SUBMITTED) -> Application:
    notice = PrivacyNotice.objects.current()
    return Application.objects.create(
        cohort=cohort,
        full_name="Ada Applicant",
        email=f"a{next(_numbers)}@example.com",
        language="en",
        motivation="Curious",
        privacy_notice=notice,
        consented_at=timezone.now(),
        status=status,
    )


# --- the coordinator ----------------------------------------------------------------------


def test_the_coordinator_sees_each_cohort_with_the_numbers_that_need_a_decision(
    program_coordinator: User, cohort: Cohort, assignment: Assignment, client_for: Any
) -> None:
    running(cohort)
    first, second = people(cohort, 2)
    submit(first.user, assignment)
    apply(cohort)
    apply(cohort, Application.Status.REJECTED)
    Enrollment.objects.filter(pk=second.pk).update(
        enrolled_at=timezone.now() - dt.timedelta(weeks=5)
    )
    judge_running_cohorts(now=timezone.now())  # the periodic job sees the weeks go by
    soup = page(client_for(program_coordinator))
    text = soup.get_text()
    assert NOT_ENROLLED not in text
    assert soup.select_one(f"#cohort-numbers-{cohort.pk}") is not None
    assert number(soup, cohort, "applications") == (
        1,
        reverse("applications:screening", args=[cohort.pk]),
    )
    count, url = number(soup, cohort, "to_grade")
    assert count == 1
    assert urlsplit(url).path == reverse("submissions:queue")
    assert parse_qs(urlsplit(url).query) == {
        "cohort": [str(cohort.pk)],
        "state": ["needs_grading"],
        "who": ["all"],
    }
    assert "oldest" in soup.select_one(f"#cohort-numbers-{cohort.pk} [data-number=to_grade]").text
    count, url = number(soup, cohort, "at_risk")
    assert count == 1  # the one without activity for five weeks
    assert url == reverse("workspace:matrix", args=[cohort.pk]) + "?sort=risk&at_risk=1"
    assert number(soup, cohort, "ready_to_release") == (0, "")
    urls = {
        n.key: n.url
        for n in coordinator_numbers(program_coordinator, now=timezone.now())[0].cohorts[0].numbers
    }
    register = reverse("certificates:cohort", args=[cohort.pk])
    assert urls["certificates_ready"] == register + "?status=ready"
    assert urls["awaiting_approval"] == register + "?status=pending"
    assert urls["escalated"] == (
        reverse("submissions:regrade-list") + f"?cohort={cohort.pk}&state=escalated"
    )
    # issue 13's links stay
    assert soup.select_one(f"#enrolment-link-{cohort.pk}") is not None
    assert soup.select_one(".applications-link") is not None


def test_the_home_counts_the_stored_judgement_and_judges_unjudged_records_live(
    program_coordinator: User, cohort: Cohort, client_for: Any
) -> None:
    running(cohort)
    judged, unjudged = people(cohort, 2)
    ProgressRecord.objects.filter(enrollment=judged).update(
        at_risk=True, risk_reasons=[{"code": "inactive", "title": "", "params": []}]
    )
    # A record stored before judgements were (risk_judged_at empty) is judged on the spot.
    Enrollment.objects.filter(pk=unjudged.pk).update(
        enrolled_at=timezone.now() - dt.timedelta(weeks=5)
    )
    ProgressRecord.objects.filter(enrollment=unjudged).update(risk_judged_at=None)
    client = client_for(program_coordinator)
    assert number(page(client), cohort, "at_risk")[0] == 2
    ProgressRecord.objects.filter(enrollment=judged).update(at_risk=False)
    assert number(page(client), cohort, "at_risk")[0] == 1


def test_zero_counts_are_shown_quietly(
    program_coordinator: User, cohort: Cohort, client_for: Any
) -> None:
    soup = page(client_for(program_coordinator))
    item = soup.select_one(f"#cohort-numbers-{cohort.pk} [data-number=to_grade]")
    assert "muted" in item["class"]
    assert item.find("a") is None


def test_ready_reviews_and_escalated_regrades_are_counted(
    program_coordinator: User,
    cohort: Cohort,
    enrolled: User,
    instructor: User,
    assignment: Assignment,
    client_for: Any,
) -> None:
    from submissions.reviewing.states import mark_ready

    submission = graded(submit(enrolled, assignment))
    review(instructor, submission)
    mark_ready(grader=instructor, submission=submission)
    soup = page(client_for(program_coordinator))
    count, url = number(soup, cohort, "ready_to_release")
    assert count == 1
    assert parse_qs(urlsplit(url).query)["state"] == ["ready"]
    assert number(soup, cohort, "to_grade")[0] == 0


def test_each_program_is_a_table_with_a_row_per_cohort_and_a_column_per_number(
    program_coordinator: User, cohort: Cohort, program: Program, client_for: Any
) -> None:
    later = make_cohort(program, name="Later cohort")
    apply(later)
    soup = page(client_for(program_coordinator))
    table = soup.select_one(f"#numbers-{program.pk}")
    assert table is not None and table.caption is not None
    region = table.find_parent(attrs={"role": "region"})
    assert region["aria-labelledby"] == table.caption["id"]
    assert region["tabindex"] == "0"
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    assert all(th["scope"] == "col" for th in table.select("thead th"))
    assert headers[1:-1] == [str(label) for label in LABELS.values()]
    rows = table.select("tbody tr")
    assert {r["id"] for r in rows} == {f"cohort-numbers-{cohort.pk}", f"cohort-numbers-{later.pk}"}
    for row in rows:
        assert row.th["scope"] == "row"
        assert [td["data-number"] for td in row.select("td[data-number]")] == list(LABELS)
    # a non-zero number is a link whose name says what it counts
    link = soup.select_one(f"#cohort-numbers-{later.pk} [data-number=applications] a")
    assert link.get_text(" ", strip=True) == "1 applications to screen"


def test_the_coordinator_of_another_program_does_not_see_this_one(
    foreign_coordinator: User, cohort: Cohort, client_for: Any
) -> None:
    soup = page(client_for(foreign_coordinator))
    assert soup.select_one(f"#cohort-numbers-{cohort.pk}") is None
    assert NOT_ENROLLED not in soup.get_text()


def test_a_coordinator_without_cohorts_is_not_told_to_enrol(
    program_coordinator: User, program: Program, client_for: Any
) -> None:
    text = page(client_for(program_coordinator)).get_text()
    assert NOT_ENROLLED not in text
    assert "No cohorts yet." in text


def test_the_coordinator_home_is_in_german(
    program_coordinator: User, cohort: Cohort, client_for: Any
) -> None:
    client = client_for(program_coordinator)
    client.cookies["django_language"] = "de"
    with translation.override("de"):
        text = page(client).get_text()
    assert "Programme, die ich koordiniere" in text
    assert "Einreichungen warten auf Bewertung" in text


def build(program: Program, coordinator: User, instructor: User, cohorts: int, size: int) -> None:
    module = Module.objects.create(program=program, title=f"M{next(_numbers)}", order=1)
    assignment = publish(
        module, f"a{next(_numbers)}", "Work", due_at=timezone.now() - dt.timedelta(days=1)
    )
    for _ in range(cohorts):
        cohort = running(make_cohort(program, instructors=[instructor], name=f"c{next(_numbers)}"))
        apply(cohort)
        for enrollment in people(cohort, size):
            submit(enrollment.user, assignment)


@pytest.mark.parametrize("role", ["coordinator", "instructor"])
def test_the_homes_need_a_constant_number_of_queries(
    role: str,
    program: Program,
    program_coordinator: User,
    instructor: User,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    user = program_coordinator if role == "coordinator" else instructor
    client = client_for(user)
    budget = 30
    build(program, program_coordinator, instructor, cohorts=1, size=2)
    with django_assert_max_num_queries(budget) as small:
        page(client)
    build(program, program_coordinator, instructor, cohorts=3, size=4)
    with django_assert_max_num_queries(budget) as large:
        page(client)
    assert len(large.captured_queries) == len(small.captured_queries)


# --- the instructor ------------------------------------------------------------------------


def test_the_instructor_sees_the_work_to_grade_oldest_first_with_lease_holders(
    instructor: User,
    other_instructor: User,
    cohort: Cohort,
    module: Module,
    assignment: Assignment,
    client_for: Any,
) -> None:
    cohort.instructors.add(other_instructor)
    first, second = people(cohort, 2)
    newer = publish(module, "newer", "Newer work")
    held = submit(first.user, assignment)
    submit(second.user, newer)
    Submission.objects.filter(pk=held.pk).update(submitted_at=timezone.now() - dt.timedelta(days=3))
    GradingLease.objects.create(
        submission=held,
        holder=other_instructor,
        expires_at=timezone.now() + dt.timedelta(minutes=5),
    )
    soup = page(client_for(instructor))
    assert NOT_ENROLLED not in soup.get_text()
    rows = soup.select("#backlog tbody tr")
    assert [r["data-assignment"] for r in rows] == [str(assignment.pk), str(newer.pk)]
    assert "Otto Other" in rows[0].get_text()
    assert "3\xa0days" in rows[0].get_text()
    link = rows[0].find("a")["href"]
    assert parse_qs(urlsplit(link).query)["assignment"] == [str(assignment.pk)]
    form = soup.select_one("#grade-next-form")
    assert form["action"] == reverse("submissions:queue-next")
    assert form["method"] == "post"
    assert "disabled" not in soup.select_one("#grade-next").attrs


def test_the_grade_next_button_opens_the_next_ungraded_submission(
    instructor: User, enrolled: User, assignment: Assignment, client_for: Any
) -> None:
    submission = submit(enrolled, assignment)
    client = client_for(instructor)
    response = client.post(reverse("submissions:queue-next"), {"who": "all"})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("submissions:grade", args=[submission.pk])


def test_the_instructor_sees_deadlines_regrades_and_own_release_counts(
    instructor: User, enrolled: User, module: Module, assignment: Assignment, client_for: Any
) -> None:
    soon = publish(module, "soon", "Soon due", due_at=timezone.now() + dt.timedelta(days=5))
    publish(module, "later", "Much later", due_at=timezone.now() + dt.timedelta(days=30))
    keep_program_incomplete(assignment)
    release(instructor, graded(submit(enrolled, assignment)))
    soup = page(client_for(instructor))
    deadlines = soup.select_one("#deadlines").get_text()
    assert soon.title in deadlines
    assert "Much later" not in deadlines
    assert soup.select_one("[data-number=released]")["data-count"] == "1"
    assert soup.select_one("[data-number=unreleased]")["data-count"] == "0"
    assert soup.select_one("[data-number=regrades]")["data-count"] == "0"
    assert soup.select_one("#regrade-requests-link")["href"] == reverse("submissions:regrade-list")
    assert soup.select_one("#backlog-empty") is not None
    assert "disabled" in soup.select_one("#grade-next").attrs


def test_the_participants_home_shows_no_workspace(enrolled: User, client_for: Any) -> None:
    soup = page(client_for(enrolled))
    assert soup.select_one("#instructor-week") is None
    assert soup.select_one("#coordinated-cohorts") is None


def test_open_regrade_requests_for_the_instructor_are_counted(
    instructor: User, enrolled: User, assignment: Assignment, client_for: Any
) -> None:
    from submissions.reviewing.regrades import request_regrade

    keep_program_incomplete(assignment)
    submission = graded(submit(enrolled, assignment), passed=(True, False))
    release(instructor, submission)
    request_regrade(
        participant=enrolled,
        submission=submission,
        target="test",
        key="test_square_hidden",
        reason="Please look again.",
    )
    assert RegradeRequest.objects.open().count() == 1
    soup = page(client_for(instructor))
    assert soup.select_one("[data-number=regrades]")["data-count"] == "1"
