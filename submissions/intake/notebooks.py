"""Notebook intake: decide, synchronously and cheaply, whether uploaded bytes are a notebook.

This runs in the web process on every upload, so every step is bounded before it runs: the size
cap comes before decoding, the nesting check comes before ``json.loads`` (which recurses in C and
would raise ``RecursionError`` on ``[[[[...``), the cell-count cap comes before schema validation
(whose cost grows with the number of cells). The first problem found becomes a
:class:`NotebookRejected` whose ``message`` a participant can act on: what is wrong and where
("Cell 7: its outputs are 14.2 MB, over the limit of 10 MB.").

``nbformat.reads`` only *logs* validation errors, so validation here is explicit and the first
schema error is translated into "Cell N: field X: ..." wording.

Accepted: nbformat 4.0-4.5, and later 4.x minors validated the way nbformat itself validates a
notebook "from the future" (Jupyter promises minor versions stay readable; refusing them would lock
out participants whose Jupyter is newer than ours); nbformat 3, upgraded to 4. Refused with a clear
message: nbformat 1 and 2 (2011-era, no participant has them), 5 and anything else unknown.
"""

from __future__ import annotations

import codecs
import json
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import nbformat
from nbformat.corpus.words import generate_corpus_id
from nbformat.validator import iter_validate

from submissions.intake.text import excess, ngettext, number
from submissions.intake.text import gettext as _

__all__ = [
    "IntakeLimits",
    "NotebookRejected",
    "ValidatedNotebook",
    "check_unique_grade_ids",
    "validate_notebook",
]

_MB = 1024 * 1024


@dataclass(frozen=True)
class IntakeLimits:
    """Upper bounds for an uploaded notebook; every one is checked before the work it guards."""

    max_bytes: int = 20 * _MB
    max_cells: int = 2000
    max_source_chars: int = 200_000  # per cell
    max_output_bytes: int = 10 * _MB  # per cell, all of its outputs together
    max_depth: int = 64  # JSON nesting (objects and arrays)
    # Lists and objects in the whole file: json.loads makes a ~56-byte object of each 2-3 bytes.
    max_containers: int = 1_000_000


class NotebookRejected(ValueError):
    """The upload is not a notebook we accept. ``message`` is written for the participant.

    ``cell`` is 1-based (the number a participant counts in Jupyter) and ``field`` names the
    offending part of that cell (``"outputs[0].output_type"``) or of the notebook, when known.
    """

    def __init__(self, message: str, *, cell: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.cell = cell
        self.field = field


@dataclass(frozen=True)
class ValidatedNotebook:
    """An accepted notebook, upgraded to nbformat 4 (the minor version is kept as uploaded)."""

    nb: nbformat.NotebookNode
    original_version: tuple[int, int]
    kernel_name: str
    language: str
    cell_count: int


_DEFAULT_LIMITS = IntakeLimits()


def check_size(size: int, limits: IntakeLimits = _DEFAULT_LIMITS) -> None:
    """Refuse a notebook over the size cap, saying by how much (before reading it, when the
    upload's size is known)."""
    if size > limits.max_bytes:
        raise NotebookRejected(
            _(
                "The file is %(size)s, %(over)s more than the %(limit)s a notebook may have. "
                "Clear large outputs and upload again."
            )
            % excess(size, limits.max_bytes),
        )


def validate_notebook(raw: bytes, limits: IntakeLimits = _DEFAULT_LIMITS) -> ValidatedNotebook:
    """Check ``raw`` and return it parsed, or raise :class:`NotebookRejected` saying why not.

    Line endings (CRLF) and a UTF-8 byte-order mark are fine; non-Python kernels are accepted and
    their language recorded. Never raises anything but ``NotebookRejected`` for bad input.
    """
    check_size(len(raw), limits)
    text = _decode(raw)
    _check_structure(text, limits)
    data = _parse_json(text, limits)
    major, minor = _version_of(data)
    if major == 4:
        _check_cell_count(data.get("cells"), limits)
        _repair_cell_ids(data, minor)
    _validate_schema(data, major, minor)
    # Joins multi-line strings and drops transient fields, as nbformat.reads does.
    nb = nbformat.versions[major].to_notebook_json(data, minor=minor)
    if major == 3:
        nb = _upgrade(nb, minor)
    _check_cell_count(nb.cells, limits)
    _check_cell_sizes(nb.cells, limits)
    kernel_name, language = _kernel_and_language(nb, data if major == 3 else None)
    return ValidatedNotebook(
        nb=nb,
        original_version=(major, minor),
        kernel_name=kernel_name,
        language=language,
        cell_count=len(nb.cells),
    )


def _nbgrader_id(cell: object) -> str | None:
    """The grade id of a cell nbgrader tracks (a test, an answer or a read-only cell)."""
    if not isinstance(cell, Mapping):
        return None
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, Mapping) else None
    if not isinstance(meta, Mapping) or not any(
        meta.get(flag) is True for flag in ("grade", "solution", "locked", "task")
    ):
        return None
    grade_id = meta.get("grade_id")
    return grade_id if isinstance(grade_id, str) and grade_id else None


def check_unique_grade_ids(nb: Mapping[str, Any]) -> None:
    """Refuse a notebook in which two cells share a grade id, naming them and their cells.

    Copying a cell in Jupyter copies its grade id; nbgrader refuses such a notebook rather than
    guess which copy is the answer, and so does the upload (the grader itself keeps the last
    copy, as nbgrader's DeduplicateIds, should such a notebook reach it another way).
    """
    cells_of: dict[str, list[int]] = {}
    for position, cell in enumerate(nb.get("cells") or [], start=1):
        grade_id = _nbgrader_id(cell)
        if grade_id is not None:
            cells_of.setdefault(grade_id, []).append(position)
    duplicated = {grade_id: cells for grade_id, cells in cells_of.items() if len(cells) > 1}
    if not duplicated:
        return
    names = "; ".join(
        _("%(grade_id)s (cells %(cells)s)")
        % {"grade_id": _short(grade_id), "cells": ", ".join(str(n) for n in cells)}
        for grade_id, cells in duplicated.items()
    )
    raise NotebookRejected(
        ngettext(
            "Two or more cells have the same grade id: %(names)s. A copied cell keeps the "
            "grade id of the original; delete the extra copy (keep the one with your answer) "
            "and upload again.",
            "Several grade ids are used by more than one cell: %(names)s. A copied cell keeps "
            "the grade id of the original; delete the extra copies (keep the ones with your "
            "answers) and upload again.",
            len(duplicated),
        )
        % {"names": names},
        cell=next(iter(duplicated.values()))[1],
    )


def _upgrade(nb: nbformat.NotebookNode, minor: int) -> nbformat.NotebookNode:
    try:
        upgraded: nbformat.NotebookNode = nbformat.convert(nb, 4)
    except (
        nbformat.ValidationError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
    ) as exc:
        raise NotebookRejected(
            _(
                "This notebook uses the old format 3.%(minor)s and could not be upgraded to the "
                "current one. Open it in Jupyter, save it, and upload it again."
            )
            % {"minor": minor},
        ) from exc
    _validate_schema(upgraded, 4, int(upgraded.get("nbformat_minor", 0)))
    return upgraded


# --- decoding and parsing ---------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    offset = 0
    if raw.startswith(codecs.BOM_UTF8):
        # Some Windows editors write one; json.loads refuses it.
        raw = raw[len(codecs.BOM_UTF8) :]
        offset = len(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookRejected(
            _(
                "This file is not a Jupyter notebook: it is not UTF-8 text "
                "(unreadable byte at position %(position)s)."
            )
            % {"position": number(exc.start + offset)},
        ) from exc


# Everything JSON allows outside strings except brackets (all of it is ASCII); deleting with
# str.translate runs at memory speed, where a regex substitution costs seconds on hostile input.
_DROP_NON_BRACKETS = {code: None for code in range(128) if chr(code) not in "[]{}"}
_RUN = re.compile(r"\[+|\]+")


def _check_structure(text: str, limits: IntakeLimits) -> None:
    """Refuse JSON nested deeper than ``max_depth`` or holding over ``max_containers`` values.

    Runs before ``json.loads``, which recurses in C (``[[[[...`` ends in ``RecursionError``) and
    turns every 3-byte ``[],`` into a 56-byte list (a 20 MB upload could take half a gigabyte).
    No Python-level loop over characters: even a hostile 20 MB upload costs a few tenths of a
    second here, a normal one a few hundredths.

    Escapes go first (``\\`` pairs, then ``\"``: left to right, as JSON tokenizes them), which
    leaves every ``"`` a string delimiter, so splitting on it drops string contents, whose
    brackets do not count. Of the rest only brackets matter, and for depth ``{`` is ``[``.
    """
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    outside_strings = "".join(unescaped.split('"')[::2])
    if not outside_strings.isascii():
        # Valid JSON has only ASCII between its strings. Refusing here also keeps json.loads
        # from building everything before the stray character (and str.translate below is only
        # fast on ASCII text).
        raise NotebookRejected(
            _(
                "This file is not a Jupyter notebook: it is not valid JSON "
                "(it has characters outside of any text value)."
            ),
        )
    skeleton = outside_strings.translate(_DROP_NON_BRACKETS).replace("{", "[").replace("}", "]")
    too_deep = NotebookRejected(_too_deep(limits))
    if "[" * (limits.max_depth + 1) in skeleton:
        raise too_deep  # the classic attack, answered before any counting
    if skeleton.count("[") > limits.max_containers:
        raise NotebookRejected(
            _(
                "This notebook holds too many values to be read (over %(limit)s lists and "
                "objects). Clear large outputs and upload again."
            )
            % {"limit": number(limits.max_containers)},
        )
    if _depth(skeleton) > limits.max_depth:
        raise too_deep


def _too_deep(limits: IntakeLimits) -> str:
    return _("This notebook is nested too deeply to be read (more than %(n)s levels).") % {
        "n": number(limits.max_depth)
    }


def _depth(skeleton: str) -> int:
    """Nesting depth of a string of ``[`` and ``]`` (unbalanced input gives a wrong but finite
    answer; json.loads rejects it right after).

    Each ``replace("[]", "")`` removes every leaf container at once, lowering the height by
    exactly one (matches come from the original string, so no new pair is consumed in the same
    pass); real data is mostly leaves (arrays of numbers), so a few passes shrink it a lot. What
    remains is measured from its runs: maximal runs of openers and closers alternate, so the
    running sum of their signed lengths is the depth, computed by C-level iterators.
    """
    removed = 0
    for _pass in range(3):
        reduced = skeleton.replace("[]", "")
        if len(reduced) == len(skeleton):
            break
        removed += 1
        skeleton = reduced
    if not skeleton:
        return removed
    lengths = list(map(len, _RUN.findall(skeleton)))
    if skeleton.startswith("]"):
        lengths.insert(0, 0)
    lengths[1::2] = map(operator.neg, lengths[1::2])
    return removed + max(accumulate(lengths))


def _parse_json(text: str, limits: IntakeLimits) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookRejected(
            _(
                "This file is not a Jupyter notebook: it is not valid JSON "
                "(line %(line)s, column %(column)s)."
            )
            % {"line": exc.lineno, "column": exc.colno},
        ) from exc
    except RecursionError as exc:  # the nesting scan should have caught it; belt and braces
        raise NotebookRejected(_too_deep(limits)) from exc
    except ValueError as exc:  # e.g. an integer with more digits than Python will convert
        raise NotebookRejected(
            _("This file is not a Jupyter notebook: it contains a value that cannot be read."),
        ) from exc
    if not isinstance(data, dict):
        raise NotebookRejected(
            _(
                "This file is not a Jupyter notebook: it is JSON, but not a notebook "
                "(a notebook is a JSON object with an “nbformat” version)."
            ),
        )
    return data


def _version_of(data: Mapping[str, Any]) -> tuple[int, int]:
    major = data.get("nbformat")
    minor = data.get("nbformat_minor", 0)
    # bool is an int subclass; "nbformat": true is not a version.
    if not isinstance(major, int) or isinstance(major, bool):
        raise NotebookRejected(
            _("This file is not a Jupyter notebook: it has no “nbformat” version number."),
            field="nbformat",
        )
    if not isinstance(minor, int) or isinstance(minor, bool) or minor < 0:
        raise NotebookRejected(
            _("This notebook's format version is damaged: “nbformat_minor” is not a number."),
            field="nbformat_minor",
        )
    if major in (1, 2):
        raise NotebookRejected(
            _(
                "This notebook uses nbformat %(major)s, which is too old to be read here. "
                "Open it in Jupyter, save it (which upgrades it), and upload it again."
            )
            % {"major": major},
            field="nbformat",
        )
    if major not in (3, 4):
        raise NotebookRejected(
            _(
                "This notebook uses nbformat %(major)s, which this site does not know "
                "(it reads nbformat 3 and 4). Save it from Jupyter as a regular notebook and "
                "upload it again."
            )
            % {"major": major},
            field="nbformat",
        )
    return major, minor


# --- limits -----------------------------------------------------------------------------------


def _check_cell_count(cells: object, limits: IntakeLimits) -> None:
    # Runs on unvalidated data too: only count what is certainly a list of cells.
    if isinstance(cells, list) and len(cells) > limits.max_cells:
        raise NotebookRejected(
            _("This notebook has %(n)s cells, over the limit of %(limit)s.")
            % {"n": number(len(cells)), "limit": number(limits.max_cells)},
            field="cells",
        )


def _check_cell_sizes(cells: Iterable[Any], limits: IntakeLimits) -> None:
    for position, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        if isinstance(source, str) and len(source) > limits.max_source_chars:
            raise NotebookRejected(
                _(
                    "Cell %(cell)s: its source is %(n)s characters long, "
                    "over the limit of %(limit)s."
                )
                % {
                    "cell": position,
                    "n": number(len(source)),
                    "limit": number(limits.max_source_chars),
                },
                cell=position,
                field="source",
            )
        outputs = cell.get("outputs")
        if outputs:
            size = _json_size(outputs)
            if size > limits.max_output_bytes:
                raise NotebookRejected(
                    _(
                        "Cell %(cell)s: its outputs are %(size)s, %(over)s more than the "
                        "%(limit)s a cell may have. Clear the outputs of this cell and upload "
                        "again."
                    )
                    % {"cell": position, **excess(size, limits.max_output_bytes)},
                    cell=position,
                    field="outputs",
                )


def _json_size(value: object) -> int:
    """Approximate serialized size in bytes, without serializing (nesting is already bounded)."""
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, Mapping):
        return sum(len(str(key)) + _json_size(item) for key, item in value.items())
    if isinstance(value, list):
        return sum(_json_size(item) for item in value)
    return 8


# --- schema validation ------------------------------------------------------------------------


def _repair_cell_ids(data: dict[str, Any], minor: int) -> None:
    """Give 4.5+ cells missing or duplicated ids a fresh one, as nbformat itself does.

    Done here so ``nbformat.validate`` has nothing to repair: its repair path emits warnings, and
    silencing warnings is process-global (not thread-safe) in a threaded web server.
    """
    cells = data.get("cells")
    if minor < 5 or not isinstance(cells, list):
        return
    seen: set[str] = set()
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        cell_id = cell.get("id")
        if "id" not in cell or (isinstance(cell_id, str) and cell_id in seen):
            cell_id = generate_corpus_id()
            cell["id"] = cell_id
        if isinstance(cell_id, str):
            seen.add(cell_id)


def _validate_schema(data: Mapping[str, Any], major: int, minor: int) -> None:
    """Raise the first schema error, explained. ``iter_validate``, not ``validate``: the latter
    also "normalizes" (mutates, warns, and crashes on a non-list ``cells``) before it validates.
    """
    try:
        first_error = next(iter_validate(data, version=major, version_minor=minor), None)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # What odd input can make a validator trip over. Anything else (MemoryError, a
        # SystemError from compiling the schema) is the server's problem, not a verdict on the
        # notebook, and propagates.
        raise NotebookRejected(
            _(
                "This notebook is damaged and cannot be read. Open it in Jupyter, save it, "
                "and upload it again."
            ),
        ) from exc
    if first_error is not None:
        raise _rejection_from(first_error, data, major)


def _type_words() -> dict[str, str]:
    return {
        "string": _("text"),
        "array": _("a list"),
        "object": _("a JSON object"),
        "integer": _("a whole number"),
        "number": _("a number"),
        "boolean": _("true or false"),
        "null": _("empty (null)"),
    }


def _rejection_from(error: Any, data: Mapping[str, Any], major: int) -> NotebookRejected:
    """Turn nbformat's first schema error into "Cell N: field X: what is wrong" wording."""
    path = list(getattr(error, "absolute_path", None) or getattr(error, "path", None) or [])
    cell, rest = _cell_of(path, data, major)
    problem, inner_field = _describe(error)
    field = _field_name([*rest, *inner_field]) or None
    values = {"cell": cell, "field": field, "problem": problem}
    if cell is not None and field:
        message = _("Cell %(cell)s: field %(field)s: %(problem)s.") % values
    elif cell is not None:
        message = _("Cell %(cell)s: %(problem)s.") % values
    elif field:
        message = _("This notebook is damaged: field %(field)s: %(problem)s.") % values
    else:
        message = _("This notebook is damaged: %(problem)s.") % values
    return NotebookRejected(message, cell=cell, field=field)


def _cell_of(path: list[Any], data: Mapping[str, Any], major: int) -> tuple[int | None, list[Any]]:
    if major == 4 and len(path) >= 2 and path[0] == "cells" and isinstance(path[1], int):
        return path[1] + 1, path[2:]
    if major == 3 and len(path) >= 4 and path[0] == "worksheets" and path[2] == "cells":
        # v3 splits cells into worksheets; count as the flattened v4 notebook will.
        before = 0
        worksheets = data.get("worksheets")
        if isinstance(worksheets, list):
            for sheet in worksheets[: path[1]]:
                cells = sheet.get("cells") if isinstance(sheet, dict) else None
                before += len(cells) if isinstance(cells, list) else 0
        return before + int(path[3]) + 1, path[4:]
    return None, path


def _field_name(path: Iterable[Any]) -> str:
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def _describe(error: Any) -> tuple[str, list[str]]:
    """What is wrong, in words, plus the name of a field below the error's path if it names one.

    Each wording is a whole clause of its own; only a schema error of a kind not listed here falls
    back to the validator's own (English) message.
    """
    kind = getattr(error, "validator", None)
    expected = getattr(error, "validator_value", None)
    instance = getattr(error, "instance", None)
    message = str(getattr(error, "message", error))
    if kind == "required":
        missing = re.match(r"'(.+)' is a required property", message)
        name = missing.group(1) if missing else "?"
        return _("this required field is missing"), [name]
    if kind == "type":
        return _wrong_type(expected if isinstance(expected, list) else [expected], instance), []
    if kind in ("enum", "const"):
        options = expected if isinstance(expected, list) else [expected]
        return _("“%(value)s” is not allowed here (expected %(options)s)") % {
            "value": _short(instance),
            "options": _options(options),
        }, []
    if kind == "additionalProperties":
        extra = re.findall(r"'([^']*)'", message.split("(", 1)[-1])
        if len(extra) == 1:
            return _("this field is not part of the notebook format"), extra
        if not extra:
            return _("some fields are not part of the notebook format"), []
        names = ", ".join(_quoted(name) for name in extra)
        return _("fields %(names)s are not part of the notebook format") % {"names": names}, []
    if kind == "pattern":
        return _("“%(value)s” is not in the expected form") % {"value": _short(instance)}, []
    if kind in ("oneOf", "anyOf"):
        return _no_alternative_fits(getattr(error, "context", None) or [], instance)
    return _short(message, 200), []


def _no_alternative_fits(alternatives: list[Any], instance: object) -> tuple[str, list[str]]:
    # A multiline string ("text or a list of text") or an image payload: only the type is wrong.
    own = [alt for alt in alternatives if not list(alt.relative_path)]
    if own and all(alt.validator == "type" for alt in own):
        return _wrong_type([alt.validator_value for alt in own], instance), []
    # A cell or an output whose type is unknown: name the type field rather than the schema.
    unknown = {
        "cell_type": _("“%(value)s” is not a known cell type (expected %(options)s)"),
        "output_type": _("“%(value)s” is not a known output type (expected %(options)s)"),
    }
    for key, wording in unknown.items():
        if isinstance(instance, Mapping) and key in instance:
            known = [
                value
                for alt in alternatives
                if alt.validator == "enum" and list(alt.relative_path) == [key]
                for value in alt.validator_value
            ]
            if known and instance[key] not in known:
                values = {"value": _short(instance[key]), "options": _options(known)}
                return wording % values, [key]
    return _("this is not in a form Jupyter understands"), []


def _wrong_type(wanted: list[Any], instance: object) -> str:
    words = _type_words()
    either = _either(list(dict.fromkeys(words.get(str(w), str(w)) for w in wanted)))
    return _("should be %(wanted)s, not %(actual)s") % {
        "wanted": either,
        "actual": _kind_of(instance),
    }


def _options(options: list[Any]) -> str:
    return _either([_quoted(option) for option in options[:8]])


def _either(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("%(options)s or %(last)s") % {"options": ", ".join(words[:-1]), "last": words[-1]}


def _quoted(value: object) -> str:
    return _("“%(value)s”") % {"value": value}


def _kind_of(value: object) -> str:
    if value is None:
        return _("empty (null)")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    return _("a JSON object")


def _short(value: object, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- metadata ---------------------------------------------------------------------------------


def _kernel_and_language(
    nb: nbformat.NotebookNode, v3_data: Mapping[str, Any] | None
) -> tuple[str, str]:
    """Kernel name and language as recorded by Jupyter, clipped to a sane length for storage."""
    metadata = nb.get("metadata", {})
    kernelspec = metadata.get("kernelspec", {})
    language_info = metadata.get("language_info", {})
    kernel_name = kernelspec.get("name", "") if isinstance(kernelspec, Mapping) else ""
    language = ""
    if isinstance(kernelspec, Mapping):
        language = kernelspec.get("language", "") or ""
    if not language and isinstance(language_info, Mapping):
        language = language_info.get("name", "") or ""
    if not language and v3_data is not None:
        language = _v3_language(v3_data)
    return str(kernel_name)[:100], str(language).lower()[:100]


def _v3_language(data: Mapping[str, Any]) -> str:
    # v3 put the language on each code cell; the upgrade to v4 drops it.
    for sheet in data.get("worksheets") or []:
        for cell in sheet.get("cells") or []:
            if cell.get("cell_type") == "code" and isinstance(cell.get("language"), str):
                return str(cell["language"])
    return ""
