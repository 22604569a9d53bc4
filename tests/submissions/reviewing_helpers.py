"""Shared set-up of the reviewing tests (queue, leases, states, allocation, anonymity)."""

from decimal import Decimal
from typing import Any

from submissions import services
from submissions.models import GradingRun, Submission
from tests.helpers import participant_notebook, upload_file


def submit(user: Any, assignment: Any) -> Submission:
    """An upload through the service; grading stays queued (no commit in a test transaction)."""
    return services.submit_attempt(
        participant=user,
        enrollment=user.enrollments.get(cohort__program=assignment.module.program),
        assignment=assignment,
        upload=upload_file(participant_notebook()),
    )


def graded(submission: Submission, points: str = "3") -> Submission:
    """Pretend the worker graded it (the grading engine has its own tests)."""
    GradingRun.objects.filter(submission=submission).update(
        status="graded", autograded_points=Decimal(points), autograded_max=Decimal(3)
    )
    Submission.objects.filter(pk=submission.pk).update(status="graded")
    submission.refresh_from_db()
    return submission


def review_data(points: str = "2", feedback: str = "Well argued.", **extra: str) -> dict[str, str]:
    return {"points__explain": points, "comment__explain": "ok", "feedback": feedback, **extra}
