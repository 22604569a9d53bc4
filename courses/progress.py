"""Progress toward a program's certificate, computed from released grades only.

The rule for this first version: every *required* module is passed, and so is the capstone. A
module is passed when every assignment in it has a released grade and the module's percentage
(points over maximum points of its assignments) reaches its pass mark. The weighted grade is the
weight-averaged percentage of the modules that count (required and capstone modules).
Percentages go through ``courses.scoring``, so what is shown is what is compared.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from courses.models import Assignment, Enrollment, Grade, Module
from courses.scoring import ZERO, meets, percentage, round_score


@dataclass(frozen=True)
class AssignmentProgress:
    assignment: Assignment
    grade: Grade | None

    @property
    def percent(self) -> Decimal | None:
        if self.grade is None:
            return None
        return percentage(self.grade.points, self.grade.max_points)


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    assignments: tuple[AssignmentProgress, ...]

    @property
    def graded_all(self) -> bool:
        return bool(self.assignments) and all(a.grade is not None for a in self.assignments)

    @property
    def percent(self) -> Decimal:
        points = sum((a.grade.points for a in self.assignments if a.grade), ZERO)
        max_points = sum((a.assignment.max_points for a in self.assignments), ZERO)
        return percentage(points, max_points)

    @property
    def passed(self) -> bool:
        return self.graded_all and meets(self.percent, self.module.pass_mark)

    @property
    def counts(self) -> bool:
        return self.module.is_required or self.module.is_capstone

    @property
    def status(self) -> str:
        """ "met", "missing" (not all graded yet) or "below" (graded, under the pass mark)."""
        if self.passed:
            return "met"
        return "below" if self.graded_all else "missing"


@dataclass(frozen=True)
class ProgramProgress:
    enrollment: Enrollment
    modules: tuple[ModuleProgress, ...]
    next_deadlines: tuple[Assignment, ...] = field(default=())

    @property
    def requirements(self) -> tuple[ModuleProgress, ...]:
        return tuple(m for m in self.modules if m.counts)

    @property
    def complete(self) -> bool:
        return bool(self.requirements) and all(m.passed for m in self.requirements)

    @property
    def met_count(self) -> int:
        return sum(1 for m in self.requirements if m.passed)

    @property
    def percent_complete(self) -> int:
        """Share of requirements met, for the progress bar."""
        if not self.requirements:
            return 0
        return round(100 * self.met_count / len(self.requirements))

    @property
    def weighted_grade(self) -> Decimal:
        weights = sum((m.module.weight for m in self.requirements), ZERO)
        if weights <= ZERO:
            return round_score(ZERO)
        total = sum((m.module.weight * m.percent for m in self.requirements), ZERO)
        return round_score(total / weights)

    @property
    def still_needed(self) -> tuple[ModuleProgress, ...]:
        return tuple(m for m in self.requirements if not m.passed)


def progress_for(
    enrollments: list[Enrollment], *, now: datetime | None = None
) -> list[ProgramProgress]:
    """Progress of several enrollments in a constant number of queries (home page, API)."""
    if not enrollments:
        return []
    program_ids = {e.cohort.program_id for e in enrollments}
    modules = list(
        Module.objects.filter(program_id__in=program_ids).order_by("program_id", "order", "pk")
    )
    assignments = list(
        Assignment.objects.published().filter(module__in=modules).order_by("order", "pk")
    )
    grades = Grade.objects.filter(enrollment__in=enrollments)
    by_module: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_module[assignment.module_id].append(assignment)
    grade_of = {(g.enrollment_id, g.assignment_id): g for g in grades}

    reports = []
    for enrollment in enrollments:
        module_reports = tuple(
            ModuleProgress(
                module=module,
                assignments=tuple(
                    AssignmentProgress(a, grade_of.get((enrollment.pk, a.pk)))
                    for a in by_module[module.pk]
                ),
            )
            for module in modules
            if module.program_id == enrollment.cohort.program_id
        )
        upcoming = sorted(
            (
                a.assignment
                for m in module_reports
                for a in m.assignments
                if a.grade is None
                and a.assignment.due_at
                and (now is None or a.assignment.due_at >= now)
            ),
            key=lambda a: a.due_at,  # type: ignore[arg-type, return-value]
        )
        reports.append(ProgramProgress(enrollment, module_reports, tuple(upcoming[:3])))
    return reports
