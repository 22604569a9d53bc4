"""The whole loop through the client: upload, autograde, review, release, progress, certificate."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from courses.models import Certificate, Grade
from submissions.models import GradeEvent, GradingLease, Submission
from tests.helpers import participant_notebook, upload_file

pytestmark = pytest.mark.slow


def upload(client: Any, assignment: Any, data: bytes, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(
            reverse("submissions:upload", args=[assignment.pk]), {"notebook": upload_file(data)}
        )


def test_a_correct_attempt_is_autograded_and_its_results_shown(
    enrolled: Any, assignment: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(enrolled)
    response = upload(
        client, assignment, participant_notebook(), django_capture_on_commit_callbacks
    )
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:detail", args=[submission.pk])
    assert submission.status == Submission.Status.GRADED

    page = client.get(response["Location"]).content.decode()
    assert 'id="autograde-score"' in page
    assert "<strong>3 / 3</strong>" in page
    assert "test_square_hidden" in page
    assert "square(-4)" not in page  # hidden tests' code is never shown
    assert 'id="awaiting-release"' in page
    assert 'sandbox src="' in page


def test_a_wrong_attempt_scores_zero_and_says_which_test_failed(
    enrolled: Any, assignment: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(enrolled)
    upload(
        client,
        assignment,
        participant_notebook("    return x + x"),
        django_capture_on_commit_callbacks,
    )
    submission = Submission.objects.get()
    run = submission.grading_runs.get()
    assert run.autograded_points == Decimal(0)
    statuses = {r.grade_id: r.status for r in run.results.all()}
    assert statuses == {
        "test_square": "failed",
        "test_square_hidden": "failed",
        "explain": "needs_manual",
    }
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert "AssertionError" in page
    assert "square(-4)" not in page


def test_the_page_polls_until_grading_is_settled(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    """Without running the on-commit callbacks, the attempt stays queued and the page polls."""
    client = client_for(enrolled)
    client.post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook())},
    )
    submission = Submission.objects.get()
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    # Just uploaded: both regions poll fast (tests/submissions/test_page_polling.py): the
    # notebook every 100 ms in its first 2 s, the queued grading every 250 ms.
    triggers = re.findall(r'hx-trigger="every (\w+)"', page)
    assert len(triggers) == 2 and set(triggers) <= {"100ms", "250ms"}
    url = reverse("submissions:detail", args=[submission.pk])
    for part in ["notebook", "grading"]:
        fragment = client.get(url, {"part": part}, headers={"HX-Request": "true"}).content.decode()
        assert fragment.lstrip().startswith(f'<section id="{part}-region"')
        assert "<html" not in fragment


def test_release_shows_the_total_and_feedback_and_issues_the_certificate(
    enrolled: Any,
    instructor: Any,
    assignment: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    participant_client = client_for(enrolled)
    upload(
        participant_client, assignment, participant_notebook(), django_capture_on_commit_callbacks
    )
    submission = Submission.objects.get()
    detail = reverse("submissions:detail", args=[submission.pk])

    grader = client_for(instructor)
    grader.get(reverse("submissions:grade", args=[submission.pk]))  # takes the lease
    response = grader.post(
        reverse("submissions:grade", args=[submission.pk]),
        {
            "points__explain": "1.5",
            "comment__explain": "Good, cite the sign rule.",
            "feedback": "Well done.",
            "lease_token": GradingLease.objects.get(submission=submission).token,
        },
    )
    assert response.status_code == 302
    # A draft is not visible to the participant.
    page = participant_client.get(detail).content.decode()
    assert "Well done." not in page
    assert not Certificate.objects.exists()

    assert django_mail.outbox == []  # saving a draft notifies nobody
    with django_capture_on_commit_callbacks(execute=True):
        grader.post(reverse("submissions:release", args=[submission.pk]))
    # Two e-mails: the released grade, and the certificate it completed.
    [mail] = [m for m in django_mail.outbox if "Squares" in m.subject]
    [certificate_mail] = [m for m in django_mail.outbox if "certificate" in m.subject]
    assert mail.to == certificate_mail.to == ["ada@example.org"]
    assert "Squares" in mail.subject
    assert "4.5 of 5 points" in mail.body and detail in mail.body
    page = participant_client.get(detail).content.decode()
    assert 'id="released-grade"' in page
    assert "<strong>4.5 / 5</strong>" in page
    assert "Well done." in page
    assert "Good, cite the sign rule." in page

    grade = Grade.objects.get()
    assert grade.points == Decimal("4.5")
    assert [e.source for e in GradeEvent.objects.order_by("pk")] == [
        "autograde",
        "review",
        "release",
    ]

    certificate = Certificate.objects.get()  # 90 % >= 50 % pass mark of the only module
    assert certificate.holder_name == "Ada Lovelace"
    assert certificate.grade_percent == Decimal("90.0")
    verification = participant_client.get(
        reverse("verify", args=[certificate.code])
    ).content.decode()
    assert "This certificate is valid." in verification


def test_a_broken_upload_is_refused_with_a_clear_message_and_nothing_is_stored(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    client = client_for(enrolled)
    response = client.post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(b'{"cells": [')},
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_broken_upload_through_htmx_re_renders_the_form_with_200(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    client = client_for(enrolled)
    response = client.post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(b"not a notebook")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card" id="upload">')
    assert 'id="upload-errors"' in body


def test_attempts_are_limited(enrolled: Any, assignment: Any, client_for: Any) -> None:
    assignment.max_attempts = 1
    assignment.save(update_fields=["max_attempts"])
    client = client_for(enrolled)
    url = reverse("submissions:upload", args=[assignment.pk])
    client.post(url, {"notebook": upload_file(participant_notebook())})
    response = client.post(url, {"notebook": upload_file(participant_notebook())})
    assert response.status_code == 400
    assert "all 1 attempts" in response.content.decode()
    assert Submission.objects.count() == 1
