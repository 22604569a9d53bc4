"""Publishing nbgrader source notebooks: release and grading copies, checksums, validation."""

import hashlib
import json
from decimal import Decimal

import nbformat
import pytest
from nbformat import v3, v4

from courses.nbgrader import (
    CODE_STUB,
    TEXT_STUB,
    GradeCell,
    NbgraderFormatError,
    publish,
    published_from_grading_notebook,
)
from tests.nbgrader_builders import (
    HIDDEN_CHECK,
    answer,
    autotest,
    cell_by_id,
    dump,
    load,
    manual,
    nbgrader,
    notebook,
    plain,
    square_assignment,
    task,
)


def nbgrader_checksum(cell: nbformat.NotebookNode) -> str:
    """nbgrader's compute_checksum, restated from nbgrader/utils.py."""
    meta = cell.metadata.nbgrader
    grade, solution = meta.get("grade", False), meta.get("solution", False)
    locked = not solution and (grade or meta.get("locked", False))
    digest = hashlib.md5(usedforsecurity=False)
    for part in (cell.source, cell.cell_type, str(grade), str(solution), str(locked)):
        digest.update(part.encode())
    digest.update(meta["grade_id"].encode())
    if grade:
        digest.update(str(float(meta["points"])).encode())
    return digest.hexdigest()


def test_it_replaces_solution_regions_with_nbgraders_stub_keeping_the_indent():
    release = load(publish(square_assignment()).release_notebook)

    assert cell_by_id(release, "square").source == (
        "def square(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    )


def test_it_replaces_whole_solution_cells_by_the_code_or_text_stub():
    source = notebook(
        answer("code", "def f():\n    return 1"),
        autotest("t", "assert f() == 1"),
        manual("essay", "The answer is 42."),
    )

    release = load(publish(source).release_notebook)

    assert cell_by_id(release, "code").source == CODE_STUB
    assert cell_by_id(release, "essay").source == TEXT_STUB


def test_it_removes_hidden_tests_from_the_release_notebook():
    release = publish(square_assignment()).release_notebook

    assert cell_by_id(load(release), "test_square").source == "assert square(2) == 4"
    assert b"square(12)" not in release
    assert b"HIDDEN TESTS" not in release


def test_it_keeps_hidden_tests_but_not_solutions_in_the_grading_notebook():
    grading = load(publish(square_assignment()).grading_notebook)

    assert HIDDEN_CHECK in cell_by_id(grading, "test_square").source
    assert "return x * x" not in cell_by_id(grading, "square").source
    assert (
        cell_by_id(grading, "square").source
        == cell_by_id(load(publish(square_assignment()).release_notebook), "square").source
    )


def test_it_removes_mark_schemes_from_the_release_but_not_from_the_grading_copy():
    source = notebook(
        task(
            "essay", "Discuss.\n=== BEGIN MARK SCHEME ===\nMention bias.\n=== END MARK SCHEME ==="
        ),
    )

    published = publish(source)

    assert cell_by_id(load(published.release_notebook), "essay").source == "Discuss."
    assert "Mention bias." in cell_by_id(load(published.grading_notebook), "essay").source


def test_it_computes_nbgraders_checksums_for_every_tracked_cell():
    published = publish(square_assignment())

    for data in (published.release_notebook, published.grading_notebook):
        nb = load(data)
        for grade_id in ("intro", "square", "test_square"):
            cell = cell_by_id(nb, grade_id)
            assert cell.metadata.nbgrader.checksum == nbgrader_checksum(cell)
            assert cell.metadata.nbgrader.cell_type == cell.cell_type


def test_the_release_checksum_of_a_test_cell_covers_its_visible_part_only():
    published = publish(square_assignment())

    released = cell_by_id(load(published.release_notebook), "test_square")
    grading = cell_by_id(load(published.grading_notebook), "test_square")

    assert released.metadata.nbgrader.checksum != grading.metadata.nbgrader.checksum


def test_it_locks_cells_as_nbgrader_does():
    nb = load(publish(square_assignment()).release_notebook)

    assert cell_by_id(nb, "square").metadata == {
        "deletable": False,
        "nbgrader": cell_by_id(nb, "square").metadata.nbgrader,
    }
    for grade_id in ("intro", "test_square"):
        assert cell_by_id(nb, grade_id).metadata.deletable is False
        assert cell_by_id(nb, grade_id).metadata.editable is False


def test_it_clears_outputs_and_execution_counts():
    nb = v4.new_notebook(
        cells=[
            answer("a", "x = 1"),
            autotest("t", "assert x == 1"),
        ]
    )
    nb.cells[1].outputs = [v4.new_output("stream", name="stdout", text="instructor output")]
    nb.cells[1].execution_count = 7

    release = load(publish(dump(nb)).release_notebook)

    assert release.cells[1].outputs == []
    assert release.cells[1].execution_count is None


def test_it_drops_the_model_answers_images_and_the_widget_state():
    essay = manual("essay", "See ![plot](attachment:plot.png)")
    essay.attachments = {"plot.png": {"image/png": "iVBORw0KGgo="}}
    nb = v4.new_notebook(cells=[essay])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}

    published = publish(dump(nb))

    for data in (published.release_notebook, published.grading_notebook):
        assert b"iVBORw0KGgo" not in data
        assert "widgets" not in load(data).metadata


def test_it_lists_grade_cells_with_their_kind_and_decimal_points():
    source = notebook(
        answer("a", "x = 1"),
        autotest("t1", "assert x == 1", points=1.5),
        manual("essay", "Because.", points=2),
        task("project", "Do it.", points=3),
        plain("print('not graded')"),
    )

    published = publish(source)

    assert published.grade_cells == (
        GradeCell("t1", "autograded", Decimal("1.5"), "code", 1),
        GradeCell("essay", "manual", Decimal("2"), "markdown", 2),
        GradeCell("project", "task", Decimal("3"), "markdown", 3),
    )
    assert published.max_points == Decimal("6.5")
    assert published.autograded_points == Decimal("1.5")
    assert published.manual_points == Decimal("5")
    assert all(isinstance(c.points, Decimal) for c in published.grade_cells)


def test_the_published_notebooks_are_valid_nbformat():
    published = publish(square_assignment())

    for data in (published.release_notebook, published.grading_notebook):
        nbformat.validate(nbformat.reads(data.decode(), as_version=nbformat.NO_CONVERT))


def test_it_rebuilds_the_assignment_from_its_grading_notebook():
    published = publish(square_assignment())

    assert published_from_grading_notebook(published.grading_notebook) == published


def test_it_refuses_a_source_notebook_as_a_grading_notebook():
    with pytest.raises(NbgraderFormatError, match="this is a source notebook"):
        published_from_grading_notebook(square_assignment())


def test_it_upgrades_schema_0_metadata_as_nbgrader_update_does():
    nb = v4.new_notebook(
        cells=[
            v4.new_code_cell("x = 1", metadata={"nbgrader": {"solution": True, "grade_id": "a"}}),
            v4.new_code_cell(
                "assert x == 1",
                metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": "3"}},
            ),
            v4.new_code_cell(
                "assert x", metadata={"nbgrader": {"grade": True, "grade_id": "u", "points": -2}}
            ),
            v4.new_code_cell("y = 2", metadata={"nbgrader": {"grade_id": "nothing", "foo": 1}}),
        ]
    )

    published = publish(dump(nb))

    assert [(c.grade_id, c.points) for c in published.grade_cells] == [
        ("t", Decimal("3.0")),
        ("u", Decimal("0.0")),
    ]
    grading = load(published.grading_notebook)
    assert cell_by_id(grading, "t").metadata.nbgrader.schema_version == 3
    assert "nbgrader" not in grading.cells[3].metadata


def test_it_reads_schema_4_metadata_as_schema_3():
    cell = autotest("t", "assert True")
    cell.metadata.nbgrader.update(schema_version=4, duplicate=False)

    grading = load(publish(notebook(cell)).grading_notebook)

    assert grading.cells[0].metadata.nbgrader.schema_version == 3
    assert "duplicate" not in grading.cells[0].metadata.nbgrader


def test_it_upgrades_nbformat_3_notebooks():
    cells = [
        v3.new_code_cell(input="x = 1", metadata=nbgrader(solution=True, grade_id="a")),
        v3.new_code_cell(
            input="assert x == 1", metadata=nbgrader(grade=True, grade_id="t", points=1)
        ),
    ]
    old = v3.new_notebook(worksheets=[v3.new_worksheet(cells=cells)])

    published = publish(nbformat.writes(old, version=3).encode())

    assert json.loads(published.release_notebook)["nbformat"] == 4
    assert [c.grade_id for c in published.grade_cells] == ["t"]


def test_errors_name_the_cell_by_number_and_grade_id():
    with pytest.raises(NbgraderFormatError) as caught:
        publish(notebook(answer("a", "x = 1"), autotest("t", "assert x", points=-1)))

    assert caught.value.cell_number == 2
    assert caught.value.grade_id == "t"
    assert str(caught.value).startswith("Cell 2 (grade_id 't'): points must be a non-negative")


def _with_meta(cell: nbformat.NotebookNode, **fields: object) -> nbformat.NotebookNode:
    cell.metadata.nbgrader.update(fields)
    return cell


INVALID_NOTEBOOKS = [
    pytest.param(b"{not json", "The file is not a notebook", id="not-json"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, "not a notebook", id="deeply-nested"),
    pytest.param(b"[1, 2]", "not a notebook", id="json-but-not-an-object"),
    pytest.param(
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "nope"}',
        "The notebook is not valid",
        id="invalid-nbformat",
    ),
    pytest.param(
        notebook(answer("a", "x = 1"), autotest("a", "assert x")),
        "Cell 2 (grade_id 'a'): grade_id 'a' is already used by cell 1",
        id="duplicate-grade-id",
    ),
    pytest.param(
        notebook(autotest("t", "assert 1", points=-0.5)),
        "Cell 1 (grade_id 't'): points must be a non-negative number",
        id="negative-points",
    ),
    pytest.param(
        notebook(_with_meta(autotest("t", "assert 1"), points="2")),
        "points must be a non-negative number, not '2'",
        id="string-points",
    ),
    pytest.param(
        notebook(_with_meta(autotest("t", "assert 1"), points=float("nan"))),
        "points must be a non-negative number",
        id="nan-points",
    ),
    pytest.param(
        notebook(v4.new_code_cell("assert 1", metadata=nbgrader(grade=True, grade_id="t"))),
        "Cell 1 (grade_id 't'): the cell is graded but has no points",
        id="missing-points",
    ),
    pytest.param(
        notebook(v4.new_code_cell("assert 1", metadata=nbgrader(grade=True, points=1))),
        "Cell 1: the cell has no grade_id",
        id="missing-grade-id",
    ),
    pytest.param(
        notebook(autotest("t 1", "assert 1")),
        "grade_id 't 1' may only contain letters, digits",
        id="bad-grade-id",
    ),
    pytest.param(
        notebook(_with_meta(autotest("t", "assert 1"), grade="yes")),
        "'grade' must be true or false",
        id="flag-not-boolean",
    ),
    pytest.param(
        notebook(_with_meta(autotest("t", "assert 1"), colour="red")),
        "unknown nbgrader metadata key(s): colour",
        id="unknown-key",
    ),
    pytest.param(
        notebook(_with_meta(autotest("t", "assert 1"), schema_version=5)),
        "schema version 5, newer than",
        id="schema-too-new",
    ),
    pytest.param(
        notebook(v4.new_code_cell("x", metadata={"nbgrader": {"grade": True, "points": "lots"}})),
        "points must be a number, not 'lots'",
        id="schema-0-unreadable-points",
    ),
    pytest.param(
        notebook(
            autotest("t", "assert 1"),
            plain("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
        ),
        "Cell 2: the cell has a solution region but is not a solution cell",
        id="solution-outside-solution-cell",
    ),
    pytest.param(
        notebook(
            answer("a", "x = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS"),
            autotest("t", "assert x"),
        ),
        "Cell 1 (grade_id 'a'): the cell has hidden tests but is not an autograder tests cell",
        id="hidden-tests-outside-test-cell",
    ),
    pytest.param(
        notebook(
            autotest("t", "assert 1"),
            manual("m", "BEGIN MARK SCHEME\nx\nEND MARK SCHEME"),
        ),
        "Cell 2 (grade_id 'm'): the cell has a mark scheme but is not a manually graded task",
        id="mark-scheme-outside-task",
    ),
    pytest.param(
        notebook(
            answer("a", "### BEGIN SOLUTION\n### BEGIN SOLUTION\nx\n### END SOLUTION"),
            autotest("t", "assert 1"),
        ),
        "line 2 opens a solution region inside the one opened on line 1",
        id="nested-solution",
    ),
    pytest.param(
        notebook(answer("a", "### BEGIN SOLUTION\nx = 1"), autotest("t", "assert 1")),
        "the '### BEGIN SOLUTION' on line 1 has no '### END SOLUTION'",
        id="unterminated-solution",
    ),
    pytest.param(
        notebook(answer("a", "x = 1\n### END SOLUTION"), autotest("t", "assert 1")),
        "line 2 has '### END SOLUTION' without '### BEGIN SOLUTION'",
        id="stray-end-solution",
    ),
    pytest.param(
        notebook(autotest("t", "### BEGIN HIDDEN TESTS\nassert 1")),
        "has no 'END HIDDEN TESTS'",
        id="unterminated-hidden-tests",
    ),
    pytest.param(
        notebook(answer("a", "x = 1"), plain("assert x == 1")),
        "The notebook has no graded cells",
        id="no-graded-cells",
    ),
    pytest.param(
        notebook(
            v4.new_markdown_cell("text", metadata=nbgrader(grade=True, grade_id="m", points=1))
        ),
        "a graded markdown cell must also be a solution cell",
        id="markdown-grade-without-solution",
    ),
    pytest.param(
        notebook(
            v4.new_code_cell("x", metadata=nbgrader(task=True, locked=True, grade_id="k", points=1))
        ),
        "task cells must be markdown cells",
        id="code-task",
    ),
]


@pytest.mark.parametrize(("source", "message"), INVALID_NOTEBOOKS)
def test_it_refuses_what_nbgrader_refuses_with_a_readable_message(source: bytes, message: str):
    with pytest.raises(NbgraderFormatError) as caught:
        publish(source)

    assert message in str(caught.value)


@pytest.mark.parametrize("directive", ["### AUTOTEST square(3)", "### HASHED AUTOTEST square(3)"])
def test_a_directive_left_uninstantiated_is_refused_instead_of_graded_as_a_comment(directive):
    source = notebook(
        answer("square", "def square(x):\n    return x * x"), autotest("t", directive)
    )
    with pytest.raises(
        NbgraderFormatError, match=r"Cell 2 .*still holds an ### AUTOTEST directive"
    ):
        publish(source)
