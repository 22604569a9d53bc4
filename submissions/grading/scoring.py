"""Scoring executed cells the way nbgrader's ``determine_grade`` does (nbgrader 0.9).

A test cell interrupted at its time limit scores 0. Otherwise its outputs are read in order
and the first decisive one wins:
an error scores 0; output on stderr scores 0 (nbgrader 0.9), unless it matches the ignore
pattern (our improvement: a library warning does not zero a test); an ``execute_result`` whose
text/plain reads as a positive number is partial credit. Anything else earns full points.

Where nbgrader crashes (a partial value above the cell's points, an execute_result without
text/plain) we cap or award full points instead, and say so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from courses.nbgrader import Cell, GradeCell, compute_checksum
from courses.plain_i18n import Message, gettext_lazy, ngettext_lazy, verbatim
from submissions.grading.report import (
    MESSAGE_LIMIT,
    TRACEBACK_LIMIT,
    OutcomeStatus,
    TestOutcome,
    clip,
)

# Python's warning format, "file.py:12: SomeWarning: text", as libraries print it on stderr.
DEFAULT_STDERR_IGNORE = r"(?m)^\S.*:\d+: \w*Warning: "

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# The frames of the kernel's own machinery in an IPython traceback: "File /…/IPython/….py:12, …"
_KERNEL_FRAME = re.compile(
    r"^\s*File\s+\S*/(?:IPython|ipykernel|ipykernel_launcher|traitlets|jupyter_client|zmq|"
    r"tornado|asyncio)/"
)
_CELL_FRAME = re.compile(r"Cell In\[(\d+)\]")
# Control characters other than newline and tab, left after the colour codes are gone.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MIN_SECRET_LINE = 8
_REDACTED = "[…]"


def _text(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else ""


def _secret_lines(source: str) -> list[str]:
    lines = {line.strip() for line in source.split("\n")}
    return sorted((line for line in lines if len(line) >= _MIN_SECRET_LINE), key=len, reverse=True)


def redact(text: str, source: str) -> str:
    """Remove any line of ``source`` (a test cell's code) quoted in ``text``.

    Test code can reach a message by ways the participant controls (their function raising an
    exception that quotes its caller, a warning that prints the calling line), so messages are
    cleaned of it whatever their origin.
    """
    for line in _secret_lines(source):
        text = text.replace(line, _REDACTED)
    return text


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


def _first_line(text: str) -> str:
    for line in _plain(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def clean_traceback(
    frames: object, *, cells: Mapping[int, str] | None = None, secrets: str = ""
) -> str:
    """An IPython traceback (the ``traceback`` list of an error output) as plain text.

    Colour codes and control characters are stripped, frames of the kernel's own machinery
    (IPython, ipykernel and what runs them) are dropped, "Cell In[7]" becomes the cell's name
    from ``cells`` (execution count -> label), and any line of ``secrets`` (hidden tests'
    code) is removed. IPython's arrow ("---->") marks the failing line of each frame.
    """
    if not isinstance(frames, list):
        return ""
    kept: list[str] = []
    for frame in frames:
        text = _CONTROL.sub("", _plain(str(frame))).rstrip("\n")
        if _KERNEL_FRAME.match(text):
            continue
        if cells:
            text = _CELL_FRAME.sub(
                lambda found: cells.get(int(found.group(1)), found.group(0)), text
            )
        kept.append(text)
    text = redact("\n".join(kept), secrets) if secrets else "\n".join(kept)
    if len(text) > TRACEBACK_LIMIT:
        # The test's own frame is first and the exception last: keep both ends.
        half = TRACEBACK_LIMIT // 2 - 2
        text = f"{text[:half]}\n…\n{text[-half:]}"
    return text


def _status(points: Decimal, max_points: Decimal) -> OutcomeStatus:
    if points >= max_points:
        return "passed"
    return "partial" if points > 0 else "failed"


def _partial_credit(output: dict[str, Any], max_points: Decimal) -> tuple[Decimal, Message]:
    """nbgrader's get_partial_grade, minus its crashes."""
    text = _text(output.get("data", {}).get("text/plain")).strip()
    try:
        number = float(text)
    except ValueError:
        return max_points, Message()
    if not number >= 0:  # nbgrader reads negatives and NaN as "no partial credit"; 0 is 0
        return max_points, Message()
    value = Decimal(repr(number))
    if value > max_points:
        return max_points, ngettext_lazy(
            "The test returned %(value)s, more than the %(n)s point of this cell; "
            "it counts as %(n)s.",
            "The test returned %(value)s, more than the %(n)s points of this cell; "
            "it counts as %(n)s.",
            max_points,
            value=clip(text, 40),
        )
    return value, ngettext_lazy(
        "Partial credit: %(points)s of %(n)s point.",
        "Partial credit: %(points)s of %(n)s points.",
        max_points,
        points=value,
    )


def _autograded(
    cell: Cell,
    max_points: Decimal,
    *,
    interrupted: bool,
    timeout_s: float,
    ignore: re.Pattern[str] | None,
) -> tuple[Decimal, Message, object]:
    """Points, the message, and the error output's raw traceback (None without an error)."""
    if interrupted:
        # Even if the code swallowed the KeyboardInterrupt: over the limit is over the limit.
        return (
            Decimal(0),
            ngettext_lazy(
                "The cell did not finish within %(n)s second and was interrupted.",
                "The cell did not finish within %(n)s seconds and was interrupted.",
                timeout_s,
            ),
            None,
        )
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "error":
            # The exception as the test raised it: Python's words, the same in every language.
            name = _plain(str(output.get("ename", "")))
            value = _plain(str(output.get("evalue", "")))
            message = verbatim(f"{name}: {value}" if value else name)
            return Decimal(0), message, output.get("traceback")
        if kind == "stream" and output.get("name") == "stderr":
            text = _text(output.get("text"))
            if ignore is not None and ignore.search(text):
                continue
            return (
                Decimal(0),
                gettext_lazy(
                    "The cell wrote to standard error: %(output)s",
                    output=clip(_first_line(text), 300),
                ),
                None,
            )
        if kind == "execute_result":
            return (*_partial_credit(output, max_points), None)
    return max_points, Message(), None


def score(
    cell: Cell,
    grade_cell: GradeCell,
    server_cell: Cell,
    *,
    hidden: bool,
    interrupted: bool = False,
    truncated: bool = False,
    restored: bool = False,
    reinserted: bool = False,
    timeout_s: float = 30,
    output_cap: int = 0,
    stderr_ignore: re.Pattern[str] | None = None,
    cells: Mapping[int, str] | None = None,
    secrets: str = "",
) -> TestOutcome:
    """The outcome of one graded cell of an executed notebook.

    ``cells`` names the executed cells by execution count and ``secrets`` holds the hidden
    tests' code, both for the traceback of a failed visible test (``clean_traceback``).
    """
    notes = Message()
    if reinserted:
        notes += gettext_lazy(
            "This cell was missing from your notebook and was put back for grading."
        )
    elif restored:
        notes += gettext_lazy("Your changes to this read-only cell were undone for grading.")
    if truncated:
        notes += ngettext_lazy(
            "Its output was cut off after %(n)s byte.",
            "Its output was cut off after %(n)s bytes.",
            output_cap,
        )

    points: Decimal | None
    traceback = ""
    if grade_cell.kind == "autograded":
        points, detail, frames = _autograded(
            cell,
            grade_cell.points,
            interrupted=interrupted,
            timeout_s=timeout_s,
            ignore=stderr_ignore,
        )
        status = _status(points, grade_cell.points)
        if frames is not None and not hidden:
            traceback = clean_traceback(frames, cells=cells, secrets=secrets)
    elif (
        grade_cell.kind == "manual"
        and not reinserted
        and compute_checksum(cell)
        == server_cell.get("metadata", {}).get("nbgrader", {}).get("checksum")
    ):
        # nbgrader: an answer cell left as released earns 0 without waiting for a grader. One
        # put back after deletion waits for a grader (nbgrader marks the cell it puts back, so
        # its checksum no longer matches).
        points, status = Decimal(0), "failed"
        detail = gettext_lazy("No answer was given (the cell is unchanged).")
    else:
        points, detail, status = None, gettext_lazy("Waits for an instructor."), "needs_manual"

    source = str(server_cell.get("source", ""))
    return TestOutcome(
        grade_id=grade_cell.grade_id,
        kind=grade_cell.kind,
        points=points,
        max_points=grade_cell.points,
        status=status,
        message=(detail + notes).map_verbatim(
            lambda text: clip(redact(clip(_plain(text), MESSAGE_LIMIT * 4), source), MESSAGE_LIMIT)
        ),
        hidden=hidden,
        traceback=traceback,
    )


def score_missing(grade_cell: GradeCell, *, hidden: bool) -> TestOutcome:
    """A graded cell missing from the submission and not put back: nbgrader's default.

    nbgrader keeps the cell's gradebook row without an automatic score and with
    ``needs_manual_grade``: it counts 0 until a grader gives points. Here an autograded cell
    scores 0 and is flagged for the graders; a manually graded answer or a task waits for the
    grader as it would have anyway, flagged too.
    """
    if grade_cell.kind == "autograded":
        return TestOutcome(
            grade_id=grade_cell.grade_id,
            kind=grade_cell.kind,
            points=Decimal(0),
            max_points=grade_cell.points,
            status="failed",
            message=gettext_lazy(
                "This cell was missing from your notebook: it scores 0, and your instructors "
                "see that it was missing."
            ),
            hidden=hidden,
            missing=True,
        )
    return TestOutcome(
        grade_id=grade_cell.grade_id,
        kind=grade_cell.kind,
        points=None,
        max_points=grade_cell.points,
        status="needs_manual",
        message=gettext_lazy(
            "This cell was missing from your notebook; an instructor decides on its points."
        ),
        hidden=hidden,
        missing=True,
    )
