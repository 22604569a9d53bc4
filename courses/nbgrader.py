"""nbgrader-format assignments: validation and publishing (pure functions, no Django).

The format and its semantics are nbgrader's (cell metadata schema v3), so that instructors bring
their existing assignments and the same notebook earns the same points here as under nbgrader.
Publishing follows ``nbgrader generate_assignment``: lock cells, clear solutions, clear outputs,
compute checksums, *save the cells* (our grading copy), then clear hidden tests and mark schemes
and compute checksums again (the release notebook). The grading copy therefore still holds the
hidden tests, which autograding restores into every submission.

The errors are worded in the active language when Django is configured (see
``courses/plain_i18n.py``), so an instructor reads them in theirs; in English otherwise.
Identifiers and markers appear as Python literals (``'q1'``, ``'### END SOLUTION'``).
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import nbformat
from nbformat.reader import reads as _read_any_version

from courses.plain_i18n import gettext as _
from courses.plain_i18n import gettext_noop

__all__ = [
    "CODE_STUB",
    "Cell",
    "Notebook",
    "TEXT_STUB",
    "GradeCell",
    "GradeKind",
    "NbgraderFormatError",
    "PublishedAssignment",
    "cell_grade_id",
    "compute_checksum",
    "grade_cells_of",
    "has_hidden_tests",
    "is_grade",
    "is_locked",
    "is_solution",
    "is_task",
    "publish",
    "published_from_grading_notebook",
    "read_notebook",
    "release_source",
    "write_notebook",
]

SCHEMA_VERSION = 3
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"

GradeKind = Literal["autograded", "manual", "task"]
Cell = dict[str, Any]
Notebook = dict[str, Any]

_ALLOWED_KEYS = frozenset(
    {
        "schema_version",
        "grade",
        "locked",
        "solution",
        "task",
        "grade_id",
        "points",
        "checksum",
        "cell_type",
    }
)
_GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]*$")
_MAX_ERROR_DETAIL = 300


class NbgraderFormatError(ValueError):
    """A notebook that nbgrader would refuse, with a message an instructor can act on."""

    def __init__(
        self, problem: str, *, cell_number: int | None = None, grade_id: str | None = None
    ) -> None:
        self.problem = problem
        self.cell_number = cell_number
        self.grade_id = grade_id
        super().__init__(self._message())

    def _message(self) -> str:
        if self.cell_number is None:
            return self.problem
        if self.grade_id:
            return _("Cell %(cell)s (grade_id %(grade_id)s): %(problem)s") % {
                "cell": self.cell_number,
                "grade_id": repr(self.grade_id),
                "problem": self.problem,
            }
        return _("Cell %(cell)s: %(problem)s") % {"cell": self.cell_number, "problem": self.problem}


@dataclass(frozen=True)
class GradeCell:
    """One graded cell of an assignment; ``cell_index`` is 0-based in the grading notebook."""

    grade_id: str
    kind: GradeKind
    points: Decimal
    cell_type: str
    cell_index: int


@dataclass(frozen=True)
class PublishedAssignment:
    """What publishing produces. Only ``release_notebook`` may ever reach participants."""

    release_notebook: bytes
    grading_notebook: bytes
    grade_cells: tuple[GradeCell, ...]
    max_points: Decimal
    autograded_points: Decimal
    manual_points: Decimal


# -- nbgrader's cell predicates (nbgrader/utils.py) -------------------------------------------


def qualified_grade_id(notebook: str, grade_id: str) -> str:
    """A grade id that is unique in a multi-notebook assignment: nbgrader keeps grade ids unique
    per notebook only, so ``problem1.ipynb``'s ``square`` is ``problem1/square``. Every record
    keyed by grade id (results, review scores, overrides, regrades, hints, the audit) uses it
    unchanged (docs/grading.md, "Multi-notebook assignments")."""
    return f"{notebook.removesuffix('.ipynb')}/{grade_id}"


def _nbgrader_meta(cell: Cell) -> dict[str, Any] | None:
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return None
    meta = metadata.get("nbgrader")
    return meta if isinstance(meta, dict) else None


def is_grade(cell: Cell) -> bool:
    meta = _nbgrader_meta(cell)
    return bool(meta and meta.get("grade", False))


def is_solution(cell: Cell) -> bool:
    meta = _nbgrader_meta(cell)
    return bool(meta and meta.get("solution", False))


def is_task(cell: Cell) -> bool:
    meta = _nbgrader_meta(cell)
    return bool(meta and meta.get("task", False))


def is_locked(cell: Cell) -> bool:
    """Whether autograding overwrites the cell's source with the server copy."""
    meta = _nbgrader_meta(cell)
    if meta is None or is_solution(cell):
        return False
    if is_grade(cell):
        return True
    return bool(meta.get("locked", False))


def cell_grade_id(cell: Cell) -> str | None:
    meta = _nbgrader_meta(cell)
    grade_id = meta.get("grade_id") if meta else None
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _is_tracked(cell: Cell) -> bool:
    """Cells that carry a grade id nbgrader keeps track of (and restores or grades)."""
    return is_grade(cell) or is_solution(cell) or is_locked(cell) or is_task(cell)


def _source(cell: Cell) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return source if isinstance(source, str) else ""


def compute_checksum(cell: Cell) -> str:
    """nbgrader's checksum, byte for byte, so nbgrader's own tools accept our notebooks."""
    meta = _nbgrader_meta(cell) or {}
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(_source(cell).encode("utf-8"))
    digest.update(str(cell.get("cell_type", "")).encode("utf-8"))
    digest.update(str(meta.get("grade", False)).encode("utf-8"))
    digest.update(str(meta.get("solution", False)).encode("utf-8"))
    digest.update(str(is_locked(cell)).encode("utf-8"))
    digest.update(str(meta.get("grade_id", "")).encode("utf-8"))
    if is_grade(cell):
        digest.update(str(float(meta["points"])).encode("utf-8"))
    return digest.hexdigest()


# -- marker regions --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    begin: str
    end: str
    # nbgrader matches solution delimiters as whole lines, hidden-test and mark-scheme
    # delimiters anywhere in a line; we keep both rules.
    whole_line: bool
    # The refusal of a region opened inside another (an untranslated message, see _nested).
    nested: str

    def is_begin(self, line: str) -> bool:
        return line.strip() == self.begin if self.whole_line else self.begin in line

    def is_end(self, line: str) -> bool:
        return line.strip() == self.end if self.whole_line else self.end in line


_SOLUTION = _Region(
    "### BEGIN SOLUTION",
    "### END SOLUTION",
    whole_line=True,
    nested=gettext_noop(
        "line %(line)s opens a solution region inside the one opened on line %(opened_at)s "
        "(regions cannot be nested)."
    ),
)
_HIDDEN_TESTS = _Region(
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    whole_line=False,
    nested=gettext_noop(
        "line %(line)s opens a hidden tests region inside the one opened on line %(opened_at)s "
        "(regions cannot be nested)."
    ),
)
_MARK_SCHEME = _Region(
    "BEGIN MARK SCHEME",
    "END MARK SCHEME",
    whole_line=False,
    nested=gettext_noop(
        "line %(line)s opens a mark scheme region inside the one opened on line %(opened_at)s "
        "(regions cannot be nested)."
    ),
)


class _MarkerError(ValueError):
    """A region's markers do not pair up; the message is a finished sentence."""


def _rewrite_regions(
    source: str, region: _Region, stub: Callable[[str], list[str]] | None
) -> tuple[str, bool]:
    """Replace each region (markers included) by ``stub(indent)``, or drop it when None."""
    lines = source.split("\n")
    kept: list[str] = []
    opened_at: int | None = None
    found = False
    for number, line in enumerate(lines, start=1):
        if region.is_begin(line):
            if opened_at is not None:
                raise _MarkerError(_(region.nested) % {"line": number, "opened_at": opened_at})
            opened_at = number
            found = True
            if stub is not None:
                indent = line[: line.find(region.begin)] if region.begin in line else ""
                kept.extend(stub(indent))
        elif region.is_end(line):
            if opened_at is None:
                raise _MarkerError(
                    _("line %(line)s has %(end)s without %(begin)s.")
                    % {"line": number, "end": repr(region.end), "begin": repr(region.begin)}
                )
            opened_at = None
        elif opened_at is None:
            kept.append(line)
    if opened_at is not None:
        raise _MarkerError(
            _("the %(begin)s on line %(line)s has no %(end)s.")
            % {"begin": repr(region.begin), "line": opened_at, "end": repr(region.end)}
        )
    return "\n".join(kept), found


def _stub_for(cell_type: str) -> Callable[[str], list[str]]:
    stub = CODE_STUB if cell_type == "code" else TEXT_STUB
    return lambda indent: [indent + line for line in stub.split("\n")]


def _strip_region(source: str, region: _Region) -> str:
    try:
        return _rewrite_regions(source, region, None)[0]
    except _MarkerError:
        return source


def has_hidden_tests(source: str) -> bool:
    return any(_HIDDEN_TESTS.is_begin(line) for line in source.split("\n"))


def release_source(cell: Cell) -> str:
    """The source of a grading-copy cell as participants received it."""
    return _strip_region(_strip_region(_source(cell), _HIDDEN_TESTS), _MARK_SCHEME)


# -- reading and writing -----------------------------------------------------------------------


def read_notebook(data: bytes) -> Notebook:
    """Parse an .ipynb (any nbformat version, upgraded to v4) and validate it strictly.

    Raises NbgraderFormatError with a readable reason. JSON nested deeply enough to exhaust
    the recursion limit is a refusal like any other, not a crash.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NbgraderFormatError(_("The file is not a notebook: it is not UTF-8 text.")) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = _read_any_version(text)
            notebook = nbformat.convert(notebook, 4)
            nbformat.validate(notebook)
    except RecursionError:
        raise NbgraderFormatError(
            _("The file is not a notebook: it is nested too deeply.")
        ) from None
    except nbformat.ValidationError as error:
        detail = _clip(str(error.message), _MAX_ERROR_DETAIL)
        # nbformat's own (English) description of the problem
        raise NbgraderFormatError(
            _("The notebook is not valid: %(detail)s") % {"detail": detail}
        ) from None
    except Exception as error:  # noqa: BLE001 - nbformat raises a zoo of types for bad input
        detail = _clip(str(error), _MAX_ERROR_DETAIL) or type(error).__name__
        raise NbgraderFormatError(
            _("The file is not a notebook: %(detail)s") % {"detail": detail}
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NbgraderFormatError(_("The file is not a notebook: it has no list of cells."))
    result: Notebook = notebook
    return result


def write_notebook(notebook: Notebook) -> bytes:
    """Serialise deterministically (nbformat's own writer: sorted keys, one-space indent)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text: str = nbformat.writes(nbformat.from_dict(notebook), version=4)
    return text.encode("utf-8")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- metadata: upgrade and validation (nbgrader/nbgraderformat v1..v3) -------------------------


def _fail(problem: str, number: int, meta: dict[str, Any] | None = None) -> NbgraderFormatError:
    grade_id = meta.get("grade_id") if meta else None
    return NbgraderFormatError(
        problem, cell_number=number, grade_id=grade_id if isinstance(grade_id, str) else None
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _upgrade_from_v0(metadata: dict[str, Any], meta: dict[str, Any], number: int) -> None:
    for flag in ("grade", "solution", "locked"):
        meta.setdefault(flag, False)
    if not (meta["grade"] or meta["solution"] or meta["locked"]):
        del metadata["nbgrader"]
        return
    if not meta["grade"]:
        meta.pop("points", None)
    else:
        points = meta.get("points", 0.0)
        if points == "":
            points = 0.0
        try:
            value = float(points)
        except (TypeError, ValueError):
            raise _fail(
                _("points must be a number, not %(points)s.") % {"points": repr(points)},
                number,
                meta,
            ) from None
        meta["points"] = max(value, 0.0)
    meta["schema_version"] = 1


def _upgrade(metadata: dict[str, Any], number: int) -> None:
    """Bring old metadata up to schema 3 exactly as ``nbgrader update`` would."""
    meta = metadata["nbgrader"]
    version = meta.get("schema_version", 0)
    if version == 0:
        _upgrade_from_v0(metadata, meta, number)
        if "nbgrader" not in metadata:
            return
    if meta["schema_version"] == 1:
        if "checksum" in meta and "cell_type" not in meta:
            meta["cell_type"] = None  # filled in below, once the cell type is known
        meta["schema_version"] = 2
    if meta["schema_version"] == 2:
        meta["schema_version"] = SCHEMA_VERSION
    for key in set(meta) - _ALLOWED_KEYS:
        del meta[key]


def _check_schema(meta: dict[str, Any], number: int) -> None:
    extra = sorted(set(meta) - _ALLOWED_KEYS)
    if extra:
        raise _fail(
            _("unknown nbgrader metadata key(s): %(keys)s.") % {"keys": ", ".join(extra)},
            number,
            meta,
        )
    for flag in ("grade", "solution", "locked"):
        if flag not in meta:
            raise _fail(
                _("the nbgrader metadata lacks %(flag)s.") % {"flag": repr(flag)}, number, meta
            )
    for flag in ("grade", "solution", "locked", "task"):
        if flag in meta and not isinstance(meta[flag], bool):
            raise _fail(
                _("%(flag)s must be true or false, not %(value)s.")
                % {"flag": repr(flag), "value": repr(meta[flag])},
                number,
                meta,
            )
    if "grade_id" in meta:
        grade_id = meta["grade_id"]
        if not isinstance(grade_id, str) or not _GRADE_ID.match(grade_id):
            raise _fail(
                _("grade_id %(grade_id)s may only contain letters, digits, '_' and '-'.")
                % {"grade_id": repr(grade_id)},
                number,
            )
    if "points" in meta:
        points = meta["points"]
        if not _is_number(points) or not math.isfinite(points) or points < 0:
            raise _fail(
                _("points must be a non-negative number, not %(points)s.")
                % {"points": repr(points)},
                number,
                meta,
            )
    if "checksum" in meta and not (
        isinstance(meta["checksum"], str) and len(meta["checksum"]) == 32
    ):
        raise _fail(_("the checksum is not a 32-character string."), number, meta)
    if "cell_type" in meta and meta["cell_type"] not in ("raw", "code", "markdown"):
        raise _fail(
            _("cell_type %(cell_type)s is not raw, code or markdown.")
            % {"cell_type": repr(meta["cell_type"])},
            number,
            meta,
        )


def _check_semantics(cell: Cell, meta: dict[str, Any], number: int) -> None:
    grade, solution, locked = meta["grade"], meta["solution"], meta["locked"]
    task = meta.get("task", False)
    cell_type = cell.get("cell_type")
    if (grade or solution or locked or task) and not meta.get("grade_id"):
        raise _fail(_("the cell has no grade_id (every nbgrader cell needs a unique one)."), number)
    if (grade or task) and "points" not in meta:
        raise _fail(_("the cell is graded but has no points."), number, meta)
    if task:
        if cell_type != "markdown":
            raise _fail(_("task cells must be markdown cells."), number, meta)
        if grade or solution:
            raise _fail(_("a task cell cannot also be a grade or solution cell."), number, meta)
        return
    if cell_type == "raw" and (grade or solution):
        raise _fail(_("raw cells cannot be graded or hold solutions."), number, meta)
    if cell_type == "markdown" and grade and not solution:
        raise _fail(
            _("a graded markdown cell must also be a solution cell (a manually graded answer)."),
            number,
            meta,
        )
    if cell_type == "markdown" and solution and not grade:
        raise _fail(
            _("a markdown solution cell must also be graded (a manually graded answer)."),
            number,
            meta,
        )


def _normalise_metadata(cell: Cell, number: int) -> None:
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict) or "nbgrader" not in metadata:
        return
    meta = metadata["nbgrader"]
    if not isinstance(meta, dict):
        raise _fail(_("metadata.nbgrader must be an object."), number)
    version = meta.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise _fail(
            _("schema_version %(version)s is not a version number.") % {"version": repr(version)},
            number,
            meta,
        )
    if version > 4:
        raise _fail(
            _(
                "the nbgrader metadata uses schema version %(version)s, newer than the versions "
                "this platform reads (up to 4); republish it from nbgrader 0.9 or older."
            )
            % {"version": version},
            number,
            meta,
        )
    if version < SCHEMA_VERSION:
        _upgrade(metadata, number)
        if "nbgrader" not in metadata:
            return
        if meta.get("cell_type", "") is None:
            meta["cell_type"] = cell.get("cell_type")
    elif version == 4:
        # Schema 4 only adds "duplicate", a flag nbgrader sets while autograding.
        meta.pop("duplicate", None)
        meta["schema_version"] = SCHEMA_VERSION
    _check_schema(meta, number)
    _check_semantics(cell, meta, number)
    if meta.get("task", False):
        # nbgrader's own editor always locks tasks; autograding relies on it to restore them.
        meta["locked"] = True


def _check_unique_ids(cells: list[Cell]) -> None:
    seen: dict[str, int] = {}
    for number, cell in enumerate(cells, start=1):
        if not _is_tracked(cell):
            continue
        grade_id = cell_grade_id(cell)
        assert grade_id is not None  # _check_semantics guarantees it
        if grade_id in seen:
            raise NbgraderFormatError(
                _(
                    "grade_id %(grade_id)s is already used by cell %(cell)s; "
                    "grade ids must be unique."
                )
                % {"grade_id": repr(grade_id), "cell": seen[grade_id]},
                cell_number=number,
                grade_id=grade_id,
            )
        seen[grade_id] = number


_AUTOTEST = re.compile(r"^\s*###\s*(HASHED\s+)?AUTOTEST\b", re.MULTILINE)


def _check_markers(cell: Cell, number: int) -> None:
    source = _source(cell)
    meta = _nbgrader_meta(cell)
    if cell.get("cell_type") == "code" and _AUTOTEST.search(source):
        # Publishing instantiates these first (courses/nbgrader_autotest.py, with a kernel);
        # kept as comments they would pass for any answer, so one left over is refused.
        raise _fail(
            _(
                "still holds an ### AUTOTEST directive: the directives are turned into tests "
                "when the notebook is published through the platform (its publish page, API or "
                "course import), which runs the notebook to do so."
            ),
            number,
            meta,
        )
    checks: tuple[tuple[_Region, bool, str], ...] = (
        (
            _SOLUTION,
            is_solution(cell),
            gettext_noop(
                "the cell has a solution region but is not a solution cell (mark it as an "
                "autograded or manually graded answer)."
            ),
        ),
        (
            _HIDDEN_TESTS,
            is_grade(cell) and not is_solution(cell),
            gettext_noop("the cell has hidden tests but is not an autograder tests cell."),
        ),
        (
            _MARK_SCHEME,
            is_task(cell),
            gettext_noop("the cell has a mark scheme but is not a manually graded task cell."),
        ),
    )
    for region, allowed, problem in checks:
        try:
            found = _rewrite_regions(source, region, None)[1]
        except _MarkerError as error:
            raise _fail(str(error), number, meta) from None
        if found and not allowed:
            raise _fail(_(problem), number, meta)


# -- the generate_assignment pipeline ---------------------------------------------------------


def _lock(cell: Cell) -> None:
    """nbgrader's LockCells: answers stay editable, tests and read-only cells do not."""
    metadata = cell.setdefault("metadata", {})
    if is_solution(cell):
        metadata["deletable"] = False
    elif is_grade(cell) or is_locked(cell):
        metadata["deletable"] = False
        metadata["editable"] = False


def _clear_solution(cell: Cell) -> None:
    if not is_solution(cell):
        return
    cell_type = str(cell.get("cell_type"))
    source, replaced = _rewrite_regions(_source(cell), _SOLUTION, _stub_for(cell_type))
    # A solution cell without a region is a solution as a whole (nbgrader's ClearSolutions).
    cell["source"] = source if replaced else (CODE_STUB if cell_type == "code" else TEXT_STUB)
    attachments = cell.get("attachments")
    if isinstance(attachments, dict):
        # Images pasted into the model answer would otherwise ship with the release.
        kept = {k: v for k, v in attachments.items() if f"attachment:{k}" in cell["source"]}
        if kept:
            cell["attachments"] = kept
        else:
            del cell["attachments"]


def _clear_output(cell: Cell) -> None:
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    metadata = cell.get("metadata", {})
    for key in ("collapsed", "scrolled", "execution"):
        metadata.pop(key, None)


def _set_checksum(cell: Cell) -> None:
    meta = _nbgrader_meta(cell)
    if meta is None:
        return
    meta["schema_version"] = SCHEMA_VERSION
    if is_grade(cell) or is_solution(cell) or is_locked(cell):
        meta["checksum"] = compute_checksum(cell)
        meta["cell_type"] = cell.get("cell_type")


def _kind(cell: Cell) -> GradeKind:
    if is_task(cell):
        return "task"
    if is_solution(cell) or cell.get("cell_type") != "code":
        return "manual"
    return "autograded"


def grade_cells_of(notebook: Notebook) -> tuple[GradeCell, ...]:
    """The graded cells of a validated notebook, in notebook order."""
    found: list[GradeCell] = []
    for index, cell in enumerate(notebook["cells"]):
        if not (is_grade(cell) or is_task(cell)):
            continue
        meta = _nbgrader_meta(cell) or {}
        grade_id = cell_grade_id(cell)
        assert grade_id is not None
        found.append(
            GradeCell(
                grade_id=grade_id,
                kind=_kind(cell),
                points=Decimal(str(meta["points"])),
                cell_type=str(cell.get("cell_type")),
                cell_index=index,
            )
        )
    return tuple(found)


def _total(cells: Iterable[GradeCell]) -> Decimal:
    return sum((cell.points for cell in cells), Decimal(0))


def _validate(notebook: Notebook) -> None:
    cells: list[Cell] = notebook["cells"]
    for number, cell in enumerate(cells, start=1):
        _normalise_metadata(cell, number)
    _check_unique_ids(cells)
    for number, cell in enumerate(cells, start=1):
        _check_markers(cell, number)
    if not any(is_grade(cell) or is_task(cell) for cell in cells):
        raise NbgraderFormatError(
            _(
                "The notebook has no graded cells: mark at least one cell as autograder tests, "
                "a manually graded answer or a manually graded task."
            )
        )


def _finish(grading: Notebook) -> PublishedAssignment:
    release = copy.deepcopy(grading)
    for cell in release["cells"]:
        cell["source"] = release_source(cell)
        _set_checksum(cell)
    grade_cells = grade_cells_of(grading)
    return PublishedAssignment(
        release_notebook=write_notebook(release),
        grading_notebook=write_notebook(grading),
        grade_cells=grade_cells,
        max_points=_total(grade_cells),
        autograded_points=_total(c for c in grade_cells if c.kind == "autograded"),
        manual_points=_total(c for c in grade_cells if c.kind != "autograded"),
    )


def publish(source: bytes) -> PublishedAssignment:
    """Turn an instructor's nbgrader source notebook into release and grading notebooks.

    Raises NbgraderFormatError for anything nbgrader's generate_assignment would refuse (and for
    a notebook without graded cells). Old metadata schemas (0-2) are upgraded as
    ``nbgrader update`` does; schema 4 is read as 3.
    """
    notebook = read_notebook(source)
    _validate(notebook)
    for cell in notebook["cells"]:
        _lock(cell)
        _clear_solution(cell)
        _clear_output(cell)
        _set_checksum(cell)
    metadata = notebook.get("metadata", {})
    metadata.pop("celltoolbar", None)
    # Widget state belongs to the cleared outputs and may show the instructor's results.
    metadata.pop("widgets", None)
    return _finish(notebook)


def published_from_grading_notebook(grading_notebook: bytes) -> PublishedAssignment:
    """Rebuild a PublishedAssignment from a stored grading notebook (solutions already cleared).

    The grading notebook is not re-processed (publishing twice would turn partly stubbed
    solution cells into whole stubs), only validated; the release notebook is derived again.
    """
    notebook = read_notebook(grading_notebook)
    _validate(notebook)
    for number, cell in enumerate(notebook["cells"], start=1):
        if any(_SOLUTION.is_begin(line) for line in _source(cell).split("\n")):
            raise NbgraderFormatError(
                _(
                    "the cell still holds a solution: this is a source notebook, not a grading "
                    "notebook, so publish it instead."
                ),
                cell_number=number,
                grade_id=cell_grade_id(cell),
            )
    return _finish(notebook)
