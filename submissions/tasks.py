"""Background work: autograding and rendering run in the worker, never in the web process.

Tasks take ids (JSON-serializable) and load everything from the database and blob storage, so a
task can run on any worker host that shares them.
"""

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, transaction
from django.tasks import task
from django.utils import timezone

from courses import plain_i18n
from courses.models import Assignment, AssignmentVersion
from courses.nbgrader import GradeCell, qualified_grade_id
from courses.services import activate_assignment_version, reject_assignment_version
from platform.blobs import blob_path, put_bytes, read_blob
from platform.observability.jobs import observed_job
from platform.observability.metrics import GRADING_SECONDS, RENDER_SECONDS
from submissions import services  # it imports this module too; neither uses the other on import
from submissions.grading import (
    DEFAULT_STDERR_IGNORE,
    GradingLimits,
    GradingReport,
    NotebookToGrade,
    grade_notebooks,
)
from submissions.intake.notebooks import IntakeLimits
from submissions.models import (
    AssignmentSettings,
    GradingRun,
    PublishCheck,
    RenderedNotebook,
    Submission,
)
from submissions.publishing.course_files import files_of, staged
from submissions.rendering import RenderLimits, render_in_subprocess

logger = logging.getLogger(__name__)


# The queues (settings.TASKS): grading and rendering are served by workers of their own, so a
# render never holds up a grading (docs/operations.md, "Workers").
GRADING_QUEUE = "grading"
RENDERING_QUEUE = "rendering"


def worker_name() -> str:
    """``host:pid``: who grades a run and whose heartbeat it is (``WORKER_HOST`` names the host)."""
    return f"{settings.WORKER_HOST or socket.gethostname()}:{os.getpid()}"


@task(queue_name=GRADING_QUEUE)
@observed_job(GRADING_SECONDS, GradingRun)
def grade_submission(run_id: int) -> str:
    """Run one autograding run, exactly once: a run that is no longer queued is left alone."""
    with transaction.atomic():
        run = (
            GradingRun.objects.select_for_update()
            .select_related("submission__assignment")
            .filter(pk=run_id, status=GradingRun.Status.QUEUED)
            .first()
        )
        if run is None:
            return "skipped"
        run.status = GradingRun.Status.RUNNING
        run.started_at = run.heartbeat_at = timezone.now()
        run.worker = worker_name()
        run.save(update_fields=["status", "started_at", "heartbeat_at", "worker"])
        Submission.objects.filter(pk=run.submission_id).update(status=Submission.Status.RUNNING)

    try:
        with _heartbeat(run.pk):
            report = _grade(run)
    except Exception as error:  # the engine reports failures itself; this is the last guard
        logger.exception("grading run %s crashed", run_id)
        report = GradingReport.failure(
            plain_i18n.gettext_lazy(
                "The grader failed unexpectedly (%(error)s).", error=type(error).__name__
            )
        )
    services.store_grading_report(run=run, report=report)
    return report.status


@contextmanager
def _heartbeat(run_id: int) -> Iterator[None]:
    """Refresh the run's heartbeat from a side thread while the grader works.

    If this worker dies, the heartbeat stops and ``requeue_abandoned_runs`` (run by every
    worker, see the ``grading_worker`` command) hands the attempt to another worker.
    """
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.GRADING_HEARTBEAT_SECONDS):
                GradingRun.objects.filter(pk=run_id, status=GradingRun.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        finally:
            close_old_connections()

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _grade(run: GradingRun) -> GradingReport:
    submission = run.submission
    assignment = submission.assignment
    # The version the attempt was made for, however often the notebook was replaced since.
    version = submission.grading_copy
    submitted = [read_blob(notebook.sha256) for notebook in submission.notebook_files()]
    return grade_notebooks(
        notebooks=notebooks_to_grade(version, submitted),
        data_files={
            f.name: Path(blob_path(f.sha256)) for f in submission.data_files.all() if f.is_available
        },
        course_files=_course_files(version),
        limits=grading_limits(),
        stderr_ignore=stderr_rule(assignment.settings),
        restore_missing_cells=assignment.settings.restore_missing_cells,
    )


def notebooks_to_grade(
    version: Assignment | AssignmentVersion, submitted: list[bytes]
) -> list[NotebookToGrade]:
    """The engine's input for notebooks handed in (in the order of the version's notebooks):
    each with its grading copy and its own grade cells, their grade ids as in the notebook
    (the version stores them qualified for a multi-notebook assignment)."""
    notebooks = version.notebook_set()
    several = len(notebooks) > 1
    return [
        NotebookToGrade(
            name=notebook.name,
            submission=data,
            grading_notebook=read_blob(notebook.grading_sha256),
            grade_cells=tuple(
                GradeCell(
                    grade_id=c["grade_id"].removeprefix(prefix) if several else c["grade_id"],
                    kind=c["kind"],
                    points=Decimal(c["points"]),
                    cell_type=c.get("cell_type", "code"),
                    cell_index=c["cell_index"],
                )
                for c in version.grade_cells
                if not several or c.get("notebook") == notebook.name
            ),
        )
        for notebook, data in zip(notebooks, submitted, strict=True)
        for prefix in [qualified_grade_id(notebook.name, "")]
    ]


def _course_files(version: Assignment | AssignmentVersion | None) -> list[tuple[str, Path]]:
    """The version's course files as the engine stages them (none for an attempt from before
    versions existed: its course files are unknown)."""
    if not isinstance(version, AssignmentVersion):
        return []
    return staged(files_of(version))


def stderr_rule(rules: AssignmentSettings) -> str | None:
    """The assignment's warnings rule as the engine takes it (docs/grading.md, "Warnings")."""
    return DEFAULT_STDERR_IGNORE if rules.ignore_stderr_warnings else None


def intake_limits() -> IntakeLimits:
    """The configured intake caps; the renderer must accept whatever intake accepted."""
    return IntakeLimits(
        max_bytes=settings.NOTEBOOK_MAX_BYTES, max_cells=settings.NOTEBOOK_MAX_CELLS
    )


def grading_limits() -> GradingLimits:
    return GradingLimits(
        cell_timeout_s=settings.GRADING_CELL_TIMEOUT,
        notebook_timeout_s=settings.GRADING_NOTEBOOK_TIMEOUT,
        disk_bytes=settings.GRADING_DISK_QUOTA_MB * 1024 * 1024,
    )


def render_limits() -> RenderLimits:
    """The configured limits of one render (a worker's child started ahead gets the same)."""
    return RenderLimits(wall_seconds=settings.RENDER_WALL_SECONDS)


@task(queue_name=RENDERING_QUEUE)
@observed_job(RENDER_SECONDS, RenderedNotebook)
def render_notebook(rendered_id: int) -> str:
    """Render a stored notebook to sanitized HTML in a resource-limited child process."""
    rendered = RenderedNotebook.objects.filter(pk=rendered_id).first()
    if rendered is None or rendered.status == RenderedNotebook.Status.OK:
        return "skipped"
    result = render_in_subprocess(
        read_blob(rendered.notebook_sha256), render_limits(), intake_limits=intake_limits()
    )
    if result.ok:
        rendered.html_sha256 = put_bytes(result.html.encode())
        rendered.status = RenderedNotebook.Status.OK
        rendered.error = ""
    else:
        rendered.status = RenderedNotebook.Status.FAILED
        rendered.error = result.error.dumps()
    rendered.rendered_at = timezone.now()
    rendered.save(update_fields=["html_sha256", "status", "error", "rendered_at"])
    return rendered.status


@task(queue_name=GRADING_QUEUE)
def check_publication(check_id: int) -> str:
    """Grade the reference solution and the blank release of a freshly published assignment.

    The reference (the source notebook itself: its solution regions are plain code, its hidden
    tests present) must earn every autograded point; the blank release must earn none on any
    test with points. Anything else is a problem to show the instructor before participants
    meet it.
    """
    check = PublishCheck.objects.select_related("assignment", "version").filter(pk=check_id).first()
    if check is None or check.status != PublishCheck.Status.QUEUED:
        return "skipped"
    PublishCheck.objects.filter(pk=check.pk).update(status=PublishCheck.Status.RUNNING)
    # The version checked (a replacement is not live yet), else the assignment's notebooks.
    assignment = check.version or check.assignment
    notebooks = assignment.notebook_set()
    # The assignment's own warnings rule: an imported course's reference must pass under it.
    rule = stderr_rule(check.assignment.settings)
    references = [read_blob(n.source_sha256) for n in notebooks]
    if len(notebooks) == 1:
        references = [read_blob(check.source_sha256)]
    files = _course_files(check.version)
    reports = {
        "reference": grade_notebooks(
            notebooks=notebooks_to_grade(assignment, references),
            course_files=files,
            limits=grading_limits(),
            stderr_ignore=rule,
        ),
        "blank": grade_notebooks(
            notebooks=notebooks_to_grade(
                assignment, [read_blob(n.release_sha256) for n in notebooks]
            ),
            course_files=files,
            limits=grading_limits(),
            stderr_ignore=rule,
        ),
    }
    problems: list[plain_i18n.Message] = []
    if reports["reference"].status != "graded":
        problems.append(
            plain_i18n.gettext_lazy(
                "The reference notebook could not be graded: %(error)s",
                error=reports["reference"].error,
            )
        )
    if reports["blank"].status != "graded":
        problems.append(
            plain_i18n.gettext_lazy(
                "The blank notebook could not be graded: %(error)s", error=reports["blank"].error
            )
        )
    reference, blank = reports["reference"], reports["blank"]
    for outcome in reference.outcomes:
        if outcome.kind == "autograded" and outcome.points != outcome.max_points:
            problems.append(
                plain_i18n.ngettext_lazy(
                    "%(grade_id)s: the reference solution earns %(points)s of %(n)s point "
                    "(%(message)s).",
                    "%(grade_id)s: the reference solution earns %(points)s of %(n)s points "
                    "(%(message)s).",
                    outcome.max_points,
                    grade_id=outcome.grade_id,
                    points=outcome.points or Decimal(0),
                    message=outcome.message or plain_i18n.gettext_lazy("no message"),
                )
            )
    for outcome in blank.outcomes:
        if outcome.kind == "autograded" and outcome.max_points > 0 and outcome.points:
            problems.append(
                plain_i18n.ngettext_lazy(
                    "%(grade_id)s: the blank starter notebook already earns %(n)s point; "
                    "the test does not check the participant's work.",
                    "%(grade_id)s: the blank starter notebook already earns %(n)s points; "
                    "the test does not check the participant's work.",
                    outcome.points,
                    grade_id=outcome.grade_id,
                )
            )
    check.report = {
        name: {o.grade_id: (None if o.points is None else str(o.points)) for o in report.outcomes}
        for name, report in reports.items()
    } | {
        "max": {o.grade_id: str(o.max_points) for o in reference.outcomes},
        "problems": [problem.to_data() for problem in problems],
    }
    check.status = PublishCheck.Status.PROBLEMS if problems else PublishCheck.Status.PASSED
    if any(r.status != "graded" for r in reports.values()):
        check.status = PublishCheck.Status.FAILED
    check.finished_at = timezone.now()
    check.save(update_fields=["report", "status", "finished_at"])
    if check.version is not None:
        _decide(check)
    return check.status


def _decide(check: PublishCheck) -> None:
    """A replacement notebook goes live only when its check passed (docs/grading.md)."""
    assert check.version is not None
    if check.status == PublishCheck.Status.PASSED:
        activate_assignment_version(version=check.version)
    elif check.version.status == AssignmentVersion.Status.CHECKING:
        # The page and the API say why from the check's own report.
        reject_assignment_version(version=check.version, reason="")
