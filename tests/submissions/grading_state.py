"""Build graded, reviewed and released attempts quickly for gradebook, export and API tests.

Grading itself runs in the worker (tested elsewhere); here the worker's report is made up and
stored by the worker's own service (``services.store_grading_report``), and reviews go through
the real services.
"""

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from submissions import services
from submissions.grading import GradingReport, TestOutcome
from submissions.models import GradingRun, Submission
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
    """Store, for the latest run, results for the two tests and the manual answer."""
    run = submission.latest_run()
    assert run is not None
    outcomes = []
    for position, (grade_id, kind, max_points, hidden) in enumerate(CELLS):
        if kind == "autograded":
            ok = passed[position]
            earned: Decimal | None = max_points if ok else Decimal(0)
            status = "passed" if ok else "failed"
        else:
            earned, status = None, "needs_manual"
        outcomes.append(
            TestOutcome(
                grade_id=grade_id,
                kind=kind,  # type: ignore[arg-type]
                points=earned,
                max_points=max_points,
                status=status,  # type: ignore[arg-type]
                message="AssertionError: secret detail" if hidden else "",
                hidden=hidden,
            )
        )
    services.store_grading_report(
        run=run,
        report=GradingReport(
            status="graded",
            outcomes=tuple(outcomes),
            autograded_points=sum((o.points or Decimal(0) for o in outcomes), Decimal(0)),
            autograded_max=Decimal(3),
            manual_max=Decimal(2),
        ),
    )
    submission.refresh_from_db()
    run.refresh_from_db()
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
