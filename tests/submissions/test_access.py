"""Every view's access rules: anonymous, another participant, another cohort's instructor,
wrong method, and the happy path, sharing one setup."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from courses.services import enroll
from submissions.models import Submission
from tests.helpers import participant_notebook, submit, upload_file


@dataclass
class World:
    submission: Submission
    assignment: Any
    cohort: Any


@pytest.fixture
def world(
    enrolled: Any, other_participant: Any, other_cohort: Any, assignment: Any, cohort: Any
) -> World:
    enroll(user=other_participant, cohort=other_cohort)
    submission = submit(enrolled, assignment)
    return World(submission=submission, assignment=assignment, cohort=cohort)


def participant_urls(w: World) -> list[str]:
    return [
        reverse("courses:program", args=[w.assignment.module.program.slug]),
        reverse("submissions:assignment", args=[w.assignment.pk]),
        reverse("courses:starter", args=[w.assignment.pk]),
        reverse("submissions:detail", args=[w.submission.pk]),
        reverse("submissions:notebook", args=[w.submission.pk]),
        reverse("submissions:download", args=[w.submission.pk]),
    ]


def grader_urls(w: World) -> list[str]:
    return [
        reverse("submissions:grade", args=[w.submission.pk]),
        reverse("submissions:cohort", args=[w.cohort.pk]),
        reverse("submissions:detail", args=[w.submission.pk]),
        reverse("submissions:notebook", args=[w.submission.pk]),
        reverse("submissions:download", args=[w.submission.pk]),
    ]


def test_anonymous_visitors_are_sent_to_log_in(world: World, client_for: Any) -> None:
    client = client_for(None)
    for url in [*participant_urls(world), *grader_urls(world), reverse("home")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_the_participant_reaches_their_own_pages(
    world: World, enrolled: Any, client_for: Any
) -> None:
    client = client_for(enrolled)
    for url in participant_urls(world):
        assert client.get(url).status_code == 200, url


def test_another_participant_gets_404_for_everything_of_someone_else(
    world: World, other_participant: Any, client_for: Any
) -> None:
    client = client_for(other_participant)
    for url in [*participant_urls(world), *grader_urls(world)]:
        assert client.get(url).status_code == 404, url
    upload_url = reverse("submissions:upload", args=[world.assignment.pk])
    assert (
        client.post(upload_url, {"notebook": upload_file(participant_notebook())}).status_code
        == 404
    )
    assert (
        client.post(reverse("submissions:release", args=[world.submission.pk])).status_code == 404
    )


def test_a_classmate_cannot_see_another_participants_submission(
    world: World, other_participant: Any, cohort: Any, client_for: Any
) -> None:
    enroll(user=other_participant, cohort=cohort)
    client = client_for(other_participant)
    assert client.get(reverse("submissions:detail", args=[world.submission.pk])).status_code == 404
    assert (
        client.get(reverse("submissions:download", args=[world.submission.pk])).status_code == 404
    )
    assert client.get(reverse("submissions:grade", args=[world.submission.pk])).status_code == 404


def test_the_participant_cannot_grade_or_release_their_own_work(
    world: World, enrolled: Any, client_for: Any
) -> None:
    client = client_for(enrolled)
    assert client.get(reverse("submissions:grade", args=[world.submission.pk])).status_code == 404
    assert (
        client.post(reverse("submissions:release", args=[world.submission.pk])).status_code == 404
    )
    assert client.get(reverse("submissions:cohort", args=[world.cohort.pk])).status_code == 404


def test_the_cohorts_instructor_reaches_the_grading_pages(
    world: World, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    for url in grader_urls(world):
        assert client.get(url).status_code == 200, url


def test_another_cohorts_instructor_gets_404(
    world: World, other_instructor: Any, client_for: Any
) -> None:
    client = client_for(other_instructor)
    for url in [*grader_urls(world), reverse("submissions:assignment", args=[world.assignment.pk])]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("submissions:release", args=[world.submission.pk])).status_code == 404
    )


def test_wrong_methods_get_405(
    world: World, enrolled: Any, instructor: Any, client_for: Any
) -> None:
    participant = client_for(enrolled)
    assert (
        participant.get(reverse("submissions:upload", args=[world.assignment.pk])).status_code
        == 405
    )
    assert (
        participant.post(reverse("submissions:detail", args=[world.submission.pk])).status_code
        == 405
    )
    assert (
        participant.post(reverse("submissions:notebook", args=[world.submission.pk])).status_code
        == 405
    )
    grader = client_for(instructor)
    assert grader.get(reverse("submissions:release", args=[world.submission.pk])).status_code == 405
    assert (
        grader.delete(reverse("submissions:grade", args=[world.submission.pk])).status_code == 405
    )


def test_downloads_are_attachments_that_browsers_do_not_sniff(
    world: World, enrolled: Any, client_for: Any
) -> None:
    client = client_for(enrolled)
    for url in [
        reverse("submissions:download", args=[world.submission.pk]),
        reverse("courses:starter", args=[world.assignment.pk]),
    ]:
        response = client.get(url)
        assert response["Content-Disposition"].startswith("attachment;"), url
        assert response["X-Content-Type-Options"] == "nosniff", url


def test_the_starter_notebook_has_no_solutions_or_hidden_tests(
    world: World, enrolled: Any, client_for: Any
) -> None:
    body = b"".join(
        client_for(enrolled)
        .get(reverse("courses:starter", args=[world.assignment.pk]))
        .streaming_content
    )
    assert b"NotImplementedError" in body
    assert b"return x * x" not in body
    assert b"square(-4)" not in body
    assert b"MARK SCHEME" not in body


def test_the_notebook_view_is_locked_down(world: World, enrolled: Any, client_for: Any) -> None:
    response = client_for(enrolled).get(reverse("submissions:notebook", args=[world.submission.pk]))
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "img-src data:" in csp
    assert "style-src 'nonce-" in csp
    assert csp.rstrip(";").split("; ")[-1] == "sandbox" or "; sandbox" in csp
    assert "script-src" not in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"
