"""What the worker stores after a run (``services.store_grading_report``): the one service
the task and the tests' builders both call."""

from decimal import Decimal
from typing import Any

from courses.plain_i18n import Message, verbatim
from submissions import services
from submissions.grading import GradingReport, TestOutcome
from submissions.intake.services import submit_attempt
from submissions.models import GradeEvent, GradingRun, Submission
from tests.helpers import participant_notebook, upload_file


def queued_run(user: Any, assignment: Any) -> GradingRun:
    submission = submit_attempt(
        participant=user,
        enrollment=user.enrollments.get(),
        assignment=assignment,
        upload=upload_file(participant_notebook()),
    )
    return submission.grading_runs.get()


def outcome(grade_id: str, points: str | None, status: Any = "passed") -> TestOutcome:
    return TestOutcome(
        grade_id=grade_id,
        kind="autograded" if points is not None else "manual",
        points=None if points is None else Decimal(points),
        max_points=Decimal(2),
        status=status,
        message=Message(),
        hidden=False,
    )


def test_a_graded_report_stores_results_in_order_points_and_a_log_entry(
    enrolled: Any, assignment: Any
) -> None:
    run = queued_run(enrolled, assignment)
    report = GradingReport(
        status="graded",
        outcomes=(
            outcome("b", "2"),
            outcome("a", "0", "failed"),
            outcome("c", None, "needs_manual"),
        ),
        autograded_points=Decimal(2),
        autograded_max=Decimal(4),
        manual_max=Decimal(2),
        log_excerpt="x" * 5000 + "end",
    )
    services.store_grading_report(run=run, report=report)
    run.refresh_from_db()
    assert run.status == GradingRun.Status.GRADED and run.finished_at is not None
    assert (run.autograded_points, run.autograded_max) == (Decimal(2), Decimal(4))
    assert len(run.log_excerpt) == services.LOG_EXCERPT_CHARS and run.log_excerpt.endswith("end")
    assert list(run.results.order_by("position").values_list("grade_id", "status")) == [
        ("b", "passed"),
        ("a", "failed"),
        ("c", "needs_manual"),
    ]
    assert Submission.objects.get(pk=run.submission_id).status == Submission.Status.GRADED
    event = GradeEvent.objects.get(submission_id=run.submission_id)
    assert event.source == GradeEvent.Source.AUTOGRADE and event.new_points == Decimal(2)
    assert event.reason == "Autograded"


def test_a_failed_report_stores_its_reason_and_no_points(enrolled: Any, assignment: Any) -> None:
    run = queued_run(enrolled, assignment)
    services.store_grading_report(
        run=run,
        report=GradingReport.failure(verbatim("The kernel died."), autograded_max=Decimal(3)),
    )
    run.refresh_from_db()
    assert run.status == GradingRun.Status.FAILED
    assert (run.autograded_points, run.error_text) == (Decimal(0), "The kernel died.")
    assert not run.results.exists()
    assert Submission.objects.get(pk=run.submission_id).status == Submission.Status.FAILED
    assert GradeEvent.objects.get(submission_id=run.submission_id).reason == "The kernel died."
