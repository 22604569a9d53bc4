"""Differential test: the platform's autograder against the real nbgrader 0.9.6, cell by cell.

The same notebooks are published and graded by both systems and every graded cell must get the
same points: an autograded test the same number (within 1e-9), a manually graded answer or task
``None`` on both sides (waiting for an instructor), or 0 on both sides where nbgrader scores an
unchanged answer automatically; max points must agree too.

Two batches (see ``tests/nbgrader_reference.py``). Each is one nbgrader assignment: one
``nbgrader generate_assignment`` and one ``nbgrader autograde`` for all its submissions. nbgrader
works through the batches in a background thread (child processes) while the platform grades the
same submissions in this process: two streams of work for the two cores.

* **demo**: every demo assignment of ``courses/demo/notebooks.py`` with its six submissions
  (correct, partial, wrong, error, blank, tampered); the capstone's submissions bring their own
  ``data.csv``. nbgrader's points are also checked against the demo's ``expected_scores``.
  Also here: submissions with deleted cells (a test, manually graded answers, a task), graded
  by nbgrader with ``OverwriteCells.add_missing_cells`` and by the platform with its switch
  ``restore_missing_cells``, which puts them back the same way.
* **fixtures**: the notebooks nbgrader ships for its own tests (``nbgrader/tests/apps/files``
  and ``.../preprocessors/files``), used as nbgrader's own test suite uses them (which file is
  the source, which are submissions), with a few submissions derived from them (duplicated
  cells, cell-type changes saved as Jupyter saves them, partly right answers) and one notebook
  of partial-credit edge rules built here. Deleted cells of every kind (an autograded answer,
  a test, manually graded answers, a read-only cell, a task) under nbgrader's default, which
  the platform follows without its switch: a deleted test scores 0 and is flagged (nbgrader:
  no automatic score, ``needs_manual_grade``, which counts 0), a deleted answer or task waits
  for the grader. :data:`COMPARED_FIXTURES` and
  :data:`SKIPPED_FIXTURES` account for every shipped notebook.

The platform runs in its nbgrader-compatible mode (``stderr_ignore=None``: any stderr output
fails a test, as in nbgrader 0.9). Where nbgrader 0.9.6 cannot grade at all, the batch's
nbgrader configuration says how it is helped (and why that changes no other score). Known
differences caused by the platform's engine are listed cell by cell in each case's ``known``
map; each is its own strictly-xfailing test, so fixing the engine turns it into an XPASS failure
that asks for the entry to be removed.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import math
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode, v4

from courses.demo import notebooks as demo
from courses.nbgrader import PublishedAssignment, publish, write_notebook
from submissions.grading import GradingLimits, GradingReport, grade_notebook
from submissions.intake.notebooks import NotebookRejected, check_unique_grade_ids
from tests.nbgrader_reference import (
    AutogradeResult,
    AutogradeRun,
    CellGrade,
    NbgraderCourse,
    Submission,
)

_SPEC = importlib.util.find_spec("nbgrader")
assert _SPEC is not None and _SPEC.submodule_search_locations, "nbgrader is a test dependency"
NBGRADER_TESTS = Path(list(_SPEC.submodule_search_locations)[0]) / "tests"
APPS_FILES = NBGRADER_TESTS / "apps" / "files"
PREPROCESSOR_FILES = NBGRADER_TESTS / "preprocessors" / "files"

# Scores are compared as floats (nbgrader stores floats, the platform Decimals).
REL_TOL = 1e-9
ABS_TOL = 1e-12


# -- notebooks as data ---------------------------------------------------------------------------


def load(data: bytes) -> NotebookNode:
    nb: NotebookNode = nbformat.reads(data.decode("utf-8"), as_version=4)
    return nb


def dump(nb: NotebookNode) -> bytes:
    text: str = nbformat.writes(nb)
    return text.encode("utf-8")


def grade_id_of(cell: NotebookNode) -> str | None:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) else None


def cell_with_id(nb: NotebookNode, grade_id: str) -> NotebookNode:
    for cell in nb.cells:
        if grade_id_of(cell) == grade_id:
            found: NotebookNode = cell
            return found
    raise KeyError(grade_id)


def edited(release: bytes, **sources: str) -> bytes:
    """The release with the cells named by grade id given new sources."""
    nb = load(release)
    for key, source in sources.items():
        cell_with_id(nb, key).source = source
    return dump(nb)


def as_jupyter_saves_it(data: bytes) -> bytes:
    """The notebook as today's Jupyter saves it: nbformat 4.5 (cell ids), valid cell keys."""
    nb = load(data)
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    for number, cell in enumerate(nb.cells):
        cell.setdefault("id", f"cell-{number}")
        if cell.cell_type != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    nbformat.validate(nb)
    return dump(nb)


def apps_file(name: str) -> bytes:
    return (APPS_FILES / name).read_bytes()


def preprocessor_file(name: str) -> bytes:
    return (PREPROCESSOR_FILES / name).read_bytes()


# -- what is compared ----------------------------------------------------------------------------

Submissions = Callable[[bytes], dict[str, Submission]]


@dataclass(frozen=True)
class Case:
    """One source notebook, graded by both systems for every submission.

    ``submissions`` builds student -> submission from nbgrader's release notebook.
    ``files`` sit next to every submission of this notebook on the platform; nbgrader gets them
    in the assignment's source folder, which it copies next to every submission.
    ``known``: (student, grade id) -> how and why the platform differs from nbgrader today.
    """

    notebook: str
    source: bytes
    submissions: Submissions
    about: str
    update_first: bool = False  # old metadata: nbgrader needs ``nbgrader update`` first
    # False: ``submissions`` ignores the release, so the platform need not wait for nbgrader.
    needs_release: bool = True
    files: Mapping[str, bytes] = field(default_factory=dict)
    known: Mapping[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    name: str
    cases: tuple[Case, ...]
    cell_timeout_s: int
    nbgrader_config: str = ""
    course_files: Mapping[str, bytes] = field(default_factory=dict)
    # The platform's switch matching ``OverwriteCells.add_missing_cells`` in nbgrader_config.
    restore_missing_cells: bool = False


# -- the demo assignments ------------------------------------------------------------------------


def _demo_case(slug: str) -> Case:
    files = (
        {demo.CAPSTONE_DATA_FILENAME: demo.capstone_data_csv()}
        if slug == demo.CAPSTONE_SLUG
        else {}
    )

    def submissions(_release: bytes) -> dict[str, Submission]:
        # Built from the platform's own release, as participants download it.
        return {
            variant: Submission(write_notebook(demo.submission_variant(slug, variant)), files)
            for variant in demo.VARIANTS
        }

    return Case(
        notebook=slug,
        source=write_notebook(demo.source_notebook(slug)),
        submissions=submissions,
        about=f"demo assignment {slug}: {', '.join(demo.VARIANTS)}",
        needs_release=False,
    )


def _without(release: bytes, *grade_ids: str, **sources: str) -> bytes:
    """The release without the cells named, and with other cells given new sources."""
    nb = load(edited(release, **sources))
    nb.cells = [cell for cell in nb.cells if grade_id_of(cell) not in grade_ids]
    return dump(nb)


def _deleted_cells(release: bytes) -> dict[str, Submission]:
    """A test cell and a read-only cell deleted; answers changed by whitespace only. Manually
    graded answers deleted (a markdown and a code answer)."""
    nb = load(release)
    nb.cells = [cell for cell in nb.cells if grade_id_of(cell) not in {"bar", "ro2"}]
    cell_with_id(nb, "set_a").source = "a = 1"
    # A changed checksum: "answered" (waits for an instructor), however little changed.
    cell_with_id(nb, "baz").source += "\n"
    cell_with_id(nb, "quux").source += " "
    return {
        "deleted-cells": Submission(dump(nb)),
        "deleted-answers": Submission(_without(release, "baz", "quux", set_a="a = 1")),
    }


def _deleted_by_kind(release: bytes) -> dict[str, Submission]:
    """One kind of cell deleted per submission (submitted-unchanged.ipynb as the source)."""
    return {
        "test-deleted": Submission(_without(release, "bar", set_a="a = 1")),
        "autograded-answer-deleted": Submission(_without(release, "set_a")),
        "manual-answers-deleted": Submission(_without(release, "baz", "quux", set_a="a = 1")),
        "read-only-deleted": Submission(_without(release, "ro1", "ro2", set_a="a = 1")),
        "all-graded-deleted": Submission(_without(release, "foo", "bar", "baz", "quux")),
    }


def _deleted_task(release: bytes) -> dict[str, Submission]:
    """test_taskcell.ipynb's task deleted, and with it a manually graded code answer."""
    return {
        "task-deleted": Submission(_without(release, "task1")),
        "task-and-answer-deleted": Submission(
            _without(release, "task1", "sum_of_squares_application")
        ),
    }


DEMO = Batch(
    name="demo",
    cases=(
        *(_demo_case(slug) for slug in demo.ASSIGNMENT_SLUGS),
        Case(
            notebook="deleted-cells",
            source=apps_file("submitted-unchanged.ipynb"),
            submissions=_deleted_cells,
            about="submitted-unchanged.ipynb as the source, a submission without the test "
            "cell 'bar' and the read-only cell 'ro2', one without the manual answers (derived)",
        ),
        Case(
            notebook="deleted-task",
            source=preprocessor_file("test_taskcell.ipynb"),
            submissions=_deleted_task,
            about="test_taskcell.ipynb as the source, submissions without its task (and "
            "without a manually graded code answer), put back by both systems",
        ),
    ),
    cell_timeout_s=120,
    restore_missing_cells=True,
    # The platform always puts deleted test cells back; nbgrader does with this switch on. It
    # lives in this batch because nbgrader 0.9.6 crashes with it on any submission that has a
    # duplicated grade id (add_missing_task_cells reads the grade id DeduplicateIds removed),
    # and the fixtures batch has one; no demo submission deletes a cell.
    nbgrader_config="c.OverwriteCells.add_missing_cells = True\n",
)


# -- nbgrader's own fixture notebooks --------------------------------------------------------------


#: The "grade id" of a difference in the submission as a whole.
WHOLE = "*"


def _submitted_family(release: bytes) -> dict[str, Submission]:
    """nbgrader's test_grade and test_grade_cheat_attempt, and more of its submitted-* files."""
    # Duplicated cells (nbgrader's DeduplicateIds keeps the last of each grade id): an edited
    # copy of the manual answer "baz" before the released one, a released copy of the manual
    # code answer "quux" before an edited one, and a stray copy of the test "bar" that fails.
    duplicated = load(apps_file("submitted-changed.ipynb"))
    released = load(release)
    by_id = {grade_id_of(cell): cell for cell in duplicated.cells}
    position = duplicated.cells.index(by_id["baz"])
    stray_test = v4.new_code_cell("raise AssertionError('a stray copy of a test')")
    stray_test.metadata = dict(by_id["bar"].metadata)
    answered_baz = v4.new_markdown_cell("An answer in the first copy.")
    answered_baz.metadata = dict(by_id["baz"].metadata)
    by_id["baz"].source = cell_with_id(released, "baz").source
    unanswered_quux = v4.new_code_cell(cell_with_id(released, "quux").source)
    unanswered_quux.metadata = dict(by_id["quux"].metadata)
    for cell in (stray_test, answered_baz, unanswered_quux):
        cell.pop("id", None)  # the fixture is nbformat 4.0, which has no cell ids
    duplicated.cells[position:position] = [stray_test, answered_baz]
    duplicated.cells.insert(duplicated.cells.index(by_id["quux"]), unanswered_quux)
    answer_type_changed = preprocessor_file("submitted-answer-cell-type-changed.ipynb")
    grade_type_changed = preprocessor_file("submitted-grade-cell-type-changed.ipynb")
    return {
        "release": Submission(release),
        "unchanged": Submission(apps_file("submitted-unchanged.ipynb")),
        "changed": Submission(apps_file("submitted-changed.ipynb")),
        "cheat-attempt": Submission(apps_file("submitted-cheat-attempt.ipynb")),
        "cheat-attempt-alternative": Submission(
            apps_file("submitted-cheat-attempt-alternative.ipynb")
        ),
        "grade-cell-changed": Submission(apps_file("submitted-grade-cell-changed.ipynb")),
        "locked-cell-changed": Submission(apps_file("submitted-locked-cell-changed.ipynb")),
        # As shipped, these two are nbformat 4.0 without cell ids and not valid (a markdown
        # cell that still has outputs): the platform refuses them as unreadable, and nbgrader
        # 0.9.6 crashes on them (OverwriteCells.update_cell_type validates the retyped cell
        # against nbformat 4.5, which wants a cell id), so neither grades them. The "-saved"
        # copies are the same change as Jupyter saves it today, which both grade.
        "answer-cell-type-changed": Submission(answer_type_changed),
        "grade-cell-type-changed": Submission(grade_type_changed),
        "answer-cell-type-changed-saved": Submission(as_jupyter_saves_it(answer_type_changed)),
        "grade-cell-type-changed-saved": Submission(as_jupyter_saves_it(grade_type_changed)),
        "duplicated-cells": Submission(dump(duplicated)),
    }


def _test_family(release: bytes) -> dict[str, Submission]:
    """nbgrader's test_no_execute pair (test.ipynb, test-with-output.ipynb) and more."""
    partial = edited(
        release,
        squares="def squares(n):\n    if n < 1:\n        raise ValueError(n)\n"
        "    return [i ** 2 for i in range(1, n + 1)]",
        # Right sums, but without squares(): the "uses squares" test fails.
        sum_of_squares="def sum_of_squares(n):\n    return n * (n + 1) * (2 * n + 1) // 6",
        sum_of_squares_equation="$\\frac{n(n+1)(2n+1)}{6}$",
    )
    return {
        "release": Submission(release),
        "solution": Submission(apps_file("test.ipynb")),
        "with-output": Submission(apps_file("test-with-output.ipynb")),
        "partial": Submission(partial),
    }


def _hidden_tests_family(release: bytes) -> dict[str, Submission]:
    """nbgrader's test_hidden_tests_single_notebook (it strips the raise from the code stub)."""
    without_raise = release.replace(b"raise NotImplementedError()", b"pass  # nothing raised")
    assert without_raise != release
    return {"release": Submission(release), "visible-only": Submission(without_raise)}


def _edge_rules_source() -> bytes:
    """Partial credit and failure rules of nbgrader's determine_grade, one test cell each.

    Cases where nbgrader 0.9.6 itself crashes (a value above the cell's points, ``inf``, an
    empty text/plain) are left out: nbgrader then grades no cell of the notebook at all, and
    the platform deliberately caps or awards full points instead (documented in
    submissions/grading/scoring.py).
    """
    tests: list[tuple[str, float, str]] = [
        ("half", 1, "0.5"),
        ("one-of-two", 2, "1"),
        ("max", 2, "2.0"),
        ("third", 1, "1 / 3"),
        ("tiny", 1, "1e-9"),
        ("zero", 2, "0"),
        ("negative", 1, "-1"),
        ("nan", 1, "float('nan')"),
        ("string", 1, "'0.5'"),
        ("bool", 1, "True"),
        ("list", 1, "[0.5]"),
        ("numpy", 1, "import numpy as np\nnp.float64(0.5)"),
        ("padded-repr", 1, "class V:\n    def __repr__(self):\n        return ' 0.5\\n'\nV()"),
        ("none", 1, "None"),
        ("printed", 1, "print(0.5)"),
        ("displayed", 1, "from IPython.display import display\ndisplay(0.5)"),
        ("print-then-value", 2, "print('half of it')\n1"),
        ("stderr", 1, "import sys\nprint('oops', file=sys.stderr)"),
        ("stderr-then-value", 2, "import sys\nprint('oops', file=sys.stderr)\n1"),
        ("warning", 1, "import warnings\nwarnings.warn('old api', FutureWarning)"),
        ("error-after-output", 1, "print('before')\nraise ValueError('after')"),
        ("assertion", 1, "assert 1 == 2, 'wrong'"),
        ("system-exit", 1, "raise SystemExit(3)"),
        ("keyboard-interrupt", 1, "raise KeyboardInterrupt"),
    ]
    meta = {"schema_version": 3, "grade": False, "solution": False, "locked": False}
    cells = [
        v4.new_markdown_cell("Edge rules of nbgrader's scoring."),
        v4.new_code_cell(
            "### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION",
            metadata={"nbgrader": {**meta, "solution": True, "grade_id": "answer"}},
        ),
    ]
    for grade_id, points, code in tests:
        cells.append(
            v4.new_code_cell(
                code,
                metadata={
                    "nbgrader": {
                        **meta,
                        "grade": True,
                        "locked": True,
                        "grade_id": grade_id,
                        "points": points,
                    }
                },
            )
        )
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return dump(nb)


def _the_source(source_name: str) -> Submissions:
    """The source notebook handed in as it is (its answers are the instructor's)."""

    def submissions(_release: bytes) -> dict[str, Submission]:
        return {"solution": Submission(apps_file(source_name))}

    return submissions


FIXTURE_TIMEOUT_S = 4  # timeout.ipynb sleeps 5 s in a test; every other fixture cell is instant

# nbgrader 0.9.6 cannot grade a submission with a duplicated grade id: DeduplicateIds keeps the
# last copy and empties the others' metadata to {}, which its own CheckCellMetadata (the last
# step of both autograde pipelines) then reads as schema 0 and raises SchemaTooOldError, and
# that aborts the whole autograde run, every later student included. To compare with the rule
# nbgrader means (DeduplicateIds), this batch runs nbgrader's pipelines without that check; it
# only validates metadata, and every other submission here is graded the same with it.
WITHOUT_METADATA_CHECK = """\
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties, ClearOutput, DeduplicateIds, Execute, IgnorePattern, LimitOutput,
    OverwriteCells, OverwriteKernelspec, SaveAutoGrades,
)
c.Autograde.sanitize_preprocessors = [
    ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
]
c.Autograde.autograde_preprocessors = [
    Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties,
]
"""

FIXTURES = Batch(
    name="fixtures",
    cell_timeout_s=FIXTURE_TIMEOUT_S,
    nbgrader_config=WITHOUT_METADATA_CHECK,
    course_files={"autotests.yml": apps_file("autotests.yml")},
    cases=(
        Case(
            notebook="submitted",
            source=apps_file("submitted-unchanged.ipynb"),
            submissions=_submitted_family,
            about="submitted-unchanged.ipynb as the source (as nbgrader's autograde tests use "
            "it): answers, a manual markdown and a manual code answer, read-only cells; "
            "submissions: the release, unchanged, changed, both showtraceback cheat attempts, "
            "a changed test cell, changed read-only cells, answer and test cells whose cell "
            "type was changed, plus duplicated cells (derived)",
        ),
        Case(
            notebook="test",
            source=apps_file("test.ipynb"),
            submissions=_test_family,
            about="test.ipynb (solution regions, tests, a manual markdown and a manual code "
            "answer); submissions: the release, the source itself, test-with-output.ipynb "
            "(stale outputs) and a partly right answer (derived)",
        ),
        Case(
            notebook="test-v0",
            source=apps_file("test-v0.ipynb"),
            update_first=True,
            submissions=lambda release: {
                "with-output": Submission(apps_file("test-with-output.ipynb"))
            },
            about="test-v0.ipynb (schema 0 metadata, points as strings): the platform "
            "upgrades it when publishing, nbgrader after `nbgrader update`",
        ),
        Case(
            notebook="deleted-by-kind",
            source=apps_file("submitted-unchanged.ipynb"),
            submissions=_deleted_by_kind,
            about="submitted-unchanged.ipynb as the source; deleted, one kind per submission: "
            "a test, the autograded answer, the manual answers, the read-only cells, and every "
            "graded cell (nbgrader's default: nothing is put back)",
        ),
        Case(
            notebook="deleted-task-default",
            source=preprocessor_file("test_taskcell.ipynb"),
            submissions=_deleted_task,
            about="test_taskcell.ipynb as the source, without its task (and without a manually "
            "graded code answer), nbgrader's default",
        ),
        Case(
            notebook="hidden-tests",
            source=apps_file("test-hidden-tests.ipynb"),
            submissions=_hidden_tests_family,
            about="test-hidden-tests.ipynb: visible tests pass, hidden ones fail "
            "(nbgrader's own test expects 1.5 points)",
        ),
        Case(
            notebook="taskcell",
            source=preprocessor_file("test_taskcell.ipynb"),
            submissions=lambda release: {
                "solution": Submission(preprocessor_file("test_taskcell.ipynb"))
            },
            about="test_taskcell.ipynb: a task cell with a mark scheme next to autograded and "
            "manual cells (its tests import nose, which is not installed: they fail on both)",
        ),
        Case(
            notebook="open-relative-file",
            source=apps_file("open_relative_file.ipynb"),
            files={"data.txt": apps_file("data.txt")},
            submissions=lambda release: {"release": Submission(release)},
            about="open_relative_file.ipynb with the instructor's data.txt next to the notebook",
        ),
        Case(
            notebook="zero-points",
            source=apps_file("validation-zero-points.ipynb"),
            submissions=_the_source("validation-zero-points.ipynb"),
            about="validation-zero-points.ipynb: a test cell worth 0 points",
        ),
        Case(
            notebook="timeout",
            source=apps_file("timeout.ipynb"),
            submissions=_the_source("timeout.ipynb"),
            about=f"timeout.ipynb: a test that sleeps 5 s, over a {FIXTURE_TIMEOUT_S} s "
            "cell timeout in both systems",
        ),
        Case(
            notebook="environment-variable",
            source=apps_file("validating-environment-variable.ipynb"),
            submissions=lambda release: {"release": Submission(release)},
            about="validating-environment-variable.ipynb: a test that fails when "
            "NBGRADER_EXECUTION is set, as it is while nbgrader autogrades",
        ),
        Case(
            notebook="edge-rules",
            source=_edge_rules_source(),
            submissions=lambda release: {"release": Submission(release)},
            about="built here: one test cell per partial-credit and failure rule of "
            "nbgrader's determine_grade / get_partial_grade",
        ),
    ),
)

#: The notebooks nbgrader ships for its tests (paths under nbgrader/tests) compared above.
COMPARED_FIXTURES = frozenset(
    {
        "apps/files/submitted-unchanged.ipynb",
        "apps/files/submitted-changed.ipynb",
        "apps/files/submitted-cheat-attempt.ipynb",
        "apps/files/submitted-cheat-attempt-alternative.ipynb",
        "apps/files/submitted-grade-cell-changed.ipynb",
        "apps/files/submitted-locked-cell-changed.ipynb",
        "preprocessors/files/submitted-answer-cell-type-changed.ipynb",
        "preprocessors/files/submitted-grade-cell-type-changed.ipynb",
        "apps/files/test.ipynb",
        "apps/files/test-with-output.ipynb",
        "apps/files/test-v0.ipynb",
        "apps/files/test-hidden-tests.ipynb",
        "preprocessors/files/test_taskcell.ipynb",
        "apps/files/open_relative_file.ipynb",
        "apps/files/validation-zero-points.ipynb",
        "apps/files/timeout.ipynb",
        "apps/files/validating-environment-variable.ipynb",
    }
)

#: The other notebooks nbgrader ships for its tests (globs under nbgrader/tests), and why they
#: are not compared. Both claims about refusals were checked by running both systems.
SKIPPED_FIXTURES: dict[tuple[str, ...], str] = {
    ("apps/files/test-v1.ipynb", "apps/files/test-v2.ipynb"): "test.ipynb with schema 1 or "
    "2 metadata and nothing else changed; test-v0.ipynb covers the upgrade path",
    (
        "apps/files/test-v0-invalid.ipynb",
        "apps/files/too-new.ipynb",
        "apps/files/test-no-metadata.ipynb",
        "preprocessors/files/duplicate-grade-ids.ipynb",
        "preprocessors/files/blank-grade-id.ipynb",
        "preprocessors/files/blank-points.ipynb",
        "preprocessors/files/bad-markdown-cell-*.ipynb",
        "preprocessors/files/cell-type-changed.ipynb",
    ): "invalid sources: nbgrader's generate_assignment and the platform's publish both refuse "
    "them, so there is nothing to grade",
    (
        "apps/files/test-no-metadata-autotest.ipynb",
        "apps/files/side-effects.ipynb",
        "apps/files/infinite-loop*.ipynb",
        "preprocessors/files/no-cell-type.ipynb",
        "preprocessors/files/long-output.ipynb",
        "preprocessors/files/infinite-recursion.ipynb",
        "preprocessors/files/header.ipynb",
        "preprocessors/files/warning-pattern.ipynb",
    ): "no graded cell: nbgrader grades nothing, the platform refuses to publish such a notebook",
    (
        "apps/files/autotest-simple*.ipynb",
        "apps/files/autotest-hashed*.ipynb",
        "apps/files/autotest-multi*.ipynb",
        "apps/files/autotest-hidden*.ipynb",
    ): "nbgrader 0.9's ### AUTOTEST directives, compared with their own submissions in "
    "tests/submissions/grading/test_autotest_differential.py (publishing runs a kernel first)",
    ("preprocessors/files/manually-graded-code-cell.ipynb",): "a manually graded code answer "
    "alone, as cell 'quux' of submitted-unchanged.ipynb",
    (
        "preprocessors/files/submitted-changed.ipynb",
        "preprocessors/files/submitted-unchanged.ipynb",
        "preprocessors/files/submitted-grade-cell-changed.ipynb",
        "preprocessors/files/submitted-locked-cell-changed.ipynb",
    ): "the apps/files notebooks of the same name with stale execution counts (stale outputs "
    "are covered by test-with-output.ipynb)",
    ("preprocessors/files/test.ipynb",): "apps/files/test.ipynb with nose assertions (nose is "
    "not installed; test_taskcell.ipynb already shows both scoring that failure alike)",
}

BATCHES = (DEMO, FIXTURES)


# -- running both systems ------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: Case
    platform: dict[str, GradingReport]
    nbgrader: dict[str, dict[str, CellGrade]]  # students nbgrader could not grade are missing
    nbgrader_log: str


@dataclass
class BatchResult:
    cases: dict[str, CaseResult]
    nbgrader_s: float  # wall time of the batch's one `nbgrader autograde`


class _NbgraderSide(threading.Thread):
    """nbgrader's side of the batches, in the background, one step after the other.

    Per batch: generate the assignment, hand the submissions (some are built from nbgrader's
    release) to the platform's side, then one ``nbgrader autograde`` for all of them.
    """

    def __init__(self, batches: tuple[Batch, ...], root: Path) -> None:
        super().__init__(name="nbgrader", daemon=True)
        self.batches = batches
        self.root = root
        self.staged: dict[str, dict[str, dict[str, Submission]]] = {}
        self.ready = {batch.name: threading.Event() for batch in batches}
        self.results: dict[str, AutogradeResult] = {}
        self.failure: BaseException | None = None
        self.current: AutogradeRun | None = None
        self.stopped = False

    def prepare(self, batch: Batch) -> NbgraderCourse:
        course = NbgraderCourse(
            self.root / batch.name / "nbgrader",
            cell_timeout_s=batch.cell_timeout_s,
            config=batch.nbgrader_config,
        )
        for name, data in batch.course_files.items():
            (course.course_dir / name).write_bytes(data)
        sources = {
            case.notebook: course.update(case.source) if case.update_first else case.source
            for case in batch.cases
        }
        files: dict[str, bytes] = {}
        for case in batch.cases:
            files.update(case.files)
        releases = course.generate_assignment(batch.name, sources, files)
        self.staged[batch.name] = {
            case.notebook: case.submissions(releases[case.notebook]) for case in batch.cases
        }
        return course

    def run(self) -> None:
        try:
            for batch in self.batches:
                course = self.prepare(batch)
                self.ready[batch.name].set()
                if self.stopped:
                    return
                self.current = course.start_autograde(batch.name, self.staged[batch.name])
                self.results[batch.name] = self.current.wait()
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            self.failure = error
        finally:
            for event in self.ready.values():
                event.set()  # never leave the platform's side waiting

    def submissions(self, batch: Batch) -> dict[str, dict[str, Submission]]:
        self.ready[batch.name].wait()
        if batch.name not in self.staged:
            raise RuntimeError("nbgrader could not generate the assignment") from self.failure
        return self.staged[batch.name]

    def stop(self) -> None:
        self.stopped = True
        run = self.current
        if run is not None and run.process.poll() is None:
            run.process.kill()


def _grade_on_platform(
    batch: Batch, case: Case, published: PublishedAssignment, submission: Submission, folder: Path
) -> GradingReport:
    folder.mkdir(parents=True)
    data_files: dict[str, Path] = {}
    for name, data in {**case.files, **submission.files}.items():
        (folder / name).write_bytes(data)
        data_files[name] = folder / name
    return grade_notebook(
        submission=submission.notebook,
        published=published,
        data_files=data_files,
        limits=GradingLimits(cell_timeout_s=batch.cell_timeout_s, notebook_timeout_s=900),
        stderr_ignore=None,  # nbgrader 0.9: any stderr output fails a test
        restore_missing_cells=batch.restore_missing_cells,
    )


def run_batches(batches: tuple[Batch, ...], root: Path) -> dict[str, BatchResult]:
    """Grade every batch with both systems: nbgrader in the background, the platform here.

    Two streams of work for two cores: nbgrader's commands one after the other in child
    processes, the platform's submissions one after the other in this process.
    """
    started = time.monotonic()
    nbgrader = _NbgraderSide(batches, root)
    nbgrader.start()
    platform: dict[tuple[str, str, str], GradingReport] = {}
    staged: dict[str, dict[str, dict[str, Submission]]] = {}
    try:
        for batch in batches:
            staged[batch.name] = {}
            for case in batch.cases:
                staged[batch.name][case.notebook] = (
                    nbgrader.submissions(batch)[case.notebook]
                    if case.needs_release
                    else case.submissions(b"")  # the same bytes nbgrader's side builds
                )
                published = publish(case.source)
                for student, submission in staged[batch.name][case.notebook].items():
                    folder = root / batch.name / "platform" / case.notebook / student
                    platform[batch.name, case.notebook, student] = _grade_on_platform(
                        batch, case, published, submission, folder
                    )
    except BaseException:
        nbgrader.stop()
        raise
    platform_s = time.monotonic() - started
    nbgrader.join()
    if nbgrader.failure is not None:
        raise nbgrader.failure
    assert staged == nbgrader.staged, "both systems must grade the very same submissions"
    finished = nbgrader.results
    print(  # noqa: T201 - the comparison's report, seen with -s
        "\nnbgrader autograde: "
        + ", ".join(f"{name} {result.duration_s:.1f} s" for name, result in finished.items())
        + f"; platform done after {platform_s:.1f} s ({len(platform)} submissions); "
        f"{time.monotonic() - started:.1f} s in all"
    )
    return {
        batch.name: BatchResult(
            cases={
                case.notebook: CaseResult(
                    case=case,
                    platform={
                        student: platform[batch.name, case.notebook, student]
                        for student in staged[batch.name][case.notebook]
                    },
                    nbgrader=finished[batch.name].grades.get(case.notebook, {}),
                    nbgrader_log=finished[batch.name].log,
                )
                for case in batch.cases
            },
            nbgrader_s=finished[batch.name].duration_s,
        )
        for batch in batches
    }


@pytest.fixture(scope="module")
def graded(request: pytest.FixtureRequest) -> Iterator[Callable[[Batch], BatchResult]]:
    """The selected tests' batches, graded once by both systems when the first test asks."""
    needed: set[str] = set()
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if getattr(item, "module", None) is request.module and "batch_name" in params:
            needed.add(params["batch_name"])
    results: dict[str, BatchResult] = {}
    with tempfile.TemporaryDirectory(prefix="nbgrader-differential-") as root:

        def get(batch: Batch) -> BatchResult:
            if batch.name not in results:
                selected = tuple(b for b in BATCHES if b.name in needed | {batch.name})
                results.update(run_batches(selected, Path(root)))
            return results[batch.name]

        yield get


# -- comparing -----------------------------------------------------------------------------------


def _number(value: Decimal | float | None) -> str:
    return "None" if value is None else f"{float(value):g}"


def same_points(platform: Decimal | None, nbgrader: float | None) -> bool:
    if platform is None or nbgrader is None:
        return platform is None and nbgrader is None
    return math.isclose(float(platform), nbgrader, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def cell_differences(result: CaseResult, student: str) -> dict[str, str]:
    """grade id -> what differs, for one submission (:data:`WHOLE`: the submission itself)."""
    report = result.platform[student]
    if report.status != "graded" and student not in result.nbgrader:
        return {}  # neither system grades it: no points on either side
    if report.status != "graded":
        return {WHOLE: f"the platform could not grade it: {report.error}"}
    if student not in result.nbgrader:
        tail = result.nbgrader_log[-3000:]
        return {WHOLE: f"nbgrader could not grade it; its log ends:\n{tail}"}
    ours = {outcome.grade_id: outcome for outcome in report.outcomes}
    theirs = result.nbgrader[student]
    differences: dict[str, str] = {}
    for grade_id in sorted(set(ours) | set(theirs)):
        outcome, grade = ours.get(grade_id), theirs.get(grade_id)
        if outcome is None or grade is None:
            side = "nbgrader" if outcome is None else "the platform"
            differences[grade_id] = f"graded by {side} only"
            continue
        problems = []
        if not same_points(outcome.max_points, grade.max_score):
            problems.append(f"max points {outcome.max_points} vs {_number(grade.max_score)}")
        if outcome.missing and outcome.kind == "autograded":
            # nbgrader's row of a deleted test: no automatic score and needs_manual_grade,
            # which counts 0 until a grader acts; the platform's: 0, flagged as missing.
            if not (outcome.points == 0 and grade.auto_score is None and grade.needs_manual_grade):
                problems.append(
                    f"missing test: platform {_number(outcome.points)} vs nbgrader "
                    f"{_number(grade.auto_score)} (needs_manual_grade="
                    f"{grade.needs_manual_grade})"
                )
        elif not same_points(outcome.points, grade.auto_score):
            problems.append(
                f"platform {_number(outcome.points)} ({outcome.status}: {str(outcome.message)!r}) "
                f"vs nbgrader {_number(grade.auto_score)}"
            )
        elif (outcome.points is None) != grade.needs_manual_grade:
            # Waiting for an instructor on one side means waiting on the other.
            problems.append(
                f"platform {'waits' if outcome.points is None else 'does not wait'} for an "
                f"instructor, nbgrader needs_manual_grade={grade.needs_manual_grade}"
            )
        if problems:
            differences[grade_id] = "; ".join(problems)
    return differences


def _known(case: Case, student: str, grade_id: str) -> bool:
    return (student, grade_id) in case.known or (student, WHOLE) in case.known


def assert_matches_nbgrader(result: CaseResult) -> None:
    """Every cell of every submission scores alike, apart from the case's known differences."""
    case = result.case
    for student, grade_id in case.known:
        assert student in result.platform, f"a known difference names no submission: {student}"
        if grade_id != WHOLE:
            assert grade_id in {o.grade_id for o in result.platform[student].outcomes}, (
                f"a known difference names a cell the platform does not grade: "
                f"{student} / {grade_id}"
            )
    mismatches: list[str] = []
    matched = 0
    for student in result.platform:
        if result.platform[student].status != "graded" and student not in result.nbgrader:
            print(f"\n{case.notebook} / {student}: neither system grades it")  # noqa: T201 - the report
        differences = cell_differences(result, student)
        for grade_id, what in differences.items():
            if not _known(case, student, grade_id):
                mismatches.append(f"{student} / {grade_id}: {what}")
        graded_cells = {o.grade_id for o in result.platform[student].outcomes}
        matched += len(graded_cells - set(differences))
    print(  # noqa: T201 - the comparison's report, seen with -s
        f"\n{case.notebook}: {len(result.platform)} submissions, {matched} cells scored alike, "
        f"{len(case.known)} known differences"
    )
    assert not mismatches, f"{case.notebook}: scores differ from nbgrader's:\n" + "\n".join(
        mismatches
    )


# -- the tests -----------------------------------------------------------------------------------


def _result(graded: Callable[[Batch], BatchResult], batch_name: str, notebook: str) -> CaseResult:
    (batch,) = [b for b in BATCHES if b.name == batch_name]
    return graded(batch).cases[notebook]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("batch_name", "notebook"),
    [
        pytest.param(batch.name, case.notebook, id=f"{batch.name}-{case.notebook}")
        for batch in BATCHES
        for case in batch.cases
    ],
)
def test_scores_like_nbgrader(
    graded: Callable[[Batch], BatchResult], batch_name: str, notebook: str
) -> None:
    """Every graded cell of every submission: the same points as nbgrader's autograde."""
    assert_matches_nbgrader(_result(graded, batch_name, notebook))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("batch_name", "notebook"), [(DEMO.name, slug) for slug in demo.ASSIGNMENT_SLUGS]
)
def test_demo_expected_scores_are_nbgraders(
    graded: Callable[[Batch], BatchResult], batch_name: str, notebook: str
) -> None:
    """What the demo module promises (``expected_scores``) is what nbgrader gives."""
    result = _result(graded, batch_name, notebook)
    for variant in demo.VARIANTS:
        assert variant in result.nbgrader, f"nbgrader could not grade {notebook} / {variant}"
        got = {gid: grade.auto_score for gid, grade in result.nbgrader[variant].items()}
        expected = demo.expected_scores(notebook, variant)
        assert set(got) == set(expected), (variant, got, expected)
        wrong = {
            gid: (_number(expected[gid]), _number(got[gid]))
            for gid in expected
            if not same_points(expected[gid], got[gid])
        }
        assert not wrong, f"{notebook} / {variant}: (expected, nbgrader) {wrong}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("batch_name", "notebook", "student", "grade_id"),
    [
        pytest.param(
            batch.name,
            case.notebook,
            student,
            grade_id,
            marks=pytest.mark.xfail(strict=True, reason=reason),
            id=f"{case.notebook}-{student}-{grade_id}",
        )
        for batch in BATCHES
        for case in batch.cases
        for (student, grade_id), reason in case.known.items()
    ],
)
def test_known_difference(
    graded: Callable[[Batch], BatchResult],
    batch_name: str,
    notebook: str,
    student: str,
    grade_id: str,
) -> None:
    """A cell (or submission) the platform scores differently from nbgrader today.

    Strict xfail: once the engine scores it as nbgrader does, this XPASSes and fails, asking for
    the entry in the case's ``known`` map to be removed.
    """
    differences = cell_differences(_result(graded, batch_name, notebook), student)
    if grade_id == WHOLE:
        assert not differences, differences
    else:
        assert WHOLE not in differences, differences[WHOLE]
        assert grade_id not in differences, f"{student} / {grade_id}: {differences[grade_id]}"


def test_every_shipped_fixture_is_compared_or_skipped_with_a_reason() -> None:
    """Upgrading nbgrader brings new fixture notebooks: each must be compared or skipped."""
    shipped = {
        path.relative_to(NBGRADER_TESTS).as_posix()
        for folder in (APPS_FILES, PREPROCESSOR_FILES)
        for path in folder.glob("*.ipynb")
    }
    assert shipped >= COMPARED_FIXTURES, COMPARED_FIXTURES - shipped
    skipped = {
        name
        for patterns in SKIPPED_FIXTURES
        for pattern in patterns
        for name in shipped
        if fnmatch.fnmatch(name, pattern)
    }
    assert not skipped & COMPARED_FIXTURES, skipped & COMPARED_FIXTURES
    assert shipped == COMPARED_FIXTURES | skipped, shipped - COMPARED_FIXTURES - skipped


@pytest.mark.slow
def test_a_duplicated_grade_id_is_refused_by_both(tmp_path: Path) -> None:
    """nbgrader 0.9.6 with its default pipelines does not grade a notebook in which two cells
    share a grade id (its CheckCellMetadata refuses the copy DeduplicateIds emptied); the
    platform refuses it at upload, naming the id (``check_unique_grade_ids``)."""
    course = NbgraderCourse(tmp_path / "nbgrader", cell_timeout_s=FIXTURE_TIMEOUT_S)
    releases = course.generate_assignment("dup", {"nb": apps_file("submitted-unchanged.ipynb")})
    nb = load(releases["nb"])
    copied = v4.new_code_cell("assert a == 1")
    copied.metadata = dict(cell_with_id(nb, "bar").metadata)
    nb.cells.append(copied)
    duplicated = dump(nb)

    result = course.start_autograde("dup", {"nb": {"student": Submission(duplicated)}}).wait()

    assert "student" not in result.grades["nb"], "nbgrader graded a duplicated grade id"
    with pytest.raises(NotebookRejected) as refused:
        check_unique_grade_ids(load(duplicated))
    first = nb.cells.index(cell_with_id(nb, "bar")) + 1
    assert f"bar (cells {first}, {len(nb.cells)})" in refused.value.message
