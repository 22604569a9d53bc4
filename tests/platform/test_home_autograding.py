"""The instructor's home shows the autograding backlog of their cohorts, with a notice when it
is older than GRADING_BACKLOG_SECONDS (back-pressure: nothing is refused, it is shown)."""

import datetime as dt
from typing import Any

from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Assignment, Cohort
from courses.services import enroll
from platform.models import User
from submissions.models import GradingRun, Submission
from tests.helpers import make_user, publish, submit


def page(client: Client) -> BeautifulSoup:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def attempts(assignment: Assignment, cohort: Cohort, n: int, *, waited: float) -> list[Submission]:
    made = []
    for _ in range(n):
        user = make_user(f"u{Submission.objects.count()}-{cohort.pk}")
        enroll(user=user, cohort=cohort)
        made.append(submit(user, assignment))
    GradingRun.objects.filter(submission__in=made).update(
        enqueued_at=timezone.now() - dt.timedelta(seconds=waited)
    )
    return made


def test_the_instructor_sees_queued_autograding_per_assignment_oldest_first(
    settings: Any,
    instructor: User,
    cohort: Cohort,
    other_cohort: Cohort,
    assignment: Assignment,
    module: Any,
    client_for: Any,
) -> None:
    settings.GRADING_BACKLOG_SECONDS = 300
    later = publish(module, slug="later", title="Later")
    attempts(later, cohort, 1, waited=30)
    attempts(assignment, cohort, 2, waited=60)
    graded_one = attempts(assignment, cohort, 1, waited=90)[0]
    GradingRun.objects.filter(submission=graded_one).update(status=GradingRun.Status.GRADED)
    foreign = publish(other_cohort.program.modules.create(title="M", order=1), slug="f")
    attempts(foreign, other_cohort, 3, waited=900)  # another instructor's cohort
    soup = page(client_for(instructor))
    backlog = soup.select_one("#autograding-backlog")
    assert backlog is not None and backlog["data-queued"] == "3"
    rows = [(r["data-assignment"], r["data-queued"]) for r in backlog.select("tbody tr")]
    assert rows == [(str(assignment.pk), "2"), (str(later.pk), "1")]
    assert backlog["data-busy"] == "false"
    assert soup.select_one("#autograding-busy") is None


def test_an_old_backlog_gets_a_clear_notice_in_english_and_german(
    settings: Any, instructor: User, cohort: Cohort, assignment: Assignment, client_for: Any
) -> None:
    settings.GRADING_BACKLOG_SECONDS = 300
    attempts(assignment, cohort, 2, waited=301)
    client = client_for(instructor)
    notice = page(client).select_one("#autograding-busy")
    assert notice is not None and "Autograding is behind" in notice.text
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    notice = page(client).select_one("#autograding-busy")
    assert notice is not None and "Die automatische Bewertung hängt hinterher" in notice.text


def test_nothing_queued_shows_no_autograding_section(
    instructor: User, cohort: Cohort, client_for: Any
) -> None:
    assert page(client_for(instructor)).select_one("#autograding-backlog") is None
