"""The one rule for "the latest attempt" and "the latest grading run" (docs/review.md, "The
latest attempt"), which the queue, regrading, export, analytics and gradebook all use."""

from typing import Any

from django.urls import reverse

from courses.models import Cohort, Enrollment
from courses.services import enroll
from submissions.intake.services import submit_attempt
from submissions.models import GradingRun, Submission
from tests.helpers import participant_notebook, upload_file


def submit(user: Any, assignment: Any, enrollment: Enrollment | None = None) -> Submission:
    return submit_attempt(
        participant=user,
        enrollment=enrollment or user.enrollments.get(),
        assignment=assignment,
        upload=upload_file(participant_notebook()),
    )


def test_only_each_participants_highest_attempt_is_the_latest(
    enrolled: Any, other_enrolled: Any, assignment: Any
) -> None:
    submit(enrolled, assignment)
    second = submit(enrolled, assignment)
    others = submit(other_enrolled, assignment)
    assert set(Submission.objects.latest_attempts()) == {second, others}


def test_a_filter_never_turns_an_earlier_attempt_into_the_latest(
    participant: Any, cohort: Cohort, sibling_cohort: Cohort, assignment: Any
) -> None:
    """Attempts are numbered per participant across enrolments: after a move to another
    cohort, the attempt made in the old one is no longer the latest, even among that
    cohort's attempts alone."""
    old = enroll(user=participant, cohort=cohort)
    new = enroll(user=participant, cohort=sibling_cohort)
    submit(participant, assignment, enrollment=old)
    moved = submit(participant, assignment, enrollment=new)
    assert not Submission.objects.filter(enrollment=old).latest_attempts().exists()
    assert list(Submission.objects.filter(enrollment=new).latest_attempts()) == [moved]


def test_every_attempt_is_marked_by_the_same_rule(enrolled: Any, assignment: Any) -> None:
    first = submit(enrolled, assignment)
    second = submit(enrolled, assignment)
    marks = dict(Submission.objects.with_is_latest().values_list("pk", "is_latest"))
    assert marks == {first.pk: False, second.pk: True}


def test_the_latest_run_is_the_last_enqueued_and_the_higher_id_on_a_tie(
    enrolled: Any, assignment: Any
) -> None:
    submission = submit(enrolled, assignment)
    first = submission.grading_runs.get()
    tie = GradingRun.objects.create(submission=submission, enqueued_at=first.enqueued_at)
    earlier = GradingRun.objects.create(
        submission=submission, enqueued_at=first.enqueued_at.replace(year=2000)
    )
    assert submission.latest_run() == tie
    assert list(GradingRun.objects.latest_per_submission()) == [tie]
    assert earlier not in GradingRun.objects.latest_per_submission()


def test_each_submission_keeps_its_own_latest_run(
    enrolled: Any, other_enrolled: Any, assignment: Any
) -> None:
    mine = submit(enrolled, assignment)
    theirs = submit(other_enrolled, assignment)
    again = GradingRun.objects.create(submission=mine)
    assert set(GradingRun.objects.latest_per_submission()) == {
        again,
        theirs.grading_runs.get(),
    }
    assert theirs.latest_run() == theirs.grading_runs.get()


def test_the_cohort_page_shows_each_attempts_latest_run(
    enrolled: Any, instructor: Any, assignment: Any, cohort: Cohort, client_for: Any
) -> None:
    submission = submit(enrolled, assignment)
    GradingRun.objects.filter(submission=submission).update(
        status=GradingRun.Status.GRADED, autograded_points=3, autograded_max=3
    )
    page = reverse("submissions:cohort", args=[cohort.pk])
    assert "3 / 3" in client_for(instructor).get(page).content.decode()
    GradingRun.objects.create(submission=submission, autograded_points=1, autograded_max=3)
    assert "1 / 3" in client_for(instructor).get(page).content.decode()
