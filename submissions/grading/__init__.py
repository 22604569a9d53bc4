"""Autograding: nbgrader's autograde semantics, run in a fresh, limited kernel per submission.

The public surface is this module's; the submodules are implementation: nbgrader's semantics
here (engine, restore, scoring, report), the sandboxed kernels in ``isolation/``
(docs/grading-sandbox.md, "The code").
"""

from submissions.grading.engine import NotebookToGrade, grade_notebook, grade_notebooks
from submissions.grading.report import GradingLimits, GradingReport, TestOutcome
from submissions.grading.scoring import DEFAULT_STDERR_IGNORE

__all__ = [
    "DEFAULT_STDERR_IGNORE",
    "GradingLimits",
    "GradingReport",
    "TestOutcome",
    "NotebookToGrade",
    "grade_notebook",
    "grade_notebooks",
]
