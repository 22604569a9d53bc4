"""The cohort's progress matrix: who may see it, its cells, sorting, the at-risk flag, links."""

import datetime as dt
import itertools
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from courses.models import Assignment, Cohort, Enrollment, Module
from courses.services import enroll
from platform.models import User
from tests.helpers import make_user, publish, release_grade, submit

_numbers = itertools.count()


def url(cohort: Cohort, query: str = "") -> str:
    return reverse("workspace:matrix", args=[cohort.pk]) + query


def soup_of(client: Client, address: str) -> BeautifulSoup:
    response = client.get(address)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def names(soup: BeautifulSoup) -> list[str]:
    return [th.get_text(strip=True) for th in soup.select("#matrix tbody th[scope=row]")]


def person(cohort: Cohort, first: str, last: str) -> Enrollment:
    user = make_user(f"u{next(_numbers)}", first_name=first, last_name=last)
    return enroll(user=user, cohort=cohort)


@pytest.fixture
def class_of(cohort: Cohort, module: Module, assignment: Assignment) -> dict[str, Enrollment]:
    """Three participants of a running cohort: Ada passed, Berta failed and overdue, Carl has
    not started (and nothing is overdue for him but the same work)."""
    today = timezone.localdate()
    cohort.starts_on, cohort.ends_on = today - dt.timedelta(days=30), today + dt.timedelta(days=90)
    cohort.save(update_fields=["starts_on", "ends_on"])
    overdue = publish(module, "overdue", "Overdue", due_at=timezone.now() - dt.timedelta(days=2))
    people = {
        "ada": person(cohort, "Ada", "Zeta"),
        "berta": person(cohort, "Berta", "Alpha"),
        "carl": person(cohort, "Carl", "Mid"),
    }
    release_grade(people["ada"], assignment, "5")
    release_grade(people["ada"], overdue, "5")
    release_grade(people["berta"], assignment, "1")
    return people


def test_it_shows_modules_by_participants_with_colour_and_text(
    class_of: dict[str, Enrollment], cohort: Cohort, instructor: User, client_for: Any
) -> None:
    soup = soup_of(client_for(instructor), url(cohort))
    assert names(soup) == ["Berta Alpha", "Carl Mid", "Ada Zeta"]  # by last name
    assert soup.select_one("#matrix caption") is not None
    assert [th.get_text(strip=True) for th in soup.select("#matrix thead th")][2] == "Foundations"
    rows = {r["data-enrollment"]: r for r in soup.select("#matrix tbody tr")}
    ada = rows[str(class_of["ada"].pk)].select_one("td[data-state]")
    assert ada["data-state"] == "passed"
    assert "ok" in ada.select_one(".badge")["class"]
    assert "passed" in ada.get_text() and "100.0 %" in ada.get_text()
    berta = rows[str(class_of["berta"].pk)]
    assert berta.select_one("td[data-state]")["data-state"] == "in_progress"
    assert "20.0 %" in berta.get_text()
    carl = rows[str(class_of["carl"].pk)]
    assert carl.select_one("td[data-state]")["data-state"] == "not_started"
    assert "not started" in carl.get_text()


def test_it_flags_who_is_at_risk_and_says_why(
    class_of: dict[str, Enrollment], cohort: Cohort, instructor: User, client_for: Any
) -> None:
    soup = soup_of(client_for(instructor), url(cohort))
    rows = {r["data-enrollment"]: r for r in soup.select("#matrix tbody tr")}
    berta = rows[str(class_of["berta"].pk)].select_one(".risk").get_text(" ", strip=True)
    assert "at risk" in berta
    assert "Overdue: due" in berta and "nothing handed in" in berta
    assert "Foundations: average 20 % below the pass mark 50 %" in berta
    assert "at risk" not in rows[str(class_of["ada"].pk)].select_one(".risk").get_text()
    assert "2 participants at risk." in soup.select_one("#matrix-summary").get_text(" ", strip=True)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Berta Alpha", "Carl Mid", "Ada Zeta"]),
        ("progress", ["Ada Zeta", "Berta Alpha", "Carl Mid"]),
        ("risk", ["Berta Alpha", "Carl Mid", "Ada Zeta"]),
        ("nonsense", ["Berta Alpha", "Carl Mid", "Ada Zeta"]),
    ],
)
def test_it_sorts_by_a_get_parameter(
    sort: str,
    expected: list[str],
    class_of: dict[str, Enrollment],
    cohort: Cohort,
    instructor: User,
    client_for: Any,
) -> None:
    soup = soup_of(client_for(instructor), url(cohort, f"?sort={sort}"))
    assert names(soup) == expected
    current = soup.select_one("#matrix-sort [aria-current]").get_text()
    assert current == (sort if sort != "nonsense" else "name")


def test_it_shows_only_those_at_risk_when_asked(
    class_of: dict[str, Enrollment], cohort: Cohort, program_coordinator: User, client_for: Any
) -> None:
    soup = soup_of(client_for(program_coordinator), url(cohort, "?at_risk=1&sort=risk"))
    assert names(soup) == ["Berta Alpha", "Carl Mid"]


def test_each_participant_links_to_their_submissions(
    class_of: dict[str, Enrollment],
    cohort: Cohort,
    instructor: User,
    assignment: Assignment,
    client_for: Any,
) -> None:
    client = client_for(instructor)
    submit(class_of["carl"].user, assignment)
    submit(class_of["berta"].user, assignment)
    soup = soup_of(client, url(cohort))
    row = soup.select_one(f"tr[data-enrollment='{class_of['carl'].pk}']")
    link = row.select_one("th a")["href"]
    assert (
        link
        == reverse("submissions:cohort", args=[cohort.pk]) + f"?enrollment={class_of['carl'].pk}"
    )
    listed = soup_of(client, link)
    table = listed.select_one("#cohort-submissions").get_text()
    assert "Carl Mid" in table and "Berta Alpha" not in table
    assert listed.select_one("#shown-participant") is not None


def test_the_submissions_filter_leaves_out_anonymous_work(
    class_of: dict[str, Enrollment],
    cohort: Cohort,
    instructor: User,
    anonymous_assignment: Assignment,
    client_for: Any,
) -> None:
    submit(class_of["carl"].user, anonymous_assignment)
    address = reverse("submissions:cohort", args=[cohort.pk]) + f"?enrollment={class_of['carl'].pk}"
    soup = soup_of(client_for(instructor), address)
    assert soup.select_one("#cohort-submissions") is None


def test_the_submissions_filter_refuses_another_cohorts_enrolment(
    cohort: Cohort, other_cohort: Cohort, instructor: User, client_for: Any
) -> None:
    stranger = person(other_cohort, "Sam", "Stranger")
    address = reverse("submissions:cohort", args=[cohort.pk]) + f"?enrollment={stranger.pk}"
    assert client_for(instructor).get(address).status_code == 404


def test_who_may_see_the_matrix(
    cohort: Cohort,
    other_cohort: Cohort,
    enrolled: User,
    other_instructor: User,
    foreign_coordinator: User,
    program_coordinator: User,
    coordinator: User,
    client_for: Any,
    client: Client,
) -> None:
    address = url(cohort)
    response = client.get(address)
    assert response.status_code == 302 and "login" in response["Location"]
    for outsider in (enrolled, other_instructor, foreign_coordinator):
        assert client_for(outsider).get(address).status_code == 404
    for insider in (program_coordinator, coordinator):
        assert client_for(insider).get(address).status_code == 200
    assert client_for(program_coordinator).post(address).status_code == 405


def test_the_matrix_is_in_german(
    class_of: dict[str, Enrollment], cohort: Cohort, instructor: User, client_for: Any
) -> None:
    client = client_for(instructor)
    client.cookies["django_language"] = "de"
    with translation.override("de"):
        text = soup_of(client, url(cohort)).get_text(" ", strip=True)
    assert "Fortschritt der Kohorte" in text
    assert "bestanden" in text and "nicht begonnen" in text
    assert "gefährdet" in text


def test_the_matrix_needs_a_constant_number_of_queries(
    cohort: Cohort,
    module: Module,
    assignment: Assignment,
    instructor: User,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(instructor)
    counts = []
    for size in (2, 10):
        for _ in range(size):
            enrollment = person(cohort, "P", f"N{next(_numbers)}")
            release_grade(enrollment, assignment, "3")
        with django_assert_max_num_queries(25) as queries:
            soup_of(client, url(cohort))
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
