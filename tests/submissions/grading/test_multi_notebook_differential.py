"""Differential test of a multi-notebook assignment against the real nbgrader 0.9.6.

One nbgrader assignment folder "ps1" with two notebooks that both name a test "test" (nbgrader
keeps grade ids unique per notebook only). nbgrader generates the release and autogrades the
folders of three students; the platform publishes the same two sources as one assignment,
takes the same notebooks as one zipped folder per student, and grades the attempt. Every
graded cell must get nbgrader's points (under the qualified grade id "problem1/test"), and the
attempt's autograded total must be the sum nbgrader's gradebook holds for the student
(docs/grading.md, "Multi-notebook assignments").
"""

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from courses.models import Module
from courses.nbgrader import qualified_grade_id
from courses.services import enroll
from submissions.models import Submission as Attempt
from tests.helpers import (
    make_user,
    publish_two_notebooks,
    submit,
    two_notebook_sources,
    zipped_folder,
)
from tests.nbgrader_builders import edited
from tests.nbgrader_reference import NbgraderCourse, Submission

pytestmark = pytest.mark.slow

RIGHT = {"square": "def square(x):\n    return x * x", "cube": "def cube(x):\n    return x ** 3"}
WRONG = {"square": "def square(x):\n    return x + x", "cube": "def cube(x):\n    return x * 3"}


def folders(releases: dict[str, bytes]) -> dict[str, dict[str, bytes]]:
    """Student -> notebook id -> the notebook handed in."""
    return {
        "right": {
            "problem1": edited(releases["problem1"], square=RIGHT["square"]),
            "problem2": edited(releases["problem2"], cube=RIGHT["cube"]),
        },
        "mixed": {
            "problem1": edited(releases["problem1"], square=RIGHT["square"]),
            "problem2": edited(releases["problem2"], cube=WRONG["cube"]),
        },
        "blank": dict(releases),
    }


def test_a_two_notebook_assignment_scores_like_nbgrader_per_cell_and_in_total(
    module: Module, cohort: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    sources = {name.removesuffix(".ipynb"): data for name, data in two_notebook_sources()}
    course = NbgraderCourse(tmp_path / "nbgrader")
    releases = course.generate_assignment("ps1", sources)
    handed_in = folders(releases)
    staged = {
        notebook: {student: Submission(files[notebook]) for student, files in handed_in.items()}
        for notebook in sources
    }
    nbgrader = course.start_autograde("ps1", staged).wait()
    assert nbgrader.returncode == 0, nbgrader.log

    assignment = publish_two_notebooks(module)
    for student, files in handed_in.items():
        user = make_user(student)
        enroll(user=user, cohort=cohort)
        with django_capture_on_commit_callbacks(execute=True):
            submit(
                user,
                assignment,
                notebook=zipped_folder({f"{n}.ipynb": data for n, data in files.items()}),
            )
        run = Attempt.objects.get(participant=user).grading_runs.get()
        assert run.status == "graded", run.error_text
        ours = {r.grade_id: r.points for r in run.results.all()}
        theirs = {
            qualified_grade_id(f"{notebook}.ipynb", grade_id): grade.auto_score
            for notebook in sources
            for grade_id, grade in nbgrader.grades[notebook][student].items()
        }
        assert set(ours) == set(theirs), student
        for grade_id, points in ours.items():
            expected = theirs[grade_id]
            if expected is None or points is None:
                assert points is None and expected is None, (student, grade_id, points)
            else:
                assert math.isclose(float(points), expected), (student, grade_id, points)
        autograded_total = sum(
            (grade.auto_score or 0.0)
            for notebook in sources
            for grade in nbgrader.grades[notebook][student].values()
            if grade.kind == "grade" and not grade.needs_manual_grade
        )
        assert math.isclose(float(run.autograded_points or Decimal(0)), autograded_total), student
    totals = {
        a.participant.username: a.grading_runs.get().autograded_points
        for a in Attempt.objects.all()
    }
    assert totals == {"right": Decimal(5), "mixed": Decimal(2), "blank": Decimal(0)}
