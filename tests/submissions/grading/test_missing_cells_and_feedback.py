"""Deleted graded cells (nbgrader's default, and the switch that puts them back), the traceback
of a failed visible test, and what never reaches a participant of a hidden test.

The scores are compared with nbgrader 0.9.6 itself in ``test_nbgrader_differential.py``; here
the engine's own report: flags, messages and tracebacks.
"""

from decimal import Decimal

import pytest

from courses.nbgrader import publish
from courses.plain_i18n import Message
from submissions.grading import GradingReport, TestOutcome, grade_notebook
from submissions.grading.report import TRACEBACK_LIMIT
from submissions.grading.scoring import clean_traceback
from tests.nbgrader_builders import (
    HIDDEN_CHECK,
    answer,
    autotest,
    dump,
    load,
    manual,
    notebook,
    task,
)


def outcome(report: GradingReport, grade_id: str) -> TestOutcome:
    (found,) = [o for o in report.outcomes if o.grade_id == grade_id]
    return found


def source() -> bytes:
    return notebook(
        answer(
            "helper", "def helper(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION"
        ),
        answer(
            "square",
            "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
        ),
        autotest("test_square", "assert square(3) == 9", points=2),
        autotest("test_helper", "assert helper(2) == 2", points=1),
        autotest(
            "test_failing",
            "x = 1\nassert square(2) == 5, 'square(2) should be 5'",
            points=1,
        ),
        autotest(
            "test_hidden",
            "assert square(1) == 1\n### BEGIN HIDDEN TESTS\n"
            + HIDDEN_CHECK.replace("144", "145")
            + "\n### END HIDDEN TESTS",
            points=1,
        ),
        manual("essay", "Explain.", points=3),
        task("reflection", "Reflect.", points=2),
    )


@pytest.fixture(scope="module")
def published():
    return publish(source())


def deleted(published, *grade_ids: str) -> bytes:
    release = load(published.release_notebook)
    for cell in release.cells:
        if cell.metadata.nbgrader.get("grade_id") == "square":
            cell.source = "def square(x):\n    return x * x"
        if cell.metadata.nbgrader.get("grade_id") == "helper":
            cell.source = "def helper(x):\n    return x"
    release.cells = [
        c for c in release.cells if c.metadata.nbgrader.get("grade_id") not in grade_ids
    ]
    return dump(release)


@pytest.fixture(scope="module")
def without_switch(published) -> GradingReport:
    return grade_notebook(
        submission=deleted(published, "test_square", "helper", "essay", "reflection"),
        published=published,
    )


@pytest.fixture(scope="module")
def with_switch(published) -> GradingReport:
    return grade_notebook(
        submission=deleted(published, "test_square", "helper", "essay", "reflection"),
        published=published,
        restore_missing_cells=True,
    )


@pytest.mark.slow
def test_a_deleted_test_cell_scores_zero_and_is_flagged(without_switch):
    missing = outcome(without_switch, "test_square")
    assert (missing.points, missing.status, missing.missing) == (Decimal(0), "failed", True)
    assert "missing from your notebook" in str(missing.message)
    assert "scores 0" in str(missing.message)
    assert without_switch.autograded_points == Decimal(0)  # every other test fails below


@pytest.mark.slow
def test_a_deleted_manual_answer_and_task_are_left_to_the_grader_and_flagged(without_switch):
    for grade_id in ("essay", "reflection"):
        missing = outcome(without_switch, grade_id)
        assert (missing.points, missing.status, missing.missing) == (None, "needs_manual", True)
        assert "an instructor decides" in str(missing.message)


@pytest.mark.slow
def test_a_deleted_autograded_answer_is_not_put_back_its_tests_fail(without_switch, with_switch):
    # nbgrader puts back graded and task cells only, never an answer without points.
    for report in (without_switch, with_switch):
        failed = outcome(report, "test_helper")
        assert (failed.points, failed.missing) == (Decimal(0), False)
        assert "NameError" in str(failed.message)


@pytest.mark.slow
def test_with_the_switch_deleted_cells_are_put_back_and_graded(with_switch):
    put_back = outcome(with_switch, "test_square")
    assert (put_back.points, put_back.status, put_back.missing) == (Decimal(2), "passed", False)
    assert "put back for grading" in str(put_back.message)
    # An answer put back waits for a grader (nbgrader marks it, so it is not "unchanged").
    essay = outcome(with_switch, "essay")
    assert (essay.points, essay.status, essay.missing) == (None, "needs_manual", False)
    assert outcome(with_switch, "reflection").status == "needs_manual"


@pytest.mark.slow
def test_a_failed_visible_test_brings_its_cleaned_traceback_with_the_failing_line(
    without_switch,
):
    failed = outcome(without_switch, "test_failing")
    assert str(failed.message) == "AssertionError: square(2) should be 5"
    text = failed.traceback
    assert "\x1b" not in text
    assert "Cell 'test_failing'" in text  # not IPython's "Cell In[5]"
    marked = [line for line in text.splitlines() if line.lstrip().startswith("---->")]
    assert marked == ["----> 2 assert square(2) == 5, 'square(2) should be 5'"]
    assert text.rstrip().endswith("AssertionError: square(2) should be 5")
    assert "ipykernel" not in text and "IPython" not in text


@pytest.mark.slow
def test_a_hidden_test_never_brings_a_traceback_or_its_code(without_switch):
    hidden = outcome(without_switch, "test_hidden")
    assert (hidden.status, hidden.hidden, hidden.traceback) == ("failed", True, "")
    assert "square(12)" not in without_switch.to_json()
    assert "== 145" not in without_switch.to_json()


@pytest.mark.slow
def test_missing_flags_and_tracebacks_survive_the_reports_json(without_switch):
    again = GradingReport.from_json(without_switch.to_json())
    assert again.outcomes == without_switch.outcomes


def test_a_report_never_brings_a_traceback_for_a_hidden_test():
    text = GradingReport(
        status="graded",
        outcomes=(
            TestOutcome(
                grade_id="t",
                kind="autograded",
                points=Decimal(0),
                max_points=Decimal(1),
                status="failed",
                message=Message(),
                hidden=True,
                traceback="the hidden code",
            ),
        ),
        autograded_points=Decimal(0),
        autograded_max=Decimal(1),
        manual_max=Decimal(0),
    ).to_json()
    assert GradingReport.from_json(text).outcomes[0].traceback == ""


ESC = "\x1b"


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        pytest.param(
            [
                f"{ESC}[31m-----------{ESC}[39m",
                f"{ESC}[31mAssertionError{ESC}[39m     Traceback (most recent call last)",
                f"{ESC}[36mCell{ESC}[39m{ESC}[36m {ESC}[39m{ESC}[32mIn[3]{ESC}[39m, line 1\n"
                f"{ESC}[32m----> {ESC}[39m{ESC}[32m1{ESC}[39m assert f() == 2\n",
                f"{ESC}[31mAssertionError{ESC}[39m: ",
            ],
            "-----------\nAssertionError     Traceback (most recent call last)\n"
            "Cell 'test_f', line 1\n----> 1 assert f() == 2\nAssertionError: ",
            id="colours-stripped-cell-named",
        ),
        pytest.param(
            [
                "Cell In[3], line 1\n----> 1 display(x)\n",
                "File /opt/venv/lib/python3.12/site-packages/IPython/core/display.py:12, "
                "in display(obj)\n     11 def display(obj):\n---> 12     raise E\n",
                "File /opt/venv/lib/python3.12/site-packages/ipykernel/zmqshell.py:5, in x()\n",
                "E: boom",
            ],
            "Cell 'test_f', line 1\n----> 1 display(x)\nE: boom",
            id="kernel-frames-dropped",
        ),
        pytest.param(
            [
                "Cell In[3], line 1\n----> 1 helper(2)\n",
                "Cell In[1], line 2, in helper(x)\n      1 def helper(x):\n----> 2     1 / 0\n",
                "File /usr/lib/python3/dist-packages/numpy/core.py:9, in f()\n",
                "ZeroDivisionError: division by zero",
            ],
            "Cell 'test_f', line 1\n----> 1 helper(2)\n"
            "Cell 1, line 2, in helper(x)\n      1 def helper(x):\n----> 2     1 / 0\n"
            "File /usr/lib/python3/dist-packages/numpy/core.py:9, in f()\n"
            "ZeroDivisionError: division by zero",
            id="participant-and-library-frames-kept",
        ),
        pytest.param(
            ["Cell In[9], line 1\n----> 1 check(secret_value_here)\n", "E\x07rror\x00: x"],
            "Cell In[9], line 1\n----> 1 […]\nError: x",
            id="hidden-code-and-control-characters-removed",
        ),
        pytest.param("not a list", "", id="not-a-traceback"),
    ],
)
def test_tracebacks_are_cleaned(frames, expected):
    cleaned = clean_traceback(
        frames, cells={3: "Cell 'test_f'", 1: "Cell 1"}, secrets="check(secret_value_here)"
    )
    assert cleaned == expected


def test_a_long_traceback_keeps_the_test_frame_and_the_exception():
    frames = ["Cell In[3], line 1\n----> 1 f()\n", *["x" * 100] * 200, "RecursionError: deep"]
    cleaned = clean_traceback(frames, cells={3: "Cell 't'"})
    assert len(cleaned) <= TRACEBACK_LIMIT
    assert cleaned.startswith("Cell 't', line 1") and cleaned.endswith("RecursionError: deep")
