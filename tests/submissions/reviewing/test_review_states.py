"""Review states draft -> ready -> released, "release to N participants", the posting policy,
and that nothing leaks before release: not on the page, not in the API, not by e-mail."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from courses.models import Grade
from submissions import services
from submissions.exceptions import ReviewInvalid
from submissions.models import PostingPolicy, Review, Submission
from submissions.reviewing import states
from submissions.reviewing.services import release_review, save_review
from tests.helpers import api_client, graded, make_cohort, submit


def draft(grader: Any, submission: Submission, points: str = "2", feedback: str = "") -> Review:
    return save_review(
        grader=grader,
        submission=submission,
        points={"explain": Decimal(points)},
        comments={"explain": "Sign rule."},
        feedback=feedback or f"Feedback for {submission.participant.username}",
    )


@pytest.fixture
def two(enrolled: Any, other_enrolled: Any, assignment: Any, instructor: Any) -> Any:
    """Ada's and Grace's graded attempts, each with a draft review."""
    ada = graded(submit(enrolled, assignment))
    grace = graded(submit(other_enrolled, assignment))
    draft(instructor, ada)
    draft(instructor, grace)
    return ada, grace


# --- the state machine ------------------------------------------------------------------------


def test_a_saved_complete_review_of_a_graded_attempt_can_be_marked_ready_and_back(
    two: Any, instructor: Any
) -> None:
    ada, _grace = two
    review = states.mark_ready(grader=instructor, submission=ada)
    assert review.state == Review.State.READY and review.ready_at is not None
    assert states.mark_ready(grader=instructor, submission=ada).state == "ready"  # idempotent
    review = states.reopen_review(grader=instructor, submission=ada)
    assert review.state == Review.State.DRAFT and review.ready_at is None
    with pytest.raises(ReviewInvalid, match="Only a review that is ready"):
        states.reopen_review(grader=instructor, submission=ada)


def test_marking_ready_needs_a_saved_review_and_finished_autograding(
    enrolled: Any, assignment: Any, instructor: Any
) -> None:
    submission = submit(enrolled, assignment)  # still queued for the autograder
    with pytest.raises(ReviewInvalid, match="Save the review"):
        states.mark_ready(grader=instructor, submission=submission)
    draft(instructor, submission)
    with pytest.raises(ReviewInvalid, match="autograding has finished"):
        states.mark_ready(grader=instructor, submission=submission)


def test_marking_ready_needs_points_for_every_manual_cell(
    enrolled: Any, assignment: Any, instructor: Any
) -> None:
    submission = graded(submit(enrolled, assignment))
    save_review(
        grader=instructor, submission=submission, points={}, comments={}, feedback="Half done"
    )
    with pytest.raises(ReviewInvalid, match="Give points for explain"):
        states.mark_ready(grader=instructor, submission=submission)


def test_a_released_review_cannot_be_marked_ready_again(two: Any, instructor: Any) -> None:
    ada, _grace = two
    release_review(grader=instructor, submission=ada)
    with pytest.raises(ReviewInvalid, match="already been released"):
        states.mark_ready(grader=instructor, submission=ada)


# --- release to N -----------------------------------------------------------------------------


def test_release_to_n_shows_n_then_releases_only_ready_reviews_and_mails_each_once(
    two: Any,
    enrolled: Any,
    instructor: Any,
    assignment: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ada, grace = two
    # Ada has a second attempt; both of hers are ready, Grace's stays a draft.
    ada_again = graded(submit(enrolled, assignment), passed=(False, True))
    draft(instructor, ada_again, points="1")
    for submission in (ada, ada_again):
        states.mark_ready(grader=instructor, submission=submission)
    url = reverse("submissions:release-ready", args=[assignment.pk])
    client = client_for(instructor)
    page = client.get(url).content.decode()
    assert "1 participant will see their grade" in page
    assert "Release to 1 participant" in page
    assert "Grace Hopper" not in page
    ids = [r.pk for r in Review.objects.filter(state="ready")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reviews": ids})
    assert response.status_code == 302
    # One grade e-mail, to Ada only (her release also completes the program: that e-mail is
    # the certificate's).
    grade_mails = [m for m in django_mail.outbox if "certificate" not in m.subject]
    assert [m.to for m in grade_mails] == [["ada@example.org"]]
    assert set(Review.objects.filter(state="released").values_list("submission", flat=True)) == {
        ada.pk,
        ada_again.pk,
    }
    assert Review.objects.get(submission=grace).state == "draft"
    # The grade is the latest released attempt's: 1 autograded + 1 manual.
    assert Grade.objects.get().points == Decimal(2)
    assert "No review of this assignment is ready" in client.get(url).content.decode()


def test_a_stale_confirmation_releases_nothing_that_is_no_longer_ready(
    two: Any, instructor: Any, assignment: Any, client_for: Any
) -> None:
    ada, grace = two
    states.mark_ready(grader=instructor, submission=ada)
    states.mark_ready(grader=instructor, submission=grace)
    ids = list(Review.objects.values_list("pk", flat=True))
    states.reopen_review(grader=instructor, submission=grace)  # after the page was shown
    client_for(instructor).post(
        reverse("submissions:release-ready", args=[assignment.pk]), {"reviews": ids}
    )
    assert Review.objects.get(submission=ada).state == "released"
    assert Review.objects.get(submission=grace).state == "draft"
    response = client_for(instructor).post(
        reverse("submissions:release-ready", args=[assignment.pk]), {"reviews": ["x"]}
    )
    assert response.status_code == 302  # nothing chosen: a message, no crash


def test_release_to_n_covers_only_the_cohorts_the_releaser_grades(
    two: Any, instructor: Any, other_instructor: Any, assignment: Any, program: Any
) -> None:

    ada, _grace = two
    states.mark_ready(grader=instructor, submission=ada)
    make_cohort(  # another run of the program, which otto teaches
        program,
        instructors=[other_instructor],
        name="2027/28",
        starts_on=dt.date(2027, 10, 1),
        ends_on=dt.date(2028, 9, 30),
    )
    assert list(states.ready_reviews(user=other_instructor, assignment=assignment)) == []
    result = states.release_ready_reviews(
        actor=other_instructor,
        assignment=assignment,
        review_ids=Review.objects.values_list("pk", flat=True),
    )
    assert result.reviews == 0
    assert Review.objects.get(submission=ada).state == "ready"


def test_release_to_n_access_rules(
    two: Any,
    enrolled: Any,
    other_instructor: Any,
    other_cohort: Any,
    coordinator: Any,
    assignment: Any,
    client_for: Any,
) -> None:
    url = reverse("submissions:release-ready", args=[assignment.pk])
    response = client_for(None).get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client_for(enrolled).get(url).status_code == 404
    assert client_for(enrolled).post(url, {"reviews": [1]}).status_code == 404
    assert client_for(other_instructor).get(url).status_code == 404
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(coordinator).put(url).status_code == 405
    assert Review.objects.filter(state="released").count() == 0


# --- nothing leaks before release -------------------------------------------------------------


def test_nothing_of_a_ready_review_leaks_before_release(
    two: Any, enrolled: Any, instructor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ada, _grace = two
    with django_capture_on_commit_callbacks(execute=True):
        states.mark_ready(grader=instructor, submission=ada)
    assert django_mail.outbox == []
    from django.test import Client

    client = Client()
    client.force_login(enrolled)
    page = client.get(reverse("submissions:detail", args=[ada.pk])).content.decode()
    assert "Feedback for ada" not in page and "Sign rule." not in page
    assert 'id="released-grade"' not in page
    data = api_client(enrolled).get(reverse("submissions-api:submission", args=[ada.pk])).json()
    assert data["released"] is False
    assert data["total_points"] is None and data["feedback"] == ""
    assert not Grade.objects.exists()


# --- the posting policy -----------------------------------------------------------------------


def test_autograde_results_show_at_once_by_default(
    two: Any, enrolled: Any, client_for: Any
) -> None:
    ada, _grace = two
    page = client_for(enrolled).get(reverse("submissions:detail", args=[ada.pk])).content.decode()
    assert 'id="autograde-score"' in page
    data = api_client(enrolled).get(reverse("submissions-api:submission", args=[ada.pk])).json()
    assert data["autograded_points"] == "3.00"


def test_on_release_policy_hides_autograde_results_on_page_and_api_until_release(
    two: Any, enrolled: Any, instructor: Any, assignment: Any, client_for: Any
) -> None:
    ada, _grace = two
    ada.grading_runs.get().results.exclude(grade_id="test_square").delete()  # one result left
    assignment.settings.posting_policy = PostingPolicy.ON_RELEASE
    assignment.settings.save(update_fields=["posting_policy"])
    detail = reverse("submissions:detail", args=[ada.pk])
    api_url = reverse("submissions-api:submission", args=[ada.pk])

    page = client_for(enrolled).get(detail).content.decode()
    assert 'id="autograde-on-release"' in page
    assert 'id="autograde-score"' not in page and 'id="test-results"' not in page
    data = api_client(enrolled).get(api_url).json()
    assert data["autograded_points"] is None and data["autograded_max"] is None
    assert data["results"] == []
    # Graders always see them.
    grader_page = client_for(instructor).get(detail).content.decode()
    assert 'id="autograde-score"' in grader_page
    assert api_client(instructor).get(api_url).json()["autograded_points"] == "3.00"

    release_review(grader=instructor, submission=ada)
    page = client_for(enrolled).get(detail).content.decode()
    assert 'id="autograde-score"' in page and 'id="released-grade"' in page
    data = api_client(enrolled).get(api_url).json()
    assert data["autograded_points"] == "3.00"
    assert [r["grade_id"] for r in data["results"]] == ["test_square"]


def test_review_settings_change_the_posting_policy(
    assignment: Any, instructor: Any, enrolled: Any, client_for: Any
) -> None:
    url = reverse("submissions:review-settings", args=[assignment.pk])
    client = client_for(instructor)
    assert client.get(url).status_code == 200
    response = client.post(url, {"posting_policy": "on_release"})
    assert response.status_code == 302
    assignment.settings.refresh_from_db()
    assert assignment.settings.posting_policy == "on_release"
    assert not assignment.settings.shows_autograde_at_once
    assert client.post(url, {"posting_policy": "sometimes"}).status_code == 400
    assert client_for(enrolled).get(url).status_code == 404
    assert client_for(enrolled).post(url, {"posting_policy": "immediate"}).status_code == 404
    assignment.settings.refresh_from_db()
    assert assignment.settings.posting_policy == "on_release"


def test_a_ready_review_whose_attempt_is_graded_again_waits_for_the_next_release(
    two: Any, instructor: Any, assignment: Any
) -> None:
    ada, grace = two
    states.mark_ready(grader=instructor, submission=ada)
    states.mark_ready(grader=instructor, submission=grace)
    services.rerun_grading(actor=instructor, submissions=[grace])  # queued, not finished
    result = states.release_ready_reviews(
        actor=instructor,
        assignment=assignment,
        review_ids=Review.objects.values_list("pk", flat=True),
    )
    assert (result.reviews, result.participants, result.skipped) == (1, 1, 1)
    assert Review.objects.get(submission=grace).state == "ready"
    assert Grade.objects.get().submission_id == ada.pk
