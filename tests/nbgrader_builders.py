"""Building nbgrader-format notebooks in code, for publishing and grading tests."""

from __future__ import annotations

from typing import Any

import nbformat
from nbformat import NotebookNode, v4

PYTHON = {"name": "python3", "display_name": "Python 3", "language": "python"}


def nbgrader(**fields: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"schema_version": 3, "grade": False, "solution": False, "locked": False}
    meta.update(fields)
    return {"nbgrader": meta}


def answer(grade_id: str, source: str) -> NotebookNode:
    """An autograded answer (solution cell)."""
    return v4.new_code_cell(source, metadata=nbgrader(solution=True, grade_id=grade_id))


def autotest(grade_id: str, source: str, points: float = 1) -> NotebookNode:
    """An autograder tests cell."""
    return v4.new_code_cell(source, metadata=nbgrader(grade=True, grade_id=grade_id, points=points))


def manual(grade_id: str, source: str, points: float = 1) -> NotebookNode:
    """A manually graded answer (markdown)."""
    return v4.new_markdown_cell(
        source, metadata=nbgrader(grade=True, solution=True, grade_id=grade_id, points=points)
    )


def task(grade_id: str, source: str, points: float = 1) -> NotebookNode:
    return v4.new_markdown_cell(
        source, metadata=nbgrader(task=True, locked=True, grade_id=grade_id, points=points)
    )


def readonly(grade_id: str, source: str, *, code: bool = True) -> NotebookNode:
    make = v4.new_code_cell if code else v4.new_markdown_cell
    return make(source, metadata=nbgrader(locked=True, grade_id=grade_id))


def plain(source: str) -> NotebookNode:
    return v4.new_code_cell(source)


def notebook(*cells: NotebookNode, kernelspec: dict[str, str] | None = None) -> bytes:
    nb = v4.new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = dict(kernelspec or PYTHON)
    return nbformat.writes(nb).encode()


def load(data: bytes) -> NotebookNode:
    return nbformat.reads(data.decode(), as_version=4)


def dump(nb: NotebookNode) -> bytes:
    return nbformat.writes(nb).encode()


def cell_by_id(nb: NotebookNode, grade_id: str) -> NotebookNode:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def edited(release: bytes, **sources: str) -> bytes:
    """The release notebook with the cells named by grade_id given new sources."""
    nb = load(release)
    for grade_id, source in sources.items():
        cell_by_id(nb, grade_id).source = source
    return dump(nb)


SQUARE_SOURCE = "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION"
HIDDEN_CHECK = "assert square(12) == 144, 'the hidden check'"


def square_assignment(points: float = 2) -> bytes:
    """One answer, one test cell with a visible and a hidden part."""
    return notebook(
        readonly("intro", "# Squares\nWrite `square`.", code=False),
        answer("square", SQUARE_SOURCE),
        autotest(
            "test_square",
            "assert square(2) == 4\n### BEGIN HIDDEN TESTS\n"
            + HIDDEN_CHECK
            + "\n### END HIDDEN TESTS",
            points,
        ),
    )
