"""Autograde results are stored once and shown in each reader's language (page and API)."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from submissions import models, services, tasks
from submissions.models import Submission
from submissions.rendering import RenderResult, sandbox
from submissions.tasks import grade_submission
from tests.helpers import api_client, make_user, participant_notebook, submit

pytestmark = pytest.mark.slow

WAITS_EN = "Waits for an instructor."
WAITS_DE = "Wartet auf die Bewertung durch Lehrende."


def graded_attempt(user: Any, assignment: Any, body: str = "    return x * x") -> Submission:
    """An upload, graded by the real autograder."""
    submission = submit(user, assignment, notebook=participant_notebook(body))
    assert grade_submission.call(submission.grading_runs.get().pk) == "graded"
    return submission


@pytest.fixture
def graded(enrolled: Any, assignment: Any) -> Submission:
    return graded_attempt(enrolled, assignment, "    return x + 1")


def test_the_same_stored_result_reads_in_english_and_in_german(
    graded: Submission, client_for: Any
) -> None:
    client = client_for(graded.participant)
    url = reverse("submissions:detail", args=[graded.pk])

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").text

    assert WAITS_EN in english and WAITS_DE not in english
    assert WAITS_DE in german and WAITS_EN not in german
    # The failing test's exception is quoted as Python raised it, in both.
    assert "AssertionError" in english and "AssertionError" in german


def test_a_participant_who_switches_to_german_sees_the_results_in_german(
    graded: Submission, client_for: Any
) -> None:
    graded.participant.preferred_language = "en"
    graded.participant.save(update_fields=["preferred_language"])
    client = client_for(graded.participant)
    url = reverse("submissions:detail", args=[graded.pk])
    assert WAITS_EN in client.get(url).text

    client.post(reverse("set_language"), {"language": "de", "next": url})

    assert WAITS_DE in client.get(url).text


def test_the_api_words_results_in_the_requested_language(
    graded: Submission, instructor: Any
) -> None:
    url = reverse("submissions-api:submission", args=[graded.pk])
    client = api_client(instructor)

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").json()

    assert {r["grade_id"]: r["message"] for r in english["results"]}["explain"] == WAITS_EN
    assert {r["grade_id"]: r["message"] for r in german["results"]}["explain"] == WAITS_DE


def test_the_database_keeps_what_happened_not_a_wording(graded: Submission) -> None:
    stored = models.TestResult.objects.get(run__submission=graded, grade_id="explain").message

    assert WAITS_EN in stored and WAITS_DE not in stored
    assert stored.startswith('{"i18n":')


def test_a_rendering_failure_is_stored_once_and_worded_per_reader(
    graded: Submission, monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_slow(*args: Any, **kwargs: Any) -> RenderResult:
        return RenderResult(ok=False, html="", error=sandbox.TOO_LONG)

    monkeypatch.setattr(tasks, "render_in_subprocess", too_slow)
    rendered = services.request_rendering(notebook_sha256=graded.notebook_sha256)
    assert tasks.render_notebook.call(rendered.pk) == "failed"
    url = reverse("submissions-api:rendered", args=[graded.pk])
    client = api_client(graded.participant)

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de")

    assert english.status_code == german.status_code == 409
    assert english.json()["error"] == "This notebook could not be rendered (it took too long)."
    assert german.json()["error"] == (
        "Dieses Notebook konnte nicht dargestellt werden (es hat zu lange gedauert)."
    )


def test_a_passed_test_without_a_message_stores_none(enrolled: Any, assignment: Any) -> None:
    submission = graded_attempt(enrolled, assignment)

    passed = models.TestResult.objects.get(run__submission=submission, grade_id="test_square")

    assert (passed.status, passed.message, passed.message_text) == ("passed", "", "")
    assert submission.grading_runs.get().error == ""


def test_the_admin_shows_why_a_run_failed_in_the_readers_language(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    run = submit(enrolled, assignment).grading_runs.get()
    models.GradingRun.objects.filter(pk=run.pk).update(
        status=models.GradingRun.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(days=1)
    )
    services.requeue_abandoned_runs()
    admin = client_for(make_user("root", is_staff=True, is_superuser=True))

    page = admin.get(
        reverse("admin:submissions_gradingrun_change", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="de"
    ).text

    assert "Der Prozess, der diesen Versuch bewertete, wurde unerwartet beendet." in page
    assert "{&quot;i18n&quot;" not in page and '{"i18n"' not in page
