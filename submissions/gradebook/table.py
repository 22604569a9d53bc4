"""The gradebook of a cohort: participants × assignments, built in a constant number of queries.

Released grades come from ``courses.Grade`` (what counts); the rest of a cell says where the
participant stands (not submitted, submitted and autograded, in review, late). Module
percentages and the weighted grade come from ``courses.progress`` so page, CSV and certificate
agree, all rounded by ``courses.scoring``.

An assignment graded anonymously whose identities are not revealed shows only released grades:
every other cell of its column is ``hidden`` and carries nothing (no state, lateness, attempt
count or grading failure), since graders see those beside the pseudonym and could match it to
the name here (docs/gradebook.md, "Anonymous grading").

The page is built for 500 participants × 12 assignments (docs/gradebook.md, bench/gradebook.py):
every query fetches only the columns it needs, everything is joined in dictionaries, and each
row's cells are rendered once to HTML here rather than by thousands of template nodes.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from courses.models import Assignment, Cohort, Enrollment, Grade, Module
from courses.progress import ProgramProgress, progress_for
from courses.scoring import ZERO, percentage, round_score
from courses.templatetags.grades import percent as format_percent
from courses.templatetags.grades import points as format_points
from platform.spreadsheets import spreadsheet_text
from submissions.models import Review, Submission

# The state of a cell that shows nothing: not released, and its assignment hides identities.
HIDDEN = "hidden"


class Cell(NamedTuple):
    """One participant's standing on one assignment (a tuple: 6,000 of them per page).

    ``state`` is ``released``, ``in_review`` (a review exists, not released), ``submitted``,
    ``missing`` or ``hidden`` (not released, and the assignment hides identities: the cell
    carries no detail at all): the ``data-state`` of the cell and the CSV's state column.
    """

    assignment: Assignment
    grade: "ReleasedGrade | None"
    attempts: int
    late: bool
    state: str
    # Of the latest attempt: its autograding status and its review's state (None: no review).
    status: str = ""
    review_state: str | None = None

    @property
    def percent(self) -> Decimal | None:
        return percentage(self.grade.points, self.grade.max_points) if self.grade else None

    @property
    def hidden(self) -> bool:
        return self.state == HIDDEN


@dataclass(frozen=True, slots=True)
class ReleasedGrade:
    """The columns of a ``courses.Grade`` the gradebook shows: thousands per page, so plain
    tuples from the database rather than model instances (a third of the page's time)."""

    points: Decimal
    max_points: Decimal
    late_seconds: int
    submission_id: int | None


def cell_state(grade: ReleasedGrade | None, attempts: int, review_state: str | None) -> str:
    if grade is not None:
        return "released"
    if not attempts:
        return "missing"
    return "in_review" if review_state else "submitted"


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

    @property
    def modules(self) -> tuple[Module, ...]:
        """The modules of the program that hold published assignments, in order."""
        seen: dict[int, Module] = {}
        for assignment in self.assignments:
            seen.setdefault(assignment.module_id, assignment.module)
        return tuple(seen.values())

    @property
    def hides_identities(self) -> bool:
        """Whether some column hides unreleased cells (an anonymously graded assignment)."""
        return any(assignment.settings.hides_identities for assignment in self.assignments)


def gradebook_for(cohort: Cohort) -> Gradebook:
    enrollments = list(
        Enrollment.objects.filter(cohort=cohort)
        .select_related("user")
        .only(
            "status",
            "cohort_id",
            "user__username",
            "user__first_name",
            "user__last_name",
            "user__display_name",
            "user__email",
        )
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    for enrollment in enrollments:
        enrollment.cohort = cohort  # one object for all rows, no join
    assignments = tuple(
        Assignment.objects.published()
        .filter(module__program_id=cohort.program_id)
        .select_related("module", "settings")
        .only(
            "title",
            "slug",
            "max_points",
            "order",
            "due_at",
            "settings__anonymous_grading",
            "settings__identities_revealed_at",
            "module__title",
            "module__order",
            "module__program_id",
        )
        .order_by("module__order", "order", "pk")
    )
    # Progress is stored per enrollment (courses.progress.recompute_progress): one cheap read.
    progress = {p.enrollment.pk: p for p in progress_for(enrollments)}
    grades: dict[tuple[int, int], ReleasedGrade] = {
        (enrollment_id, assignment_id): ReleasedGrade(points, max_points, late, submission_id)
        for enrollment_id, assignment_id, points, max_points, late, submission_id in (
            Grade.objects.filter(enrollment__cohort=cohort).values_list(
                "enrollment_id",
                "assignment_id",
                "points",
                "max_points",
                "late_seconds",
                "submission_id",
            )
        )
    }
    # One pass over every attempt of the cohort: counts, the latest attempt's status and review
    # state, and which attempts were late (for the graded one and for the latest one).
    latest: dict[tuple[int, int], tuple[int, str, str | None]] = {}
    attempts: dict[tuple[int, int], int] = {}
    late_ids: set[int] = set()
    # django-stubs cannot see an annotation made inside a QuerySet method, hence the ignore.
    rows_of_attempts = (
        Submission.objects.filter(enrollment__cohort=cohort)
        .with_is_latest()
        .values_list(  # type: ignore[misc]
            "pk",
            "enrollment_id",
            "assignment_id",
            "is_latest",
            "late_seconds",
            "status",
            "review__state",
        )
    )
    for (
        pk,
        enrollment_id,
        assignment_id,
        is_latest,
        late_seconds,
        run_status,
        review_state,
    ) in rows_of_attempts.order_by():
        key = (enrollment_id, assignment_id)
        attempts[key] = attempts.get(key, 0) + 1
        if late_seconds:
            late_ids.add(pk)
        if is_latest:
            latest[key] = (pk, run_status, review_state)
    rows = []
    # A hidden cell is the same empty tuple for every participant: built once per column.
    columns = [
        (
            assignment.id,
            assignment,
            Cell(assignment, None, 0, False, HIDDEN)
            if assignment.settings.hides_identities
            else None,
        )
        for assignment in assignments
    ]
    no_attempt: tuple[int, str, str | None] = (0, "", None)
    for enrollment in enrollments:
        cells = []
        enrollment_id = enrollment.id
        for assignment_id, assignment, hidden in columns:
            key = (enrollment_id, assignment_id)
            grade = grades.get(key)
            count = attempts.get(key, 0)
            latest_pk, status, state = latest.get(key, no_attempt)
            if grade is not None:
                late = grade.submission_id in late_ids or grade.late_seconds > 0
                cells.append(Cell(assignment, grade, count, late, "released", status, state))
            elif hidden is not None:
                cells.append(hidden)
            else:
                late = latest_pk in late_ids
                cells.append(
                    Cell(
                        assignment, None, count, late, cell_state(None, count, state), status, state
                    )
                )
        rows.append(Row(enrollment, tuple(cells), progress[enrollment_id]))
    return Gradebook(cohort=cohort, assignments=assignments, rows=tuple(rows))


# --- category breakdown --------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryTotal:
    """A subtotal of one participant's released points over a category of assignments."""

    title: str
    points: Decimal
    max_points: Decimal

    @property
    def percent(self) -> Decimal:
        return percentage(self.points, self.max_points)


# How a row's assignments are grouped into categories. Per module today; a program's weighted
# grading policy can supply its own function (same signature) without touching the export.
Breakdown = Callable[[Gradebook, Row], tuple[CategoryTotal, ...]]


def module_breakdown(book: Gradebook, row: Row) -> tuple[CategoryTotal, ...]:
    """Released points and maximum points per module. Unreleased work counts 0 of its maximum,
    exactly as ``courses.progress`` computes a module's percentage; so does a hidden cell
    (never released), and no subtotal can betray a score the cells hide."""
    totals: dict[int, tuple[Decimal, Decimal]] = {}
    for cell in row.cells:
        points, max_points = totals.get(cell.assignment.module_id, (ZERO, ZERO))
        totals[cell.assignment.module_id] = (
            points + (cell.grade.points if cell.grade else ZERO),
            max_points + cell.assignment.max_points,
        )
    return tuple(
        CategoryTotal(module.title, *totals.get(module.pk, (ZERO, ZERO))) for module in book.modules
    )


def gradebook_csv(book: Gradebook, *, breakdown: Breakdown = module_breakdown) -> Iterator[str]:
    """CSV lines: participant; each assignment's released points, late flag and state (a hidden
    cell: empty points and late flag, state ``hidden``); each category's points, maximum and
    percentage; the weighted grade and whether every requirement is met. Headers are English
    and stable, for scripts."""
    categories = [c.title for c in breakdown(book, book.rows[0])] if book.rows else []
    header = ["username", "name", "email", "status"]
    header += [
        spreadsheet_text(f"{a.module.title} / {a.title} (max {a.max_points})")
        for a in book.assignments
    ]
    header += [spreadsheet_text(f"{a.title} late") for a in book.assignments]
    header += [spreadsheet_text(f"{a.title} state") for a in book.assignments]
    for title in categories:
        header += [
            spreadsheet_text(f"module: {title} (points)"),
            spreadsheet_text(f"module: {title} (max)"),
            spreadsheet_text(f"module: {title} (%)"),
        ]
    # The grading policy's weighted categories (drop-lowest applied), as the requirement engine
    # judged them: the same figures the participant's checklist shows.
    policy_categories = book.rows[0].progress.result.categories if book.rows else ()
    for category in policy_categories:
        header.append(
            spreadsheet_text(f"category: {category.title} ({round_score(category.weight)} %) (%)")
        )
    header += ["weighted grade (%)", "requirements met", "policy version"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield _flush(buffer)
    for row in book.rows:
        user = row.enrollment.user
        values: list[object] = [
            spreadsheet_text(user.username),
            spreadsheet_text(user.full_name),
            spreadsheet_text(user.email),
            row.enrollment.status,
        ]
        values += [c.grade.points if c.grade else "" for c in row.cells]
        values += ["yes" if c.late else "" for c in row.cells]
        values += [c.state for c in row.cells]
        for total in breakdown(book, row):
            values += [total.points, total.max_points, total.percent]
        standings = {c.key: c for c in row.progress.result.categories}
        for category in policy_categories:
            standing = standings.get(category.key)
            values.append("" if standing is None or standing.percent is None else standing.percent)
        weighted = row.progress.weighted_grade
        values += [
            "" if weighted is None else weighted,
            "yes" if row.progress.complete else "no",
            row.progress.policy_version,
        ]
        writer.writerow(values)
        yield _flush(buffer)


def gradebook_json(book: Gradebook, *, breakdown: Breakdown = module_breakdown) -> dict[str, Any]:
    """The same content as the CSV, structured (the API's gradebook export). Decimals are
    strings, as everywhere in the API; a hidden cell has ``points``, ``late`` and ``attempts``
    null, and each assignment says whether it hides identities."""
    return {
        "cohort": {"id": book.cohort.pk, "name": book.cohort.name},
        "assignments": [
            {
                "id": a.pk,
                "title": a.title,
                "module": a.module.title,
                "max_points": str(a.max_points),
                "identities_hidden": a.settings.hides_identities,
            }
            for a in book.assignments
        ],
        "rows": [
            {
                "username": row.enrollment.user.username,
                "name": row.enrollment.user.full_name,
                "email": row.enrollment.user.email,
                "status": row.enrollment.status,
                "cells": [
                    {
                        "assignment": c.assignment.pk,
                        "state": c.state,
                        "points": str(c.grade.points) if c.grade else None,
                        "late": None if c.hidden else c.late,
                        "attempts": None if c.hidden else c.attempts,
                    }
                    for c in row.cells
                ],
                "categories": [
                    {
                        "title": t.title,
                        "points": str(t.points),
                        "max_points": str(t.max_points),
                        "percent": str(t.percent),
                    }
                    for t in breakdown(book, row)
                ],
                "weighted_grade": (
                    None
                    if row.progress.weighted_grade is None
                    else str(row.progress.weighted_grade)
                ),
                "requirements_met": row.progress.complete,
                "policy_version": row.progress.policy_version,
                "policy_categories": [
                    {
                        "key": c.key,
                        "title": c.title,
                        "weight": str(c.weight),
                        "percent": None if c.percent is None else str(c.percent),
                        "dropped": list(c.dropped),
                    }
                    for c in row.progress.result.categories
                ],
            }
            for row in book.rows
        ],
    }


# --- the HTML table's cells ----------------------------------------------------------------


def render_rows(book: Gradebook) -> SafeString:
    """The table body's rows as HTML, in the order of ``book.rows``.

    Six thousand cells through template tags cost more than the whole rest of the page; here
    the few distinct pieces (a formatted score, a badge) are built once and reused, and each
    row's progress figures are computed once.
    """
    words = {
        "late": escape(_("late")),
        "failed": escape(_("grading failed")),
        "submitted": escape(_("submitted")),
        "complete": escape(_("complete")),
        "hidden": escape(_("hidden (graded anonymously)")),
    }
    late = f' <span class="badge warn">{words["late"]}</span>'
    failed = f' <span class="badge bad">{words["failed"]}</span>'
    submitted = f'<span class="muted">{words["submitted"]}</span>'
    missing = '<span class="muted">—</span>'
    hidden = f'<span class="muted">{words["hidden"]}</span>'
    in_review = {
        value: f'<span class="muted">{escape(str(label))}</span>'
        for value, label in Review.State.choices
    }
    percent_cache: dict[Decimal | None, str] = {}
    failed_status = str(Submission.Status.FAILED)
    complete = f' <span class="badge ok">{words["complete"]}</span>'
    # A cell's HTML depends only on (state, points or review state, late, failed): build each
    # distinct one once.
    cell_html: dict[tuple[str, object, bool, bool], str] = {}
    rendered = []
    for row in book.rows:
        parts = [f'<tr><th scope="row">{escape(row.enrollment.user.full_name)}</th>']
        for cell in row.cells:
            state = cell.state
            failed_grading = state != "released" and cell.status == failed_status
            detail = cell.grade.points if cell.grade is not None else cell.review_state
            key = (state, detail, cell.late, failed_grading)
            html = cell_html.get(key)
            if html is None:
                if cell.grade is not None:
                    body: str = escape(format_points(cell.grade.points))
                elif state == HIDDEN:
                    body = hidden
                elif state == "in_review":
                    body = in_review.get(cell.review_state or "", submitted)
                elif state == "submitted":
                    body = submitted
                else:
                    body = missing
                if cell.late:
                    body += late
                if failed_grading:
                    body += failed
                html = cell_html[key] = f'<td data-state="{state}">{body}</td>'
            parts.append(html)
        progress = row.progress
        weighted = progress.weighted_grade
        if weighted not in percent_cache:
            percent_cache[weighted] = escape(format_percent(weighted))
        parts.append(
            f"<td>{percent_cache[weighted]}</td>"
            f"<td>{progress.met_count}/{len(progress.requirements)}"
            f"{complete if progress.complete else ''}</td></tr>"
        )
        rendered.append("".join(parts))
    return mark_safe("\n".join(rendered))  # noqa: S308 - every text is escaped above


def _flush(buffer: io.StringIO) -> str:
    value = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return value
