"""A cohort's progress at a glance: one row per current participant, one cell per module of the
rules they are judged by, with the at-risk flag (``courses.risk``); a constant number of
queries whatever the cohort's size."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Cohort, Enrollment
from courses.requirements import ModuleStanding, Status
from courses.risk import Reason, Risk, risks_for

SORTS = {
    "name": _("name"),
    "progress": _("progress"),
    "risk": _("risk"),
}

CELL_TEXT = {
    "passed": pgettext_lazy("module result", "passed"),
    "failed": pgettext_lazy("module result", "failed"),
    "in_progress": pgettext_lazy("module result", "in progress"),
    "not_started": pgettext_lazy("module result", "not started"),
}


def cell_state(standing: ModuleStanding | None) -> str:
    """passed, failed (below the pass mark or recorded as failed), in progress (some work
    graded or in review) or not started."""
    if standing is None:
        return "not_started"
    if standing.status == Status.MET:
        return "passed"
    if standing.reason in {"below_pass_mark", "recorded_fail", "attendance_below"}:
        return "failed"
    if standing.released or standing.awaiting:
        return "in_progress"
    return "not_started"


@dataclass(frozen=True)
class Cell:
    state: str
    percent: Decimal | None

    @property
    def text(self) -> str:
        return str(CELL_TEXT[self.state])

    @property
    def badge(self) -> str:
        """The colour class; the text says the same, so colour is never the only sign."""
        return {"passed": "ok", "failed": "bad", "in_progress": "warn"}.get(self.state, "muted")


@dataclass(frozen=True)
class Row:
    risk: Risk
    cells: tuple[Cell, ...]

    @property
    def enrollment(self) -> Enrollment:
        return self.risk.enrollment

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return self.risk.reasons

    @property
    def percent_complete(self) -> int:
        return self.risk.result.percent_complete


@dataclass(frozen=True)
class Column:
    module_id: int
    title: str


@dataclass(frozen=True)
class Matrix:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    @property
    def at_risk(self) -> int:
        return sum(1 for row in self.rows if row.reasons)


def matrix_for(
    cohort: Cohort, *, now: dt.datetime, sort: str = "name", only_at_risk: bool = False
) -> Matrix:
    enrollments = list(
        Enrollment.objects.current().filter(cohort=cohort).select_related("user", "cohort__program")
    )
    risks = risks_for(enrollments, now=now)
    columns: dict[int, Column] = {}
    for risk in risks.values():
        for module in risk.result.modules:
            columns.setdefault(module.module_id, Column(module.module_id, module.title))
    rows = []
    for enrollment in enrollments:
        risk = risks[enrollment.pk]
        if only_at_risk and not risk.reasons:
            continue
        cells = []
        for column in columns.values():
            standing = risk.result.module(column.module_id)
            cells.append(Cell(cell_state(standing), standing.percent if standing else None))
        rows.append(Row(risk, tuple(cells)))
    rows.sort(key=lambda r: _name_key(r.enrollment))
    if sort == "progress":
        rows.sort(key=lambda r: -r.percent_complete)
    elif sort == "risk":
        rows.sort(key=lambda r: -len(r.reasons))
    return Matrix(tuple(columns.values()), tuple(rows))


def _name_key(enrollment: Enrollment) -> tuple[str, str, str]:
    user = enrollment.user
    return (user.last_name.casefold(), user.first_name.casefold(), user.username)
