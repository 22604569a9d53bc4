"""A zip of an assignment's submissions with feedback, for its graders, streamed as it is built.

Layout (docs/gradebook.md)::

    summary.csv                 one row per exported attempt: scores, penalty, final, state
    scores.csv                  one row per test or manually graded cell of each attempt
    <participant>/<slug>.ipynb  the notebook exactly as uploaded (of a multi-notebook
                                assignment: each notebook under its own name, problem1.ipynb ...)
    <participant>/data/<name>   the participant's own data files (purged ones are listed only)
    <participant>/feedback.md   the feedback, readable: scores per test and cell, comments,
                                penalty and final score

With every attempt, each participant's folder holds ``attempt-<n>/`` folders instead. Folder
names come from ``participant_label`` (a pseudonym for anonymous assignments), are reduced to
safe ASCII and made unique; nothing a participant typed becomes a path unchecked.

Only the metadata is loaded before the first byte is sent; blobs are read in chunks from
``platform.blobs`` while the zip is written into a small buffer the response drains, so memory
stays flat however large the export.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import SuspiciousFileOperation
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify
from django.utils.translation import gettext as _

from courses.late import apply_late_policy
from courses.models import Assignment
from platform.blobs import CHUNK, open_blob
from platform.models import User
from platform.spreadsheets import spreadsheet_text
from submissions.labels import is_anonymous, participant_label
from submissions.models import (
    GradingRun,
    Review,
    ReviewScore,
    Submission,
    SubmissionFile,
    TestResult,
)


@dataclass(frozen=True)
class Totals:
    autograded: Decimal
    manual: Decimal
    raw: Decimal
    penalty: Decimal
    final: Decimal
    released: bool


@dataclass
class ExportEntry:
    """One exported attempt and everything written about it."""

    folder: str
    label: str
    username: str  # empty for anonymous assignments
    submission: Submission
    run: GradingRun | None
    review: Review | None
    results: list[TestResult] = field(default_factory=list)
    scores: list[ReviewScore] = field(default_factory=list)
    data_files: list[SubmissionFile] = field(default_factory=list)

    def totals(self) -> Totals:
        """Released totals as recorded; otherwise what a release would record now."""
        review = self.review
        if review is not None and review.is_released and review.total_points is not None:
            return Totals(
                autograded=(self.run.autograded_points if self.run else None) or Decimal(0),
                manual=review.manual_points,
                raw=review.raw_points or Decimal(0),
                penalty=review.penalty_points,
                final=review.total_points,
                released=True,
            )
        assignment = self.submission.assignment
        autograded = (self.run.autograded_points if self.run else None) or Decimal(0)
        manual = review.manual_points if review else Decimal(0)
        late = apply_late_policy(
            raw=min(autograded + manual, assignment.max_points),
            max_points=assignment.max_points,
            late_seconds=self.submission.late_seconds,
            policy=assignment.settings.late_policy,
        )
        return Totals(autograded, manual, late.raw, late.penalty, late.final, released=False)


def export_submissions(
    *, grader: User, assignment: Assignment, all_attempts: bool = False
) -> list[ExportEntry]:
    """The attempts of ``assignment`` in the cohorts ``grader`` teaches, latest per participant
    unless ``all_attempts``, ordered by participant label and attempt."""
    attempts = Submission.objects.gradable_by(grader).filter(assignment=assignment)
    if not all_attempts:
        attempts = attempts.latest_attempts()
    submissions = list(
        attempts.select_related("enrollment__user", "assignment__settings")
        .prefetch_related("data_files", *(["notebooks"] if assignment.is_multi_notebook else []))
        .order_by("enrollment_id", "-attempt_no")
        .distinct()
    )
    ids = [s.pk for s in submissions]
    runs = {
        run.submission_id: run
        for run in GradingRun.objects.filter(submission_id__in=ids).latest_per_submission()
    }
    results: dict[int, list[TestResult]] = {}
    for result in TestResult.objects.filter(run_id__in=[r.pk for r in runs.values()]).order_by(
        "position", "pk"
    ):
        results.setdefault(result.run_id, []).append(result)
    reviews = {
        r.submission_id: r
        for r in Review.objects.filter(submission_id__in=ids).prefetch_related("scores")
    }
    anonymous = is_anonymous(assignment)
    labels = {s.enrollment_id: participant_label(s.enrollment, assignment) for s in submissions}
    folders = _folders(
        labels, {s.enrollment_id: s.enrollment.user.username for s in submissions}, anonymous
    )
    entries = []
    for submission in submissions:
        latest_run = runs.get(submission.pk)
        review = reviews.get(submission.pk)
        entries.append(
            ExportEntry(
                folder=folders[submission.enrollment_id],
                label=labels[submission.enrollment_id],
                username="" if anonymous else submission.enrollment.user.username,
                submission=submission,
                run=latest_run,
                review=review,
                results=results.get(latest_run.pk, []) if latest_run else [],
                scores=sorted(review.scores.all(), key=lambda s: s.grade_id) if review else [],
                data_files=list(submission.data_files.all()),
            )
        )
    entries.sort(key=lambda e: (e.folder, e.submission.attempt_no))
    return entries


def _folders(labels: dict[int, str], usernames: dict[int, str], anonymous: bool) -> dict[int, str]:
    """A safe, unique folder name per enrolment: the label (and username) as ASCII slug."""
    folders: dict[int, str] = {}
    used: set[str] = set()
    for enrollment_id in sorted(labels, key=lambda e: (labels[e].casefold(), e)):
        parts = (
            [labels[enrollment_id]]
            if anonymous
            else [labels[enrollment_id], usernames[enrollment_id]]
        )
        base = "_".join(filter(None, (slugify(p) for p in parts)))[:80] or "participant"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        folders[enrollment_id] = name
    return folders


def safe_file_name(name: str, *, fallback: str) -> str:
    """A plain file name: no directories, no leading dots, nothing outside [-_.a-zA-Z0-9]."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    try:
        cleaned = get_valid_filename(base).lstrip(".")
    except SuspiciousFileOperation:  # Django refuses "", "." and ".." outright
        cleaned = ""
    cleaned = "".join(ch for ch in cleaned if ch.isascii() and (ch.isalnum() or ch in "-_."))
    return cleaned[:100] or fallback


def export_filename(assignment: Assignment, *, all_attempts: bool) -> str:
    suffix = "all-attempts" if all_attempts else "latest"
    return f"{slugify(assignment.module.program.slug)}-{slugify(assignment.slug)}-{suffix}.zip"


# --- writing the zip -----------------------------------------------------------------------


class _Sink:
    """A write-only file for ``zipfile``: collects what it writes until the stream drains it.

    It has no ``tell``/``seek``, so ``zipfile`` writes data descriptors and never goes back.
    """

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def exported_files(
    assignment: Assignment, entries: list[ExportEntry]
) -> list[tuple[Submission, list[str]]]:
    """Each exported attempt with the names of its files in the zip (the access log's rows)."""
    return [
        (
            entry.submission,
            [f"{assignment.slug}.ipynb"]
            + [data_file.name for data_file in entry.data_files if data_file.is_available],
        )
        for entry in entries
    ]


def zip_stream(
    assignment: Assignment, entries: list[ExportEntry], *, all_attempts: bool
) -> Iterator[bytes]:
    """The zip's bytes, chunk by chunk, for a ``StreamingHttpResponse``."""
    sink = _Sink()
    now = _zip_time(timezone.now())
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            prefix = (
                f"{entry.folder}/attempt-{entry.submission.attempt_no}"
                if all_attempts
                else entry.folder
            )
            when = _zip_time(entry.submission.submitted_at)
            used = {"feedback.md"}
            if entry.submission.notebook_count == 1:
                notebook = f"{prefix}/{safe_file_name(assignment.slug, fallback='notebook')}.ipynb"
                yield from _write_blob(
                    archive, sink, notebook, entry.submission.notebook_sha256, when
                )
            for one in (
                entry.submission.notebook_files() if entry.submission.notebook_count > 1 else []
            ):
                # A multi-notebook attempt: each notebook under the assignment's own name for it.
                name = safe_file_name(one.name, fallback=f"notebook-{one.position}.ipynb")
                used.add(name)
                yield from _write_blob(archive, sink, f"{prefix}/{name}", one.sha256, when)
            for data_file in entry.data_files:
                if not data_file.is_available:
                    continue
                name = safe_file_name(data_file.name, fallback=f"file-{data_file.pk}")
                while name in used:
                    name = f"{data_file.pk}-{name}"
                used.add(name)
                yield from _write_blob(
                    archive, sink, f"{prefix}/data/{name}", data_file.sha256, when
                )
            archive.writestr(
                zipfile.ZipInfo(f"{prefix}/feedback.md", now),
                feedback_markdown(assignment, entry).encode(),
                compress_type=zipfile.ZIP_DEFLATED,
            )
            yield sink.drain()
        archive.writestr(
            zipfile.ZipInfo("summary.csv", now),
            summary_csv(assignment, entries).encode(),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            zipfile.ZipInfo("scores.csv", now),
            scores_csv(entries).encode(),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    yield sink.drain()


def _write_blob(
    archive: zipfile.ZipFile,
    sink: _Sink,
    name: str,
    sha256: str,
    when: tuple[int, int, int, int, int, int],
) -> Iterator[bytes]:
    info = zipfile.ZipInfo(name, when)
    info.compress_type = zipfile.ZIP_DEFLATED
    with open_blob(sha256) as source, archive.open(info, mode="w", force_zip64=True) as target:
        while chunk := source.read(CHUNK):
            target.write(chunk)
            yield sink.drain()


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = timezone.localtime(moment)
    if local.year < 1980:  # the zip format starts in 1980
        return (1980, 1, 1, 0, 0, 0)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


# --- the feedback files --------------------------------------------------------------------


def _md(text: str) -> str:
    """Text inside a Markdown table cell: no pipes or line breaks that would break the row."""
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _pts(value: Decimal | None) -> str:
    return "—" if value is None else format(value.normalize(), "f")


def feedback_markdown(assignment: Assignment, entry: ExportEntry) -> str:
    submission = entry.submission
    totals = entry.totals()
    t = {
        "attempt": _("Attempt"),
        "uploaded": _("Uploaded"),
        "late_by": _("Late by"),
        "review": _("Review"),
        "tests_and_cells": _("Tests and cells"),
        "test_or_cell": _("Test or cell"),
        "kind": _("Kind"),
        "points": _("Points"),
        "status": _("Status"),
        "manually_graded_answer": _("manually graded answer"),
        "no_results_yet": _("No results yet."),
        "comments_on_cells": _("Comments on cells"),
        "overall_feedback": _("Overall feedback"),
        "score": _("Score"),
        "autograded": _("Autograded"),
        "manual_points": _("Manual points"),
        "before_the_late_penalty": _("Before the late penalty"),
        "late_penalty": _("Late penalty"),
        "final": _("Final"),
        "not_released_yet": _("not released yet"),
        "data_files": _("Data files"),
    }
    lines = [
        f"# {assignment.title}: {entry.label}",
        "",
        f"- {t['attempt']}: {submission.attempt_no}",
        f"- {t['uploaded']}: {timezone.localtime(submission.submitted_at):%Y-%m-%d %H:%M %Z}",
    ]
    if submission.late_seconds:
        hours = submission.late_seconds / 3600
        lines.append(f"- {t['late_by']}: {hours:.1f} h")
    state = entry.review.get_state_display() if entry.review else _("not started")
    lines += [f"- {t['review']}: {state}", "", f"## {t['tests_and_cells']}", ""]
    lines += [
        f"| {t['test_or_cell']} | {t['kind']} | {t['points']} | {t['status']} |",
        "| --- | --- | --- | --- |",
    ]
    manual = {s.grade_id: s for s in entry.scores}
    for result in entry.results:
        points = result.points
        if result.kind != TestResult.Kind.AUTOGRADED and result.grade_id in manual:
            points = manual[result.grade_id].points
        lines.append(
            f"| {_md(result.grade_id)} | {result.get_kind_display()} | "
            f"{_pts(points)} / {_pts(result.max_points)} | {result.get_status_display()} |"
        )
    for grade_id, score in manual.items():
        if not any(r.grade_id == grade_id for r in entry.results):
            lines.append(
                f"| {_md(grade_id)} | {t['manually_graded_answer']} | {_pts(score.points)} | |"
            )
    if not entry.results and not manual:
        lines.append(f"| {t['no_results_yet']} | | | |")
    comments = [(s.grade_id, s.comment) for s in entry.scores if s.comment.strip()]
    if comments:
        lines += ["", f"## {t['comments_on_cells']}", ""]
        for grade_id, comment in comments:
            lines += [f"### {grade_id}", "", comment.strip(), ""]
    if entry.review and entry.review.feedback.strip():
        lines += ["", f"## {t['overall_feedback']}", "", entry.review.feedback.strip()]
    lines += [
        "",
        f"## {t['score']}",
        "",
        f"- {t['autograded']}: {_pts(totals.autograded)}",
        f"- {t['manual_points']}: {_pts(totals.manual)}",
        f"- {t['before_the_late_penalty']}: {_pts(totals.raw)}",
        f"- {t['late_penalty']}: {_pts(totals.penalty)}",
        f"- {t['final']}: {_pts(totals.final)} / {_pts(assignment.max_points)}"
        + ("" if totals.released else f" ({t['not_released_yet']})"),
    ]
    if entry.data_files:
        lines += ["", f"## {t['data_files']}", ""]
        for data_file in entry.data_files:
            if data_file.is_available:
                lines.append(
                    f"- data/{safe_file_name(data_file.name, fallback=f'file-{data_file.pk}')} ({data_file.size} B)"
                )
            else:
                purged = timezone.localtime(data_file.purged_at)
                lines.append(
                    f"- {data_file.name}: "
                    + _("removed on %(date)s (data minimisation)") % {"date": f"{purged:%Y-%m-%d}"}
                )
    return "\n".join(lines) + "\n"


SUMMARY_HEADER = [
    "folder",
    "participant",
    "username",
    "attempt",
    "submitted_at",
    "late_seconds",
    "grading_status",
    "review_state",
    "autograded_points",
    "manual_points",
    "raw_points",
    "penalty_points",
    "final_points",
    "max_points",
    "released",
]


def summary_csv(assignment: Assignment, entries: list[ExportEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SUMMARY_HEADER)
    for entry in entries:
        totals = entry.totals()
        writer.writerow(
            [
                entry.folder,
                spreadsheet_text(entry.label),
                spreadsheet_text(entry.username),
                entry.submission.attempt_no,
                entry.submission.submitted_at.isoformat(),
                entry.submission.late_seconds,
                entry.submission.status,
                entry.review.state if entry.review else "",
                totals.autograded,
                totals.manual,
                totals.raw,
                totals.penalty,
                totals.final,
                assignment.max_points,
                "yes" if totals.released else "no",
            ]
        )
    return buffer.getvalue()


def scores_csv(entries: list[ExportEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["folder", "attempt", "grade_id", "kind", "points", "max_points", "status", "comment"]
    )
    for entry in entries:
        manual = {s.grade_id: s for s in entry.scores}
        for result in entry.results:
            score = manual.pop(result.grade_id, None)
            writer.writerow(
                [
                    entry.folder,
                    entry.submission.attempt_no,
                    spreadsheet_text(result.grade_id),
                    result.kind,
                    score.points if score else ("" if result.points is None else result.points),
                    result.max_points,
                    result.status,
                    spreadsheet_text(score.comment) if score else "",
                ]
            )
        for grade_id, score in manual.items():
            writer.writerow(
                [
                    entry.folder,
                    entry.submission.attempt_no,
                    spreadsheet_text(grade_id),
                    TestResult.Kind.MANUAL,
                    score.points,
                    "",
                    "",
                    spreadsheet_text(score.comment),
                ]
            )
    return buffer.getvalue()
