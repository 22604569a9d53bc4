"""The gradebook of a cohort: participants × assignments, built in a constant number of queries.

Released grades come from ``courses.Grade`` (what counts); the rest of a cell says where the
participant stands (not submitted, submitted and autograded, late). Module percentages and
the weighted grade come from ``courses.progress`` so page, CSV and certificate agree, all
rounded by ``courses.scoring``.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max

from courses.models import Assignment, Cohort, Enrollment, Grade
from courses.progress import ProgramProgress, progress_for
from courses.scoring import percentage
from platform.spreadsheets import spreadsheet_text as _text
from submissions.models import Submission


@dataclass(frozen=True)
class Cell:
    assignment: Assignment
    grade: Grade | None
    attempts: int
    late: bool

    @property
    def state(self) -> str:
        if self.grade is not None:
            return "released"
        return "submitted" if self.attempts else "missing"

    @property
    def percent(self) -> Decimal | None:
        return percentage(self.grade.points, self.grade.max_points) if self.grade else None


@dataclass(frozen=True)
class Row:
    enrollment: Enrollment
    cells: tuple[Cell, ...]
    progress: ProgramProgress


@dataclass(frozen=True)
class Gradebook:
    cohort: Cohort
    assignments: tuple[Assignment, ...]
    rows: tuple[Row, ...]


def gradebook_for(cohort: Cohort) -> Gradebook:
    enrollments = list(
        Enrollment.objects.filter(cohort=cohort)
        .select_related("user", "cohort__program")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    assignments = tuple(
        Assignment.objects.published()
        .filter(module__program_id=cohort.program_id)
        .select_related("module")
        .order_by("module__order", "order", "pk")
    )
    grades = {
        (g.enrollment_id, g.assignment_id): g
        for g in Grade.objects.filter(enrollment__cohort=cohort)
    }
    # (enrollment, assignment) -> (attempts, longest lateness in seconds)
    activity: dict[tuple[int, int], tuple[int, int]] = {
        (row["enrollment_id"], row["assignment_id"]): (row["attempts"], row["latest_late"] or 0)
        for row in Submission.objects.filter(enrollment__cohort=cohort)
        .values("enrollment_id", "assignment_id")
        .annotate(attempts=Count("id"), latest_late=Max("late_seconds"))
    }
    late_graded = set(
        Submission.objects.filter(
            pk__in=[g.submission_id for g in grades.values()], late_seconds__gt=0
        ).values_list("pk", flat=True)
    )
    progress = {p.enrollment.pk: p for p in progress_for(enrollments)}
    rows = []
    for enrollment in enrollments:
        cells = []
        for assignment in assignments:
            key = (enrollment.pk, assignment.pk)
            grade = grades.get(key)
            attempts, lateness = activity.get(key, (0, 0))
            late = grade.submission_id in late_graded if grade else lateness > 0
            cells.append(Cell(assignment, grade, attempts, late))
        rows.append(Row(enrollment, tuple(cells), progress[enrollment.pk]))
    return Gradebook(cohort=cohort, assignments=assignments, rows=tuple(rows))


def gradebook_csv(book: Gradebook) -> Iterator[str]:
    """CSV lines: participant, each assignment's released points, each module's percentage,
    the weighted grade and whether every requirement is met."""
    modules = [m.module for m in book.rows[0].progress.modules] if book.rows else []
    header = ["username", "name", "email", "status"]
    header += [
        _text(f"{a.module.title} / {a.title} (max {a.max_points})") for a in book.assignments
    ]
    header += [f"{a.title} late" for a in book.assignments]
    header += [f"module: {m.title} (%)" for m in modules]
    header += ["weighted grade (%)", "requirements met"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield _flush(buffer)
    for row in book.rows:
        user = row.enrollment.user
        values: list[object] = [
            _text(user.username),
            _text(user.full_name),
            _text(user.email),
            row.enrollment.status,
        ]
        values += [c.grade.points if c.grade else "" for c in row.cells]
        values += ["yes" if c.late else "" for c in row.cells]
        values += [m.percent for m in row.progress.modules]
        values += [row.progress.weighted_grade, "yes" if row.progress.complete else "no"]
        writer.writerow(values)
        yield _flush(buffer)


def _flush(buffer: io.StringIO) -> str:
    value = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return value
