"""The engine's inputs and results: limits, per-cell outcomes, the report and its JSON form.

Reports cross process boundaries (worker -> database, later sandbox -> worker) as bounded plain
JSON with Decimals as strings; never pickle, which would let a compromised sandbox run code in
the worker.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast, get_args

from courses.nbgrader import GradeKind, qualified_grade_id
from courses.plain_i18n import Message, gettext_lazy

OutcomeStatus = Literal["passed", "partial", "failed", "needs_manual"]
ReportStatus = Literal["graded", "failed"]
IsolationKind = Literal["bwrap", "off", ""]

MESSAGE_LIMIT = 2_000
TRACEBACK_LIMIT = 6_000
ERROR_LIMIT = 2_000
LOG_LIMIT = 8_000
MAX_OUTCOMES = 2_000
JSON_VERSION = 1

GiB = 1024**3
MiB = 1024**2


def clip(text: str, limit: int) -> str:
    """Bound a text for storage and display, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_message(message: Message, limit: int) -> Message:
    """Bound each verbatim text of a message (the sentences of the catalogue are short)."""
    return message.map_verbatim(lambda text: clip(text, limit))


def clip_tail(text: str, limit: int) -> str:
    """Bound a log, keeping its end (where the reason for a failure usually is)."""
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


@dataclass(frozen=True)
class GradingLimits:
    """Per-submission limits. Time limits are wall-clock seconds; sizes are bytes."""

    cell_timeout_s: float = 30
    notebook_timeout_s: float = 300
    max_output_bytes: int = 2_000_000
    kernel_startup_timeout_s: float = 60
    memory_bytes: int = 3 * GiB
    file_size_bytes: int = 256 * MiB
    # Everything a kernel may write, its working directory, /tmp and /dev/shm together (one
    # size-limited tmpfs, so it is memory, not disk; docs/grading-sandbox.md, "The disk quota").
    disk_bytes: int = 512 * MiB
    open_files: int = 512
    # RLIMIT_NPROC, processes and threads together; it binds only a kernel with a uid of its
    # own (the sandbox's), and counts every process of that uid on the host.
    processes: int = 128


@dataclass(frozen=True)
class TestOutcome:
    """The result of one graded cell. ``message`` never contains a test cell's source.

    Messages are worded when shown, in the reader's language (``courses.plain_i18n.Message``).
    """

    __test__ = False  # not a pytest test class, despite the name

    grade_id: str
    kind: GradeKind
    points: Decimal | None
    max_points: Decimal
    status: OutcomeStatus
    message: Message
    hidden: bool
    # Missing from the submission and not put back (docs/grading.md, "Missing cells").
    missing: bool = False
    # A failed visible test's cleaned traceback; always "" for a cell with hidden tests.
    traceback: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "grade_id": self.grade_id,
            "kind": self.kind,
            "points": None if self.points is None else str(self.points),
            "max_points": str(self.max_points),
            "status": self.status,
            "message": self.message.to_data(),
            "hidden": self.hidden,
            "missing": self.missing,
            "traceback": clip(self.traceback, TRACEBACK_LIMIT),
        }

    @classmethod
    def from_dict(cls, data: object) -> TestOutcome:
        item = _mapping(data, "outcome")
        points = item.get("points")
        hidden = _boolean(item, "hidden")
        return cls(
            grade_id=_string(item, "grade_id", 200),
            kind=_choice(item, "kind", GradeKind),
            points=None if points is None else _decimal(points, "points"),
            max_points=_decimal(item.get("max_points"), "max_points"),
            status=_choice(item, "status", OutcomeStatus),
            message=_message(item, "message", MESSAGE_LIMIT),
            hidden=hidden,
            missing=_boolean(item, "missing") if "missing" in item else False,
            # A cell with hidden tests never brings a traceback, whoever wrote the report.
            traceback=""
            if hidden or "traceback" not in item
            else _string(item, "traceback", TRACEBACK_LIMIT),
        )


@dataclass(frozen=True)
class GradingReport:
    """The result of grading one submission.

    ``status`` is "failed" when the notebook could not be graded at all (it could not be read,
    the kernel died, the deadline passed); ``error`` then says why, in words a participant
    understands (worded when shown), and ``outcomes`` is empty. ``isolation`` says how the
    kernel was isolated ("bwrap", "off", or "" when no kernel was started).
    """

    status: ReportStatus
    outcomes: tuple[TestOutcome, ...]
    autograded_points: Decimal
    autograded_max: Decimal
    manual_max: Decimal
    error: Message = Message()
    log_excerpt: str = ""
    duration_s: float = 0.0
    isolation: IsolationKind = ""

    @classmethod
    def failure(
        cls,
        error: Message,
        *,
        autograded_max: Decimal = Decimal(0),
        manual_max: Decimal = Decimal(0),
        log_excerpt: str = "",
        duration_s: float = 0.0,
        isolation: IsolationKind = "",
    ) -> GradingReport:
        return cls(
            status="failed",
            outcomes=(),
            autograded_points=Decimal(0),
            autograded_max=autograded_max,
            manual_max=manual_max,
            error=clip_message(error, ERROR_LIMIT),
            log_excerpt=clip_tail(log_excerpt, LOG_LIMIT),
            duration_s=duration_s,
            isolation=isolation,
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": JSON_VERSION,
                "status": self.status,
                "outcomes": [outcome.to_dict() for outcome in self.outcomes[:MAX_OUTCOMES]],
                "autograded_points": str(self.autograded_points),
                "autograded_max": str(self.autograded_max),
                "manual_max": str(self.manual_max),
                "error": clip_message(self.error, ERROR_LIMIT).to_data(),
                "log_excerpt": clip_tail(self.log_excerpt, LOG_LIMIT),
                "duration_s": round(self.duration_s, 3),
                "isolation": self.isolation,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> GradingReport:
        """Parse a report; raises ValueError for anything that is not one."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise ValueError(f"not a grading report: {error}") from None
        report = _mapping(data, "report")
        if report.get("version") != JSON_VERSION:
            raise ValueError(f"unsupported grading report version {report.get('version')!r}")
        outcomes = report.get("outcomes")
        if not isinstance(outcomes, list) or len(outcomes) > MAX_OUTCOMES:
            raise ValueError("a grading report needs a bounded list of outcomes")
        duration = report.get("duration_s")
        if not isinstance(duration, int | float) or isinstance(duration, bool):
            raise ValueError("duration_s must be a number")
        return cls(
            status=_choice(report, "status", ReportStatus),
            outcomes=tuple(TestOutcome.from_dict(item) for item in outcomes),
            autograded_points=_decimal(report.get("autograded_points"), "autograded_points"),
            autograded_max=_decimal(report.get("autograded_max"), "autograded_max"),
            manual_max=_decimal(report.get("manual_max"), "manual_max"),
            error=_message(report, "error", ERROR_LIMIT),
            log_excerpt=_string(report, "log_excerpt", LOG_LIMIT + 1),
            duration_s=float(duration),
            isolation=_choice(report, "isolation", IsolationKind) if "isolation" in report else "",
        )


def merge_reports(reports: Sequence[tuple[str, GradingReport]]) -> GradingReport:
    """One report for the notebooks of a multi-notebook attempt, each graded on its own: grade
    ids qualified by their notebook (``courses.models.assignments.qualified_grade_id``), points
    and maxima added up, the logs one after the other. A notebook that could not be graded
    fails the attempt's run, naming the notebook (docs/grading.md, "Multi-notebook
    assignments")."""
    outcomes = tuple(
        replace(outcome, grade_id=qualified_grade_id(name, outcome.grade_id))
        for name, report in reports
        for outcome in report.outcomes
    )
    log = "\n".join(f"[{name}]\n{report.log_excerpt}" for name, report in reports)
    merged = GradingReport(
        status="graded",
        outcomes=outcomes,
        autograded_points=sum((r.autograded_points for _n, r in reports), Decimal(0)),
        autograded_max=sum((r.autograded_max for _n, r in reports), Decimal(0)),
        manual_max=sum((r.manual_max for _n, r in reports), Decimal(0)),
        log_excerpt=clip_tail(log, LOG_LIMIT),
        duration_s=sum(r.duration_s for _n, r in reports),
        isolation=next((r.isolation for _n, r in reports if r.isolation), ""),
    )
    failed = next(((name, r) for name, r in reports if r.status == "failed"), None)
    if failed is None:
        return merged
    name, report = failed
    return GradingReport.failure(
        gettext_lazy("%(notebook)s: %(error)s", notebook=name, error=report.error),
        autograded_max=merged.autograded_max,
        manual_max=merged.manual_max,
        log_excerpt=merged.log_excerpt,
        duration_s=merged.duration_s,
        isolation=merged.isolation,
    )


def _mapping(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"a grading {what} must be a JSON object")
    return cast(dict[str, Any], value)


def _string(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return clip(value, limit)


def _message(data: dict[str, Any], key: str, limit: int) -> Message:
    try:
        return Message.from_data(data.get(key), limit=limit)
    except ValueError as error:
        raise ValueError(f"{key}: {error}") from None


def _boolean(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


def _decimal(value: object, key: str) -> Decimal:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{key} must be a decimal number written as a string")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{key} is not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{key} must be finite")
    return number


def _choice(data: dict[str, Any], key: str, options: Any) -> Any:
    value = data.get(key)
    if value not in get_args(options):
        raise ValueError(f"{key} must be one of {', '.join(get_args(options))}")
    return value
