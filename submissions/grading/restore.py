"""Rebuild a submission for grading from the participant's notebook and the grading copy.

nbgrader's autograde sanitizing steps (ClearOutput, DeduplicateIds, OverwriteKernelspec,
OverwriteCells), made stricter where nbgrader trusts the submission: the nbgrader metadata of
every known cell is taken from the server copy as a whole, so a participant cannot turn a test
cell into an answer by flipping its flags. A changed read-only cell is overwritten from the
server copy, as nbgrader does. Deleted cells follow nbgrader's default (not put back: the engine
scores them as missing) unless ``restore_missing`` is on, which puts back every deleted graded,
task and read-only cell (nbgrader's ``add_missing_cells`` does the graded and task cells).
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from nbformat import v4

from courses.nbgrader import (
    Cell,
    Notebook,
    cell_grade_id,
    is_grade,
    is_locked,
    is_task,
    release_source,
)


@dataclass
class PreparedNotebook:
    notebook: Notebook
    # grade_id -> index of its cell in ``notebook``
    index_of: dict[str, int]
    restored: set[str] = field(default_factory=set)
    reinserted: set[str] = field(default_factory=set)
    # Graded and task cells deleted by the participant and not put back.
    missing: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


def _source(cell: Cell) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return source if isinstance(source, str) else ""


def _new_cell(cell_type: str, source: str, metadata: dict[str, Any]) -> Cell:
    """A fresh cell: no outputs, no execution count, no foreign keys."""
    if cell_type == "code":
        cell: Cell = v4.new_code_cell(source=source, metadata=metadata)
    elif cell_type == "markdown":
        cell = v4.new_markdown_cell(source=source, metadata=metadata)
    else:
        cell = v4.new_raw_cell(source=source, metadata=metadata)
    return cell


def _participant_metadata(cell: Cell) -> dict[str, Any]:
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return {}
    return {key: copy.deepcopy(value) for key, value in metadata.items() if key != "nbgrader"}


def _server_copy(server_cell: Cell) -> Cell:
    cell = _new_cell(
        str(server_cell.get("cell_type")),
        _source(server_cell),
        copy.deepcopy(server_cell.get("metadata", {})),
    )
    if isinstance(server_cell.get("attachments"), dict):
        cell["attachments"] = copy.deepcopy(server_cell["attachments"])
    return cell


def _answer_cell(submitted: Cell, server_cell: Cell) -> Cell:
    """The participant's answer in the cell type and with the metadata of the server copy."""
    metadata = _participant_metadata(submitted)
    metadata["nbgrader"] = copy.deepcopy(server_cell["metadata"]["nbgrader"])
    for key in ("deletable", "editable"):
        if key in server_cell["metadata"]:
            metadata[key] = server_cell["metadata"][key]
    cell_type = str(server_cell.get("cell_type"))
    cell = _new_cell(cell_type, _source(submitted), metadata)
    if cell_type == "markdown" and isinstance(submitted.get("attachments"), dict):
        cell["attachments"] = copy.deepcopy(submitted["attachments"])
    return cell


def _ordinary_cell(submitted: Cell) -> Cell:
    cell_type = submitted.get("cell_type")
    kind = cell_type if cell_type in ("code", "markdown") else "raw"
    cell = _new_cell(kind, _source(submitted), _participant_metadata(submitted))
    if kind == "markdown" and isinstance(submitted.get("attachments"), dict):
        cell["attachments"] = copy.deepcopy(submitted["attachments"])
    return cell


def _deduplicated_ids(cells: list[Cell], known: set[str]) -> list[str | None]:
    """Each cell's grade id, None for unknown ids and all but the last of duplicates."""
    ids: list[str | None] = [None] * len(cells)
    seen: set[str] = set()
    for position in range(len(cells) - 1, -1, -1):
        grade_id = cell_grade_id(cells[position])
        if grade_id is not None and grade_id in known and grade_id not in seen:
            seen.add(grade_id)
            ids[position] = grade_id
    return ids


def _must_be_present(cell: Cell) -> bool:
    """Cells put back when deleted: tests, answers that carry points, tasks, read-only cells."""
    return is_grade(cell) or is_task(cell) or is_locked(cell)


def _insertion_point(order: list[str], missing: str, placed: list[tuple[Cell, str | None]]) -> int:
    """After the nearest earlier tracked cell that is present, else before the next one."""
    position_of = {grade_id: i for i, (_, grade_id) in enumerate(placed) if grade_id}
    at = order.index(missing)
    for earlier in reversed(order[:at]):
        if earlier in position_of:
            return position_of[earlier] + 1
    for later in order[at + 1 :]:
        if later in position_of:
            return position_of[later]
    return len(placed)


def _unique_cell_ids(cells: list[Cell]) -> None:
    seen: set[str] = set()
    for cell in cells:
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or cell_id in seen:
            cell_id = uuid.uuid4().hex[:8]
            cell["id"] = cell_id
        seen.add(cell_id)


def _kernel_metadata(grading: Notebook, submission: Notebook) -> dict[str, Any]:
    """nbgrader's OverwriteKernelspec: the assignment's kernel, not the participant's."""
    metadata: dict[str, Any] = {}
    for key in ("kernelspec", "language_info"):
        for source in (grading, submission):
            value = source.get("metadata", {}).get(key)
            if isinstance(value, dict):
                metadata[key] = copy.deepcopy(value)
                break
    return metadata


def prepare(
    submission: Notebook, grading: Notebook, *, restore_missing: bool = False
) -> PreparedNotebook:
    """The notebook to execute: the participant's work inside the assignment's fixed frame."""
    server: dict[str, Cell] = {}
    order: list[str] = []
    for cell in grading["cells"]:
        grade_id = cell_grade_id(cell)
        if grade_id is not None and grade_id not in server:
            server[grade_id] = cell
            order.append(grade_id)

    submitted_cells = [c for c in submission["cells"] if isinstance(c, dict)]
    ids = _deduplicated_ids(submitted_cells, set(server))
    placed: list[tuple[Cell, str | None]] = []
    restored: set[str] = set()
    notes: list[str] = []
    for submitted, grade_id in zip(submitted_cells, ids, strict=True):
        if grade_id is None:
            cell = _ordinary_cell(submitted)
        elif is_locked(server[grade_id]):
            cell = _server_copy(server[grade_id])
            if _source(submitted) != release_source(server[grade_id]) or submitted.get(
                "cell_type"
            ) != server[grade_id].get("cell_type"):
                restored.add(grade_id)
                notes.append(f"restored the changed read-only cell {grade_id!r}")
        else:
            cell = _answer_cell(submitted, server[grade_id])
        if isinstance(submitted.get("id"), str):
            cell["id"] = submitted["id"]
        placed.append((cell, grade_id))

    present = {grade_id for _, grade_id in placed if grade_id}
    reinserted: set[str] = set()
    missing: set[str] = set()
    for grade_id in order:
        if grade_id in present or not _must_be_present(server[grade_id]):
            continue
        if not restore_missing:
            if is_grade(server[grade_id]) or is_task(server[grade_id]):
                missing.add(grade_id)
                notes.append(f"the graded cell {grade_id!r} is missing (not put back)")
            continue
        placed.insert(
            _insertion_point(order, grade_id, placed), (_server_copy(server[grade_id]), grade_id)
        )
        present.add(grade_id)
        reinserted.add(grade_id)
        notes.append(f"put back the deleted cell {grade_id!r}")

    cells = [cell for cell, _ in placed]
    _unique_cell_ids(cells)
    notebook: Notebook = v4.new_notebook(
        cells=cells, metadata=_kernel_metadata(grading, submission)
    )
    index_of = {grade_id: i for i, (_, grade_id) in enumerate(placed) if grade_id}
    return PreparedNotebook(
        notebook=notebook,
        index_of=index_of,
        restored=restored,
        reinserted=reinserted,
        missing=missing,
        notes=notes,
    )
