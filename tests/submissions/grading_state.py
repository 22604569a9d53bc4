"""Build graded, reviewed and released attempts quickly for gradebook, export and API tests.

Grading itself runs in the worker (tested elsewhere); here a run is marked graded with the
results the worker would have stored, and reviews go through the real services.
"""

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from submissions import services
from submissions.models import GradingRun, Submission, TestResult
from tests.helpers import participant_notebook, upload_file

# grade_id, kind, max points, hidden: the cells of tests.helpers.tiny_source_notebook
CELLS = [
    ("test_square", "autograded", Decimal(2), False),
    ("test_square_hidden", "autograded", Decimal(1), True),
    ("explain", "manual", Decimal(2), False),
]


def submit(user: Any, assignment: Any, *, data: dict[str, bytes] | None = None) -> Submission:
    files = [SimpleUploadedFile(name, body) for name, body in (data or {}).items()]
    return services.submit_attempt(
        participant=user,
        enrollment=user.enrollments.get(),
        assignment=assignment,
        upload=upload_file(participant_notebook()),
        data_files=files,
        data_card=services.DataCardInput(source="own survey", licence="CC BY 4.0")
        if files
        else None,
    )


def grade(submission: Submission, *, passed: tuple[bool, bool] = (True, True)) -> GradingRun:
    """Mark the latest run graded with results for the two tests and the manual answer."""
    run = submission.grading_runs.order_by("-enqueued_at", "-pk").first()
    assert run is not None
    points = Decimal(0)
    for position, (grade_id, kind, max_points, hidden) in enumerate(CELLS):
        if kind == "autograded":
            ok = passed[position]
            earned = max_points if ok else Decimal(0)
            points += earned
            status = "passed" if ok else "failed"
        else:
            earned, status = None, "needs_manual"  # type: ignore[assignment]
        TestResult.objects.create(
            run=run,
            grade_id=grade_id,
            kind=kind,
            points=earned,
            max_points=max_points,
            status=status,
            hidden=hidden,
            position=position,
            message="AssertionError: secret detail" if hidden else "",
        )
    run.status = GradingRun.Status.GRADED
    run.autograded_points = points
    run.autograded_max = Decimal(3)
    run.save(update_fields=["status", "autograded_points", "autograded_max"])
    submission.status = Submission.Status.GRADED
    submission.save(update_fields=["status"])
    return run


def review(
    grader: Any, submission: Submission, *, manual: str = "2", comment: str = "", feedback: str = ""
) -> None:
    services.save_review(
        grader=grader,
        submission=submission,
        points={"explain": Decimal(manual)},
        comments={"explain": comment},
        feedback=feedback,
    )


def release(grader: Any, submission: Submission, **kwargs: Any) -> None:
    review(grader, submission, **kwargs)
    services.release_review(grader=grader, submission=submission)
