"""What replacing an assignment's notebook changes: the summary an instructor sees (on the
publish page and in the API's answer) before a new version goes live (docs/grading.md,
"Replacing a published notebook").

Pure functions of the two source notebooks (solutions and hidden tests included, so a changed
hidden test shows) and the settings; nothing here reads or writes the database.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.nbgrader import Cell, cell_grade_id, read_notebook

# The settings a new version may bring (anything not given stays as it is).
VERSIONED_SETTINGS = ("title", "opens_at", "due_at", "max_attempts")


@dataclass(frozen=True)
class CellChange:
    """A grade cell added, removed or changed (points, kind, or its code or text)."""

    grade_id: str
    old_points: Decimal | None
    new_points: Decimal | None
    old_kind: str | None
    new_kind: str | None
    source_changed: bool = False


@dataclass(frozen=True)
class SettingChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class VersionChanges:
    added: tuple[CellChange, ...]
    removed: tuple[CellChange, ...]
    changed: tuple[CellChange, ...]
    # Other cells (instructions, locked code, solutions) by content: how many are new or gone.
    other_cells_added: int
    other_cells_removed: int
    old_points: Decimal
    new_points: Decimal
    settings: tuple[SettingChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.other_cells_added
            or self.other_cells_removed
            or self.settings
            or self.old_points != self.new_points
        )

    def as_json(self) -> dict[str, Any]:
        def cell(change: CellChange) -> dict[str, Any]:
            return {
                "grade_id": change.grade_id,
                "old_points": None if change.old_points is None else str(change.old_points),
                "new_points": None if change.new_points is None else str(change.new_points),
                "old_kind": change.old_kind,
                "new_kind": change.new_kind,
                "source_changed": change.source_changed,
            }

        return {
            "grade_cells_added": [cell(c) for c in self.added],
            "grade_cells_removed": [cell(c) for c in self.removed],
            "grade_cells_changed": [cell(c) for c in self.changed],
            "other_cells_added": self.other_cells_added,
            "other_cells_removed": self.other_cells_removed,
            "old_points": str(self.old_points),
            "new_points": str(self.new_points),
            "settings": [{"field": s.field, "old": s.old, "new": s.new} for s in self.settings],
        }


def _cell_key(cell: Cell) -> tuple[str, str]:
    source = cell.get("source", "")
    return str(cell.get("cell_type", "")), source if isinstance(source, str) else "".join(source)


def _grade_cells(notebook: Sequence[Cell]) -> dict[str, Cell]:
    return {grade_id: c for c in notebook if (grade_id := cell_grade_id(c)) is not None}


def _described(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return str(formats.date_format(timezone.localtime(value), "DATETIME_FORMAT"))
    return str(value)


def compare(
    *,
    old_source: bytes | None,
    old_cells: Sequence[Mapping[str, Any]],
    old_points: Decimal,
    new_source: bytes,
    new_cells: Sequence[Mapping[str, Any]],
    new_points: Decimal,
    current_settings: Mapping[str, Any],
    given_settings: Mapping[str, Any],
) -> VersionChanges:
    """The changes from the live version to a new one. ``*_cells`` are the versions' grade
    cells as stored (``grade_id``, ``kind``, ``points``); ``given_settings`` only those the
    instructor gave. ``old_source`` is ``None`` for an assignment that has no notebook yet."""
    old_nb: list[Cell] = read_notebook(old_source)["cells"] if old_source else []
    new_nb: list[Cell] = read_notebook(new_source)["cells"]
    old_meta = {c["grade_id"]: c for c in old_cells}
    new_meta = {c["grade_id"]: c for c in new_cells}
    old_text, new_text = _grade_cells(old_nb), _grade_cells(new_nb)

    def change(grade_id: str) -> CellChange:
        old, new = old_meta.get(grade_id), new_meta.get(grade_id)
        return CellChange(
            grade_id=grade_id,
            old_points=Decimal(old["points"]) if old else None,
            new_points=Decimal(new["points"]) if new else None,
            old_kind=old["kind"] if old else None,
            new_kind=new["kind"] if new else None,
            source_changed=bool(
                old
                and new
                and grade_id in old_text
                and grade_id in new_text
                and _cell_key(old_text[grade_id]) != _cell_key(new_text[grade_id])
            ),
        )

    kept = [change(g) for g in new_meta if g in old_meta]
    # Every cell that is not a grade cell: instructions, locked code, solutions.
    others_old = Counter(_cell_key(c) for c in old_nb if cell_grade_id(c) not in old_meta)
    others_new = Counter(_cell_key(c) for c in new_nb if cell_grade_id(c) not in new_meta)
    settings = tuple(
        SettingChange(field=name, old=_described(current_settings[name]), new=_described(value))
        for name, value in given_settings.items()
        if name in VERSIONED_SETTINGS and value != current_settings[name]
    )
    return VersionChanges(
        added=tuple(change(g) for g in new_meta if g not in old_meta),
        removed=tuple(change(g) for g in old_meta if g not in new_meta),
        changed=tuple(
            c
            for c in kept
            if c.source_changed or c.old_points != c.new_points or c.old_kind != c.new_kind
        ),
        other_cells_added=sum((others_new - others_old).values()),
        other_cells_removed=sum((others_old - others_new).values()),
        old_points=old_points,
        new_points=new_points,
        settings=settings,
    )


def _setting_label(field: str) -> str:
    """The name of a versioned setting as the publish form labels it."""
    return {
        "title": _("Title"),
        "opens_at": _("Opens"),
        "due_at": _("Due"),
        "max_attempts": _("Attempts allowed"),
    }.get(field, field)


def _kind_label(kind: str | None) -> str:
    return {
        "autograded": _("autograded test"),
        "manual": _("manually graded answer"),
        "task": _("task"),
    }.get(kind or "", kind or "")


def change_lines(changes: Mapping[str, Any]) -> list[str]:
    """The stored changes (``VersionChanges.as_json()``) as sentences for the publish page, in
    the reader's language. Empty when nothing changes."""
    lines = []
    if changes.get("old_points") != changes.get("new_points"):
        lines.append(
            _("Points of the notebook: %(old)s → %(new)s")
            % {"old": changes["old_points"], "new": changes["new_points"]}
        )
    for cell in changes.get("grade_cells_added", []):
        lines.append(
            _("Grade cell %(id)s added (%(kind)s, %(points)s points)")
            % {
                "id": cell["grade_id"],
                "kind": _kind_label(cell["new_kind"]),
                "points": cell["new_points"],
            }
        )
    for cell in changes.get("grade_cells_removed", []):
        lines.append(
            _("Grade cell %(id)s removed (was %(kind)s, %(points)s points)")
            % {
                "id": cell["grade_id"],
                "kind": _kind_label(cell["old_kind"]),
                "points": cell["old_points"],
            }
        )
    for cell in changes.get("grade_cells_changed", []):
        what = []
        if cell["old_points"] != cell["new_points"]:
            what.append(
                _("points %(old)s → %(new)s")
                % {"old": cell["old_points"], "new": cell["new_points"]}
            )
        if cell["old_kind"] != cell["new_kind"]:
            what.append(
                _("%(old)s → %(new)s")
                % {"old": _kind_label(cell["old_kind"]), "new": _kind_label(cell["new_kind"])}
            )
        if cell["source_changed"]:
            what.append(_("its code or text changed"))
        lines.append(
            _("Grade cell %(id)s: %(what)s") % {"id": cell["grade_id"], "what": "; ".join(what)}
        )
    added, removed = changes.get("other_cells_added", 0), changes.get("other_cells_removed", 0)
    if added or removed:
        lines.append(
            _("Other cells: %(added)s new or changed, %(removed)s removed or changed")
            % {"added": added, "removed": removed}
        )
    for setting in changes.get("settings", []):
        lines.append(
            _("%(setting)s: %(old)s → %(new)s")
            % {
                "setting": _setting_label(setting["field"]),
                "old": setting["old"],
                "new": setting["new"],
            }
        )
    return lines
