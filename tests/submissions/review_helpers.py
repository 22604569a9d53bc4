"""Building blocks for the review tests: attempts, autograde results, rubrics, releases."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from submissions import rubrics, services
from submissions.grading import GradingReport, TestOutcome
from submissions.models import Submission
from submissions.rubrics import CriterionInput, LevelInput
from tests.helpers import participant_notebook, upload_file


def submit(user: Any, assignment: Any) -> Submission:
    return services.submit_attempt(
        participant=user,
        enrollment=user.enrollments.get(),
        assignment=assignment,
        upload=upload_file(participant_notebook()),
    )


def graded(submission: Submission, *, square: str = "2", hidden: str = "0") -> Submission:
    """Store an autograde result without a kernel, through the worker's own service:
    test_square (of 2) and the hidden one (1)."""
    run = submission.latest_run()
    assert run is not None
    outcomes = (
        TestOutcome(
            grade_id="test_square",
            kind="autograded",
            points=Decimal(square),
            max_points=Decimal(2),
            status="passed" if Decimal(square) == 2 else "failed",
            message="",
            hidden=False,
        ),
        TestOutcome(
            grade_id="test_square_hidden",
            kind="autograded",
            points=Decimal(hidden),
            max_points=Decimal(1),
            status="passed" if Decimal(hidden) == 1 else "failed",
            message="",
            hidden=True,
        ),
    )
    services.store_grading_report(
        run=run,
        report=GradingReport(
            status="graded",
            outcomes=outcomes,
            autograded_points=Decimal(square) + Decimal(hidden),
            autograded_max=Decimal(3),
            manual_max=Decimal(2),
        ),
    )
    submission.refresh_from_db()
    return submission


def level(title: str, low: str, high: str | None = None, key: str = "") -> LevelInput:
    return LevelInput(
        title=title, min_points=Decimal(low), max_points=Decimal(high or low), key=key
    )


def criterion(title: str, *levels: LevelInput, key: str = "") -> CriterionInput:
    return CriterionInput(title=title, levels=tuple(levels), key=key)


def basic_criteria(*, ok: str = "2") -> list[rubrics.CriterionInput]:
    """Two criteria: "Data" (good 4 / ok ``ok`` / missing 0) and "Discussion" (a 0-6 range)."""
    return [
        criterion(
            "Data",
            level("Good", "4", key="good"),
            level("Ok", ok, key="ok"),
            level("Missing", "0", key="missing"),
            key="data",
        ),
        criterion("Discussion", level("Any", "0", "6", key="range"), key="discussion"),
    ]


def basic_rubric(assignment: Any, actor: Any) -> rubrics.RubricChange:
    """The rubric of ``basic_criteria``."""
    return rubrics.save_rubric(assignment=assignment, actor=actor, criteria=basic_criteria())


def release(grader: Any, submission: Submission, explain: str = "2") -> None:
    services.save_review(
        grader=grader,
        submission=submission,
        points={"explain": Decimal(explain)},
        comments={},
        feedback="",
    )
    services.release_review(grader=grader, submission=submission)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English whatever language an earlier test left active."""
    with translation.override("en"):
        yield
