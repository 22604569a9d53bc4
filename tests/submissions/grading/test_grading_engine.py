"""The autograder engine: nbgrader's autograde semantics in a fresh, limited kernel.

Most kernel tests share one graded notebook per scenario (module-scoped fixtures), because a
kernel start dominates the cost of a small notebook.
"""

import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest
from nbformat import v4

from courses.nbgrader import publish
from courses.plain_i18n import Message, ngettext_lazy, verbatim
from submissions.grading import GradingLimits, GradingReport, TestOutcome, grade_notebook
from tests.nbgrader_builders import (
    HIDDEN_CHECK,
    answer,
    autotest,
    cell_by_id,
    dump,
    edited,
    load,
    manual,
    notebook,
    plain,
    square_assignment,
    task,
)

PROJECT_ROOT = str(Path(__file__).resolve().parents[3])
CORRECT_SQUARE = "def square(x):\n    return x * x"


def outcome(report: GradingReport, grade_id: str) -> TestOutcome:
    (found,) = [o for o in report.outcomes if o.grade_id == grade_id]
    return found


def all_text(report: GradingReport) -> str:
    return "\n".join(
        [str(report.error), report.log_excerpt, *(str(o.message) for o in report.outcomes)]
    )


# -- one notebook, many behaviours -------------------------------------------------------------


def basics_source(token: str) -> bytes:
    return notebook(
        answer(
            "square",
            "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
        ),
        autotest("correct", "assert square(3) == 9", points=2),
        autotest("wrong", "assert square(3) == 10, 'square(3) should be 10'", points=2),
        autotest("error", "undefined_name + 1", points=1),
        autotest("partial", "square(3) == 9\n0.5", points=2),
        autotest("over_max", "5", points=2),
        autotest("zero_value", "0", points=2),
        autotest("stderr", "import sys\nprint('oops', file=sys.stderr)", points=1),
        autotest("warning", "import warnings\nwarnings.warn('old api', FutureWarning)", points=1),
        autotest("reads_input", "input('name? ')", points=1),
        autotest(
            "settings",
            "import platform.settings",
            points=1,
        ),
        autotest(
            "environment",
            "import os\n"
            "assert 'SECRET_KEY' not in os.environ\n"
            "assert 'DATABASE_URL' not in os.environ\n"
            "assert 'DJANGO_SETTINGS_MODULE' not in os.environ\n"
            "assert os.environ['HOME'] == os.getcwd()\n"
            "assert os.environ['PYTHONHASHSEED'] == '0'",
            points=1,
        ),
        autotest(
            "sys_path",
            f"import sys\nassert {PROJECT_ROOT!r} not in sys.path and '' not in sys.path, sys.path",
            points=1,
        ),
        autotest(
            "workdir",
            "import os, stat\n"
            "assert stat.S_IMODE(os.stat('.').st_mode) == 0o700\n"
            "assert stat.S_IMODE(os.stat('data/points.csv').st_mode) == 0o444\n"
            "assert open('data/points.csv').read() == 'x,y\\n1,2\\n'\n"
            "assert os.path.exists('submission.ipynb')",
            points=1,
        ),
        autotest(
            "limits",
            "import resource\n"
            # A kernel forked from the template gets the limit on top of the address space it
            # inherits (the pre-imported stack, about 0.5 GB); a kernel of its own gets it as is.
            "extra = resource.getrlimit(resource.RLIMIT_AS)[0] - 3 * 1024 ** 3\n"
            "assert 0 <= extra < 1536 * 1024 ** 2, extra\n"
            "assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == 512\n"
            "assert resource.getrlimit(resource.RLIMIT_FSIZE)[0] > 0\n"
            "assert resource.getrlimit(resource.RLIMIT_CPU)[0] > 0",
            points=1,
        ),
        autotest("flood", "print('x' * 50_000)\nassert True", points=1),
        autotest("memory", "hoard = bytearray(4 * 1024 ** 3)", points=1),
        autotest("big_file", "open('big', 'wb').write(b'x' * 2 * 1024 * 1024)", points=1),
        plain(
            "import subprocess\n"
            f"child = subprocess.Popen(['sleep', '600.{token}'])\n"
            f"open('left-behind-{token}', 'w').write('x')"
        ),
        manual("essay", "Because it is.", points=3),
        task("reflection", "Reflect on squares.", points=4),
    )


@pytest.fixture(scope="module")
def basics(tmp_path_factory: pytest.TempPathFactory) -> tuple[GradingReport, str]:
    # The kernel may see nothing of the host (under the sandbox): it leaves traces named
    # after this token, which the tests look for from outside.
    token = str(random.randrange(10**8, 10**9))
    published = publish(basics_source(token))
    data = tmp_path_factory.mktemp("data") / "points.csv"
    data.write_text("x,y\n1,2\n")
    release = load(published.release_notebook)
    cell_by_id(release, "square").source = CORRECT_SQUARE
    cell_by_id(release, "essay").source = "Squares are products of a number with itself."
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECRET_KEY", "do-not-leak")
        patch.setenv("DATABASE_URL", "postgres://secret")
        report = grade_notebook(
            submission=dump(release),
            published=published,
            data_files={"data/points.csv": data},
            limits=GradingLimits(max_output_bytes=10_000, file_size_bytes=1024 * 1024),
        )
    return report, token


@pytest.mark.slow
def test_a_correct_answer_earns_full_points(basics):
    report, _ = basics

    assert report.status == "graded"
    assert outcome(report, "correct") == TestOutcome(
        grade_id="correct",
        kind="autograded",
        points=Decimal(2),
        max_points=Decimal(2),
        status="passed",
        message=Message(),
        hidden=False,
    )


@pytest.mark.slow
def test_a_failing_assertion_scores_zero_with_its_message(basics):
    report, _ = basics

    wrong = outcome(report, "wrong")
    assert (wrong.points, wrong.status) == (Decimal(0), "failed")
    assert str(wrong.message) == "AssertionError: square(3) should be 10"


@pytest.mark.slow
def test_an_error_scores_zero_and_names_the_error(basics):
    report, _ = basics

    error = outcome(report, "error")
    assert (error.points, error.status) == (Decimal(0), "failed")
    assert str(error.message) == "NameError: name 'undefined_name' is not defined"
    assert "undefined_name + 1" not in all_text(report)


@pytest.mark.slow
def test_a_numeric_last_value_is_partial_credit(basics):
    report, _ = basics

    partial = outcome(report, "partial")
    assert (partial.points, partial.status) == (Decimal("0.5"), "partial")


@pytest.mark.slow
def test_partial_credit_above_the_cells_points_is_capped(basics):
    report, _ = basics

    over = outcome(report, "over_max")
    assert (over.points, over.status) == (Decimal(2), "passed")
    assert "more than the 2 points" in str(over.message)


@pytest.mark.slow
def test_a_zero_last_value_is_partial_credit_of_zero_as_in_nbgrader(basics):
    report, _ = basics

    assert outcome(report, "zero_value").points == Decimal(0)


@pytest.mark.slow
def test_output_on_stderr_fails_a_test_as_in_nbgrader_0_9(basics):
    report, _ = basics

    stderr = outcome(report, "stderr")
    assert (stderr.points, stderr.status) == (Decimal(0), "failed")
    assert str(stderr.message) == "The cell wrote to standard error: oops"


@pytest.mark.slow
def test_a_library_warning_on_stderr_does_not_fail_a_test(basics):
    report, _ = basics

    assert outcome(report, "warning").status == "passed"


@pytest.mark.slow
def test_input_does_not_hang_but_fails_the_cell(basics):
    report, _ = basics

    reads_input = outcome(report, "reads_input")
    assert reads_input.points == Decimal(0)
    assert str(reads_input.message).startswith("StdinNotImplementedError")


@pytest.mark.slow
def test_a_notebook_cannot_import_the_projects_settings(basics):
    report, _ = basics

    settings = outcome(report, "settings")
    assert settings.points == Decimal(0)
    assert str(settings.message).startswith(
        "ModuleNotFoundError: No module named 'platform.settings'"
    )
    assert outcome(report, "sys_path").status == "passed"


@pytest.mark.slow
def test_the_kernel_gets_a_scrubbed_environment(basics):
    report, _ = basics

    assert outcome(report, "environment").status == "passed"
    assert "do-not-leak" not in report.to_json()


@pytest.mark.slow
def test_the_kernel_runs_in_a_private_directory_with_read_only_data_files(basics):
    report, _ = basics

    assert outcome(report, "workdir").status == "passed"


@pytest.mark.slow
def test_the_kernel_runs_under_resource_limits(basics):
    report, _ = basics

    assert outcome(report, "limits").status == "passed"


@pytest.mark.slow
def test_output_over_the_cap_is_truncated_and_noted(basics):
    report, _ = basics

    flood = outcome(report, "flood")
    assert flood.status == "passed"
    assert "cut off after 10,000 bytes" in str(flood.message)


@pytest.mark.slow
def test_running_out_of_memory_fails_the_cell_not_the_notebook(basics):
    report, _ = basics

    memory = outcome(report, "memory")
    assert (memory.points, str(memory.message)) == (Decimal(0), "MemoryError")


@pytest.mark.slow
def test_writing_a_file_over_the_size_limit_fails_the_cell(basics):
    report, _ = basics

    big_file = outcome(report, "big_file")
    assert (big_file.points, str(big_file.message)) == (
        Decimal(0),
        "OSError: [Errno 27] File too large",
    )


@pytest.mark.slow
def test_the_kernels_processes_are_killed_and_its_directory_removed(basics):
    _, token = basics

    assert not _running_with(f"600.{token}")
    assert not list(Path(tempfile.gettempdir()).glob(f"grading-*/left-behind-{token}"))


def _running_with(marker: str) -> list[int]:
    """Live processes whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_manual_answers_and_tasks_wait_for_an_instructor(basics):
    report, _ = basics

    essay = outcome(report, "essay")
    reflection = outcome(report, "reflection")
    assert (essay.kind, essay.points, essay.status) == ("manual", None, "needs_manual")
    assert (reflection.kind, reflection.points, reflection.status) == (
        "task",
        None,
        "needs_manual",
    )


@pytest.mark.slow
def test_the_report_adds_up_autograded_and_manual_points(basics):
    report, _ = basics

    # correct 2, partial 0.5, over_max 2, zero_value 0, warning, environment, sys_path,
    # workdir, limits, flood: 1 each
    assert report.autograded_points == Decimal("10.5")
    assert report.autograded_max == Decimal(22)
    assert report.manual_max == Decimal(7)
    assert report.duration_s > 0


# -- participants' changes to the assignment's frame -------------------------------------------


@pytest.fixture(scope="module")
def square_published():
    return publish(square_assignment())


@pytest.mark.slow
def test_it_restores_tampered_test_cells(square_published):
    release = load(square_published.release_notebook)
    cell_by_id(release, "square").source = "def square(x):\n    return 0"
    test_cell = cell_by_id(release, "test_square")
    test_cell.source = "pass"
    test_cell.metadata.nbgrader.update(solution=True, grade=False, points=100)

    report = grade_notebook(submission=dump(release), published=square_published)

    restored = outcome(report, "test_square")
    assert (restored.points, restored.max_points) == (Decimal(0), Decimal(2))
    assert "Your changes to this read-only cell were undone" in str(restored.message)


@pytest.mark.slow
def test_hidden_tests_are_restored_and_their_code_never_shown(square_published):
    # Right for the visible test, wrong for the hidden one, and it quotes its caller's code.
    sneaky = (
        "import inspect\n"
        "def square(x):\n"
        "    if x == 12:\n"
        "        raise ValueError(inspect.stack()[1].code_context[0])\n"
        "    return x * x"
    )
    submission = edited(square_published.release_notebook, square=sneaky)

    report = grade_notebook(submission=submission, published=square_published)

    hidden = outcome(report, "test_square")
    assert (hidden.points, hidden.status, hidden.hidden) == (Decimal(0), "failed", True)
    assert str(hidden.message).startswith("ValueError")
    assert HIDDEN_CHECK not in report.to_json()
    assert "square(12)" not in report.to_json()


@pytest.mark.slow
def test_a_deleted_test_cell_is_put_back_with_the_switch(square_published):
    release = load(square_published.release_notebook)
    cell_by_id(release, "square").source = CORRECT_SQUARE
    release.cells = [c for c in release.cells if c.metadata.nbgrader.grade_id != "test_square"]

    report = grade_notebook(
        submission=dump(release), published=square_published, restore_missing_cells=True
    )

    put_back = outcome(report, "test_square")
    assert (put_back.points, put_back.status) == (Decimal(2), "passed")
    assert "missing from your notebook" in str(put_back.message)


@pytest.mark.slow
def test_duplicated_grade_ids_keep_the_last_cell():
    published = publish(
        notebook(
            answer("a", "x = 1"),
            autotest("t", "assert x == 2", points=1),
            manual("first", "Answer one."),
            manual("second", "Answer two."),
        )
    )
    release = load(published.release_notebook)
    answer_cell, test_cell, first, second = release.cells
    answer_cell.source = "x = 2"
    tampered_copy = v4.new_code_cell("assert False", metadata=test_cell.metadata)
    answered_copy = v4.new_markdown_cell("My answer.", metadata=first.metadata)
    second_copy = v4.new_markdown_cell("My answer.", metadata=second.metadata)
    release.cells = [
        answer_cell,
        tampered_copy,
        test_cell,
        answered_copy,
        first,
        second_copy,
        second,
    ]
    second.source = "My final answer."

    report = grade_notebook(submission=dump(release), published=published)

    assert outcome(report, "t").status == "passed"
    assert str(outcome(report, "first").message) == "No answer was given (the cell is unchanged)."
    assert outcome(report, "first").points == Decimal(0)
    assert outcome(report, "second").status == "needs_manual"


# -- limits ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_cell_over_its_time_limit_scores_zero_and_the_rest_still_runs():
    published = publish(
        notebook(
            answer("a", "x = 1"),
            autotest("loops", "while True:\n    pass", points=1),
            autotest(
                "swallows",
                "try:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    pass",
                points=1,
            ),
            autotest("after", "assert x == 1", points=1),
        )
    )

    report = grade_notebook(
        submission=edited(published.release_notebook, a="x = 1"),
        published=published,
        limits=GradingLimits(cell_timeout_s=2),
    )

    loops = outcome(report, "loops")
    assert (report.status, loops.points) == ("graded", Decimal(0))
    assert str(loops.message) == "The cell did not finish within 2 seconds and was interrupted."
    assert outcome(report, "swallows").points == Decimal(0)
    assert outcome(report, "after").status == "passed"


@pytest.mark.slow
def test_a_notebook_over_its_deadline_fails_with_the_reason():
    published = publish(
        notebook(answer("a", "x = 1"), autotest("t", "import time\ntime.sleep(60)"))
    )

    started = time.monotonic()
    report = grade_notebook(
        submission=published.release_notebook,
        published=published,
        limits=GradingLimits(notebook_timeout_s=2),
    )

    assert report.status == "failed"
    assert str(report.error) == "The notebook did not finish within 2 seconds."
    assert report.outcomes == ()
    assert report.autograded_max == Decimal(1)
    assert time.monotonic() - started < 20


@pytest.mark.slow
def test_a_dying_kernel_fails_the_notebook_with_a_clear_reason():
    published = publish(notebook(answer("a", "x = 1"), autotest("t", "assert x == 1")))

    report = grade_notebook(
        submission=edited(published.release_notebook, a="import os\nos._exit(1)"),
        published=published,
    )

    assert report.status == "failed"
    assert (
        str(report.error)
        == "The kernel died while running cell 1: its process exited with status 1."
    )


def test_a_non_python_notebook_fails_with_the_reason():
    r_kernel = {"name": "ir", "display_name": "R", "language": "R"}
    published = publish(notebook(autotest("t", "stopifnot(TRUE)"), kernelspec=r_kernel))

    report = grade_notebook(submission=published.release_notebook, published=published)

    assert report.status == "failed"
    assert str(report.error) == (
        "Autograding supports Python notebooks only (this notebook uses the R kernel)."
    )


def test_an_unreadable_submission_fails_with_the_reason(square_published):
    report = grade_notebook(submission=b"{oops", published=square_published)

    assert report.status == "failed"
    assert str(report.error).startswith(
        "Your notebook could not be read: The file is not a notebook"
    )
    assert report.autograded_max == Decimal(2)


def test_it_accepts_the_stored_grading_notebook_instead_of_the_published_assignment():
    r_kernel = {"name": "ir", "display_name": "R", "language": "R"}
    published = publish(notebook(autotest("t", "1"), kernelspec=r_kernel))

    report = grade_notebook(
        submission=published.release_notebook, grading_notebook=published.grading_notebook
    )

    assert report.status == "failed"
    assert report.autograded_max == Decimal(1)


@pytest.mark.slow
def test_a_cell_that_ignores_the_interrupt_stops_the_kernel():
    published = publish(
        notebook(
            answer("a", "x = 1"),
            autotest(
                "t",
                "import signal\n"
                "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "while True:\n    pass",
            ),
        )
    )

    report = grade_notebook(
        submission=published.release_notebook,
        published=published,
        limits=GradingLimits(cell_timeout_s=2),
    )

    assert report.status == "failed"
    assert str(report.error) == (
        "Cell 2 did not stop when it was interrupted after 2 seconds, so the kernel was stopped."
    )


# -- results as JSON ---------------------------------------------------------------------------


def test_reports_round_trip_through_bounded_json():
    report = GradingReport(
        status="graded",
        outcomes=(
            TestOutcome(
                "t1",
                "autograded",
                Decimal("0.5"),
                Decimal(2),
                "partial",
                ngettext_lazy("%(n)s point", "%(n)s points", Decimal("0.5")) + verbatim("Half."),
                True,
            ),
            TestOutcome("m", "manual", None, Decimal("1.25"), "needs_manual", Message(), False),
        ),
        autograded_points=Decimal("0.5"),
        autograded_max=Decimal(2),
        manual_max=Decimal("1.25"),
        error=Message(),
        log_excerpt="x" * 100_000,
        duration_s=1.23456,
    )

    text = report.to_json()
    again = GradingReport.from_json(text)

    assert len(text) < 20_000
    assert again.outcomes == report.outcomes
    assert (again.autograded_points, again.manual_max) == (Decimal("0.5"), Decimal("1.25"))
    assert '"points": "0.5"' in text
    assert len(again.log_excerpt) <= 8_000


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"version": 99}',
        '{"version": 1, "status": "graded", "outcomes": [{"grade_id": "t"}], '
        '"autograded_points": "1", "autograded_max": "1", "manual_max": "0", '
        '"error": "", "log_excerpt": "", "duration_s": 1}',
        '{"version": 1, "status": "graded", "outcomes": [], "autograded_points": "NaN", '
        '"autograded_max": "1", "manual_max": "0", "error": "", "log_excerpt": "", '
        '"duration_s": 1}',
    ],
)
def test_it_refuses_json_that_is_not_a_report(text: str):
    with pytest.raises(ValueError):
        GradingReport.from_json(text)


def test_failure_reports_are_bounded():
    report = GradingReport.failure(verbatim("x" * 10_000), log_excerpt="y" * 100_000)

    assert (report.status, report.outcomes) == ("failed", ())
    assert len(str(report.error)) <= 2_000
    assert len(report.log_excerpt) <= 8_000


@pytest.mark.slow
def test_a_participants_kernelspec_does_not_override_the_assignments(square_published):
    release = load(square_published.release_notebook)
    release.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    cell_by_id(release, "square").source = CORRECT_SQUARE

    report = grade_notebook(submission=dump(release), published=square_published)

    assert (report.status, report.autograded_points) == ("graded", Decimal(2))
