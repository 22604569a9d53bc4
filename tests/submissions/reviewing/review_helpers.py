"""Rubric building blocks for the review tests (attempts, grading and releases: ``tests.helpers``)."""

from decimal import Decimal
from typing import Any

from submissions.reviewing import rubrics
from submissions.reviewing.rubrics import CriterionInput, LevelInput


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
