"""``grade_notebook``: nbgrader's autograde for one submission, as one pure-ish function call.

Read the submission, rebuild it around the assignment's grading copy (tests and read-only cells
restored, hidden tests back), execute it in a fresh kernel inside a private working directory,
score every graded cell, and return a bounded report. Failures of the notebook as a whole come
back as a report with status "failed", never as an exception.
"""

from __future__ import annotations

import logging
import re
import shutil
import stat
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from courses.course_files import course_file_clashes
from courses.nbgrader import (
    Cell,
    GradeCell,
    NbgraderFormatError,
    Notebook,
    PublishedAssignment,
    cell_grade_id,
    grade_cells_of,
    has_hidden_tests,
    is_grade,
    is_task,
    read_notebook,
)
from courses.plain_i18n import Message, gettext_lazy
from submissions.grading.isolation.execution import execute
from submissions.grading.isolation.rundirs import run_dirs
from submissions.grading.isolation.sandbox import (
    SandboxMisconfigured,
    SandboxUnavailable,
    resolve_isolation,
)
from submissions.grading.report import (
    LOG_LIMIT,
    GradingLimits,
    GradingReport,
    TestOutcome,
    clip,
    clip_tail,
    merge_reports,
)
from submissions.grading.restore import prepare
from submissions.grading.scoring import DEFAULT_STDERR_IGNORE, redact, score, score_missing

logger = logging.getLogger("submissions.grading")

NOTEBOOK_NAME = "submission.ipynb"
NO_FILES: Mapping[str, Path | bytes] = MappingProxyType({})
DEFAULT_LIMITS = GradingLimits()


def _total(cells: Sequence[GradeCell], *kinds: str) -> Decimal:
    return sum((cell.points for cell in cells if cell.kind in kinds), Decimal(0))


def _kernel_language(notebook: Notebook) -> tuple[bool, str]:
    """Whether the notebook's kernel is Python, and its name for a message."""
    metadata = notebook.get("metadata", {})
    spec = metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    name = str(spec.get("display_name") or spec.get("name") or spec.get("language") or "")
    language = spec.get("language") or info.get("name")
    if isinstance(language, str) and language:
        return language.lower() == "python", name or language
    kernel = spec.get("name")
    if isinstance(kernel, str) and kernel:
        return kernel.lower().startswith("python"), name
    return True, "Python"  # nbgrader's default when a notebook names no kernel


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        not name
        or "\x00" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in path.parts)
    ):
        raise ValueError(f"invalid data file name {name!r}")
    return path


def _copy_read_only(source: Path | bytes, target: Path) -> None:
    """Put a file (copied from disk, or bytes written) read-only at ``target``, creating its
    folders: the one place that puts files into a kernel's working directory."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        target.write_bytes(source)
    else:
        shutil.copyfile(source, target)
    target.chmod(0o444)


def stage_course_files(
    workdir: Path, course_files: Sequence[tuple[str, Path]], *, taken: Collection[str] = ()
) -> list[str]:
    """Copy the course files (relative path, file on disk) read-only into ``workdir``, except
    the ones whose name a participant's file already takes (``taken``); return those.

    The same staging serves grading, the publish check and the AUTOTEST kernel at publish time;
    raises OSError (ENOSPC when they do not fit the kernel's disk quota).
    """
    skipped = course_file_clashes([name for name, _source in course_files], taken)
    for name, source in course_files:
        if name not in skipped:
            _copy_read_only(source, workdir / _safe_relative(name))
    return skipped


def _stage(
    workdir: Path,
    submission: bytes,
    data_files: Mapping[str, Path | bytes],
    course_files: Sequence[tuple[str, Path]] = (),
) -> None:
    """Copy the participant's files in read-only, then the course files whose names they do
    not take; the participant's files win over the notebook's own name. ``data_files`` maps
    names to a file to copy or to bytes to write (the attempt's other notebooks, whose names
    so take precedence over a course file's too).

    Called by ``isolation.execution`` once the kernel runs (``workdir`` is then the kernel's
    own tmpfs, inside its disk quota); raises OSError (ENOSPC when they do not fit).
    """
    for name, source in data_files.items():
        _copy_read_only(source, workdir / _safe_relative(name))
    stage_course_files(workdir, course_files, taken={*data_files, NOTEBOOK_NAME})
    notebook = workdir / NOTEBOOK_NAME
    if not notebook.exists():
        notebook.write_bytes(submission)
        notebook.chmod(0o444)


def _remove_tree(path: Path) -> None:
    """Remove a directory the notebook may have made unwritable."""

    def retry(function: Callable[..., object], failed: str, _error: BaseException) -> None:
        target = Path(failed)
        target.parent.chmod(stat.S_IRWXU)
        if target.is_dir() and not target.is_symlink():
            target.chmod(stat.S_IRWXU)
        function(failed)

    shutil.rmtree(path, onexc=retry)


def _server_cells(grading: Notebook) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    for cell in grading["cells"]:
        grade_id = cell_grade_id(cell)
        if grade_id is not None:
            cells.setdefault(grade_id, cell)
    return cells


def _cell_labels(cells: Sequence[Cell], index_of: Mapping[str, int]) -> dict[int, str]:
    """Execution count -> how a traceback names the cell: its grade id, else its number."""
    grade_ids = {index: grade_id for grade_id, index in index_of.items()}
    labels: dict[int, str] = {}
    for index, cell in enumerate(cells):
        count = cell.get("execution_count")
        if isinstance(count, int) and not isinstance(count, bool):
            grade_id = grade_ids.get(index)
            labels[count] = f"Cell {grade_id!r}" if grade_id else f"Cell {index + 1}"
    return labels


def grade_notebook(
    *,
    submission: bytes,
    published: PublishedAssignment | None = None,
    grading_notebook: bytes | None = None,
    grade_cells: Sequence[GradeCell] | None = None,
    data_files: Mapping[str, Path | bytes] = NO_FILES,
    course_files: Sequence[tuple[str, Path]] = (),
    limits: GradingLimits = DEFAULT_LIMITS,
    stderr_ignore: str | None = DEFAULT_STDERR_IGNORE,
    restore_missing_cells: bool = False,
) -> GradingReport:
    """Autograde one submission against a published assignment.

    Pass the assignment as ``published``, or as its stored ``grading_notebook`` (plus, if at
    hand, its ``grade_cells``; they are read from the grading notebook otherwise).
    ``data_files`` maps names relative to the notebook's working directory to files to copy
    there; ``course_files`` are the assignment version's (relative path, file) pairs, staged
    beside them unless a data file takes the name (``stage_course_files``). ``stderr_ignore``
    is a regular expression: stderr output matching it does not fail a test (None: any
    stderr output fails it, as in nbgrader 0.9). A graded cell the participant
    deleted scores as missing (nbgrader's default: an autograded one 0, an answer left to the
    grader, both flagged), or is put back and graded with ``restore_missing_cells``.
    """
    started = time.monotonic()
    pattern = re.compile(stderr_ignore) if stderr_ignore else None

    def elapsed() -> float:
        return time.monotonic() - started

    cells: Sequence[GradeCell] | None
    if published is not None:
        grading_bytes, cells = published.grading_notebook, published.grade_cells
    elif grading_notebook is not None:
        grading_bytes, cells = grading_notebook, grade_cells
    else:
        raise TypeError("grade_notebook() needs published= or grading_notebook=")

    try:
        grading = read_notebook(grading_bytes)
    except NbgraderFormatError as error:
        return GradingReport.failure(
            gettext_lazy(
                "The assignment's grading notebook could not be read; ask the instructors to "
                "publish it again. (%(problem)s)",
                problem=error.problem,
            ),
            duration_s=elapsed(),
        )
    graded = tuple(cells) if cells is not None else grade_cells_of(grading)
    server = _server_cells(grading)
    autograded_max = _total(graded, "autograded")
    manual_max = _total(graded, "manual", "task")

    def failure(reason: Message, log: str = "") -> GradingReport:
        return GradingReport.failure(
            reason,
            autograded_max=autograded_max,
            manual_max=manual_max,
            log_excerpt=log,
            duration_s=elapsed(),
        )

    missing = [
        cell.grade_id
        for cell in graded
        if cell.grade_id not in server
        or not (is_grade(server[cell.grade_id]) or is_task(server[cell.grade_id]))
    ]
    if missing:
        return failure(
            gettext_lazy(
                "The assignment is inconsistent: grade cell %(grade_id)s is not in its grading "
                "notebook; ask the instructors to publish it again.",
                grade_id=repr(missing[0]),
            )
        )

    try:
        notebook = read_notebook(submission)
    except NbgraderFormatError as error:
        return failure(
            gettext_lazy("Your notebook could not be read: %(problem)s", problem=error.problem)
        )
    prepared = prepare(notebook, grading, restore_missing=restore_missing_cells)
    # The assignment's kernel counts, as nbgrader overwrites the participant's kernelspec.
    is_python, kernel_name = _kernel_language(prepared.notebook)
    if not is_python:
        return failure(
            gettext_lazy(
                "Autograding supports Python notebooks only "
                "(this notebook uses the %(kernel)s kernel).",
                kernel=clip(kernel_name, 80),
            )
        )

    try:
        isolation = resolve_isolation()
    except (SandboxMisconfigured, SandboxUnavailable) as error:
        logger.error("grading refused: %s", error)
        return failure(
            gettext_lazy(
                "The notebook could not be graded: the grading sandbox is not available on this "
                "worker. The instructors can re-run grading once it is fixed."
            ),
            f"sandbox: {error}",
        )

    try:
        for name in [*data_files, *(name for name, _source in course_files)]:
            _safe_relative(name)
    except ValueError as error:
        return failure(
            gettext_lazy(
                "Your files could not be prepared for grading: %(problem)s.", problem=str(error)
            )
        )

    def stage(workdir: Path) -> None:
        _stage(workdir, submission, data_files, course_files)

    # In the kernel template's spool when this worker has one (see kernel.run_dirs).
    run = run_dirs(isolation, limits)
    try:
        execution = execute(
            prepared.notebook,
            workdir=run.workdir,
            rundir=run.rundir,
            limits=limits,
            stage=stage,
            isolation=isolation,
            run=run,
        )
    finally:
        run.remove(_remove_tree)

    secrets = "\n".join(
        str(server[c.grade_id].get("source", "")) for c in graded if c.kind == "autograded"
    )
    log_lines = list(prepared.notes) + execution.notes
    log_lines += [
        f"course file {name} not staged: the participant's own file of that name was used"
        for name in course_file_clashes(
            [name for name, _source in course_files], {*data_files, NOTEBOOK_NAME}
        )
    ]
    for index in sorted(execution.interrupted):
        log_lines.append(f"cell {index + 1} was interrupted after {limits.cell_timeout_s:g} s")
    for index in sorted(execution.truncated):
        log_lines.append(f"the output of cell {index + 1} was truncated")
    if execution.leftovers:
        log_lines.append(f"{execution.leftovers} leftover processes of the kernel were killed")
    if execution.kernel_log:
        log_lines.append("kernel log:\n" + execution.kernel_log)
    # The isolation line comes last, so that it survives any clipping that keeps a log's end.
    footer = isolation.describe()
    body = redact(clip_tail("\n".join(log_lines), LOG_LIMIT - len(footer) - 1), secrets)
    log = f"{body}\n{footer}" if body else footer

    if execution.error:
        report = failure(execution.error.map_verbatim(lambda text: redact(text, secrets)), log)
        return replace(report, isolation=isolation.kind)

    executed_cells: list[Cell] = execution.notebook["cells"]
    hidden_ids = {
        c.grade_id
        for c in graded
        if c.kind == "autograded" and has_hidden_tests(str(server[c.grade_id].get("source", "")))
    }
    hidden_code = "\n".join(str(server[grade_id].get("source", "")) for grade_id in hidden_ids)
    labels = _cell_labels(executed_cells, prepared.index_of)
    outcomes: list[TestOutcome] = []
    for grade_cell in graded:
        hidden = grade_cell.grade_id in hidden_ids
        if grade_cell.grade_id in prepared.missing:
            outcomes.append(score_missing(grade_cell, hidden=hidden))
            continue
        index = prepared.index_of[grade_cell.grade_id]
        server_cell = server[grade_cell.grade_id]
        outcomes.append(
            score(
                executed_cells[index],
                grade_cell,
                server_cell,
                hidden=hidden,
                cells=labels,
                secrets=hidden_code,
                interrupted=index in execution.interrupted,
                truncated=index in execution.truncated,
                restored=grade_cell.grade_id in prepared.restored,
                reinserted=grade_cell.grade_id in prepared.reinserted,
                timeout_s=limits.cell_timeout_s,
                output_cap=limits.max_output_bytes,
                stderr_ignore=pattern,
            )
        )
    autograded_points = sum(
        (o.points for o in outcomes if o.kind == "autograded" and o.points is not None),
        Decimal(0),
    )
    return GradingReport(
        status="graded",
        outcomes=tuple(outcomes),
        autograded_points=autograded_points,
        autograded_max=autograded_max,
        manual_max=manual_max,
        error=Message(),
        log_excerpt=clip_tail(log, LOG_LIMIT),
        duration_s=elapsed(),
        isolation=isolation.kind,
    )


@dataclass(frozen=True)
class NotebookToGrade:
    """One notebook of an attempt with its assignment notebook's grading copy and grade cells
    (their own grade ids, as in the notebook)."""

    name: str
    submission: bytes
    grading_notebook: bytes
    grade_cells: Sequence[GradeCell] | None = None


def grade_notebooks(
    *,
    notebooks: Sequence[NotebookToGrade],
    data_files: Mapping[str, Path | bytes] = NO_FILES,
    course_files: Sequence[tuple[str, Path]] = (),
    limits: GradingLimits = DEFAULT_LIMITS,
    stderr_ignore: str | None = DEFAULT_STDERR_IGNORE,
    restore_missing_cells: bool = False,
) -> GradingReport:
    """Autograde an attempt at an assignment of one or more notebooks, as nbgrader's autograde
    does a folder: each notebook in a fresh kernel of its own, with the participant's data
    files and the attempt's other notebooks beside it, and one report whose grade ids are
    qualified by the notebook (``merge_reports``). One notebook is ``grade_notebook`` as it
    always was: its grade ids stay as they are. Every notebook has the version's
    ``course_files`` beside it (``stage_course_files``)."""
    options = {
        "course_files": course_files,
        "limits": limits,
        "stderr_ignore": stderr_ignore,
        "restore_missing_cells": restore_missing_cells,
    }
    if len(notebooks) == 1:
        (one,) = notebooks
        return grade_notebook(
            submission=one.submission,
            grading_notebook=one.grading_notebook,
            grade_cells=one.grade_cells,
            data_files=data_files,
            **options,  # type: ignore[arg-type]
        )
    reports = []
    for notebook in notebooks:
        beside = {n.name: n.submission for n in notebooks if n is not notebook}
        report = grade_notebook(
            submission=notebook.submission,
            grading_notebook=notebook.grading_notebook,
            grade_cells=notebook.grade_cells,
            # The participant's own files win over a notebook of the same name.
            data_files=beside | dict(data_files),
            **options,  # type: ignore[arg-type]
        )
        reports.append((notebook.name, report))
    return merge_reports(reports)
