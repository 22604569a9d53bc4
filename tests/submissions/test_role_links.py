"""Whatever a page lists, its user can open: every link on each grading role's pages (the
queue, the gradebook, the cohort's submissions, the certificate register and its index, the
assignment page) answers 200 for that user; and the access table of the grading pages for
staff, a program's own coordinators and outsiders. One rule decides it all
(``Cohort.objects.graded_by``)."""

import re
from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from courses.models import Assignment, Cohort
from platform.models import User
from submissions.models import Submission
from tests.submissions.reviewing_helpers import graded, submit

LINK = re.compile(r'href="([^"]+)"')
# Not pages of a role: log-out and language switching are forms, static files are not views.
SKIPPED = ("/static/", "/accounts/", "/i18n/", "/admin/")


@pytest.fixture
def submission(enrolled: User, assignment: Assignment) -> Submission:
    return graded(submit(enrolled, assignment))


def role_pages(cohort: Cohort, assignment: Assignment) -> list[str]:
    return [
        f"{reverse('submissions:queue')}?who=all",
        reverse("submissions:gradebook", args=[cohort.pk]),
        reverse("submissions:cohort", args=[cohort.pk]),
        reverse("certificates:cohort", args=[cohort.pk]),
        reverse("certificates:cohorts"),
        reverse("submissions:assignment", args=[assignment.pk]),
    ]


def links_on(body: str) -> set[str]:
    found = {unescape(href) for href in LINK.findall(body)}
    return {
        href
        for href in found
        if href.startswith("/") and not href.startswith("//") and not href.startswith(SKIPPED)
    }


@pytest.mark.parametrize("role", ["coordinator", "program_coordinator", "instructor"])
def test_every_link_on_a_graders_pages_opens_for_them(
    role: str,
    submission: Submission,
    cohort: Cohort,
    assignment: Assignment,
    client_for: Any,
    request: pytest.FixtureRequest,
) -> None:
    user = request.getfixturevalue(role)
    client = client_for(user)
    grade_url = reverse("submissions:grade", args=[submission.pk])
    seen: dict[str, str] = {}
    for page in role_pages(cohort, assignment):
        response = client.get(page)
        assert response.status_code == 200, page
        for link in links_on(response.content.decode()):
            seen.setdefault(link, page)
    assert any(link.startswith(grade_url) for link in seen)  # the queue lists the attempt
    broken = {
        link: (page, status)
        for link, page in sorted(seen.items())
        if (status := client.get(link).status_code) != 200
    }
    assert broken == {}


def grading_pages(submission: Submission) -> dict[str, str]:
    pk, assignment, cohort = (
        submission.pk,
        submission.assignment_id,
        submission.enrollment.cohort_id,
    )
    return {
        "grading screen": reverse("submissions:grade", args=[pk]),
        "submission": reverse("submissions:detail", args=[pk]),
        "rubric": reverse("submissions:rubric", args=[assignment]),
        "publish check": reverse("submissions:publish-check", args=[assignment]),
        "late work": reverse("submissions:late-work", args=[assignment]),
        "review settings": reverse("submissions:review-settings", args=[assignment]),
        "release ready": reverse("submissions:release-ready", args=[assignment]),
        "analytics": reverse("submissions:analytics", args=[assignment]),
        "assignment": reverse("submissions:assignment", args=[assignment]),
        "gradebook": reverse("submissions:gradebook", args=[cohort]),
        "cohort": reverse("submissions:cohort", args=[cohort]),
        "register": reverse("certificates:cohort", args=[cohort]),
        "queue": reverse("submissions:queue"),
        "publish check (API)": reverse("submissions-api:publish-check", args=[assignment]),
        "late policy (API)": reverse("submissions-api:late-policy", args=[assignment]),
        "review (API)": reverse("submissions-api:review", args=[pk]),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", 200),
        ("program_coordinator", 200),
        ("instructor", 200),
        ("foreign_coordinator", 404),
        ("other_instructor", 404),
    ],
)
def test_the_grading_pages_open_for_whoever_grades_the_cohort(
    role: str,
    expected: int,
    submission: Submission,
    other_cohort: Cohort,
    client_for: Any,
    request: pytest.FixtureRequest,
) -> None:
    from tests.helpers import api_client

    user = request.getfixturevalue(role)
    client = client_for(user)
    for name, url in grading_pages(submission).items():
        if name == "queue" and expected == 404:
            continue  # their own queue exists (their cohort), without these rows
        if "(API)" in name:
            # The publish check is a 404 until one ran, for everyone; its access is the page's.
            if name.startswith("publish check"):
                continue
            status = api_client(user).get(url).status_code
        else:
            status = client.get(url).status_code
        assert status == expected, (name, status)
