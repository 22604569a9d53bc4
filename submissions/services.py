"""State changes of the submissions app. Views, API, commands, tasks and tests all call these."""

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from courses import plain_i18n
from courses.access import assignment_manager_refusal
from courses.models import (
    Assignment,
    AssignmentFile,
)
from platform.blobs import read_blob
from platform.models import User
from platform.observability.logging import current_request_id
from submissions import tasks
from submissions.exceptions import (
    AssignmentOutOfReach,
)
from submissions.grading import GradingReport
from submissions.models import (
    GradeEvent,
    GradingRun,
    RenderedNotebook,
    Submission,
    TestResult,
)
from submissions.rendering import RENDERER_VERSION
from submissions.rendering.course_images import MAX_IMAGE_BYTES, inline_course_images

"""State changes shared across the submissions app: grading and rendering queued, re-runs, the
grading report stored, reviews saved and released, grades recorded again. A feature package
keeps its own in its `services.py` (`intake`, `late`, `publishing`: docs/architecture.md)."""


@transaction.atomic
def queue_grading(
    *, submission: Submission, requested_by: User | None = None, replaces: GradingRun | None = None
) -> GradingRun:
    """Create a grading run and hand it to the worker once the transaction commits."""
    run = GradingRun.objects.create(
        submission=submission,
        requested_by=requested_by,
        replaces=replaces,
        # The worker logs the grading under it (a re-queued run keeps its upload's).
        request_id=replaces.request_id if replaces else current_request_id(),
    )
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.QUEUED)
    transaction.on_commit(lambda: tasks.grade_submission.enqueue(run.pk))
    return run


@transaction.atomic
def request_rendering(*, notebook_sha256: str) -> RenderedNotebook:
    """Queue a render unless the (sha256, renderer version) pair is cached or under way."""
    rendered, created = RenderedNotebook.objects.get_or_create(
        notebook_sha256=notebook_sha256,
        renderer_version=RENDERER_VERSION,
        defaults={"request_id": current_request_id()},
    )
    if created:
        transaction.on_commit(lambda: tasks.render_notebook.enqueue(rendered.pk))
    return rendered


def rerun_grading(*, actor: User, submissions: Iterable[Submission]) -> list[GradingRun]:
    """Grade submissions again (after a test was fixed, or a run failed); earlier runs are kept.

    Submissions with a run still queued or running are skipped, so pressing the button twice
    does not grade twice.
    """
    runs = []
    for submission in submissions:
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            if locked.grading_runs.filter(status__in=ACTIVE_RUN_STATES).exists():
                continue
            runs.append(queue_grading(submission=locked, requested_by=actor))
    return runs


def regrade_targets(*, grader: User, assignment: Assignment, only_failed: bool) -> list[Submission]:
    """The latest attempt of each participant, in the cohorts the grader grades."""
    targets = list(
        Submission.objects.gradable_by(grader)
        .filter(assignment=assignment)
        .latest_attempts()
        .order_by("participant_id")
    )
    if only_failed:
        targets = [s for s in targets if s.status == Submission.Status.FAILED]
    return targets


ACTIVE_RUN_STATES = (GradingRun.Status.QUEUED, GradingRun.Status.RUNNING)


MAX_LOST_RUNS = 3


def requeue_abandoned_runs() -> list[GradingRun]:
    """Hand runs whose worker died (no heartbeat for a while) to another worker, once.

    A run is abandoned when its heartbeat is older than ``GRADING_STALE_SECONDS``. Its
    replacement is a new queued run; after ``MAX_LOST_RUNS`` lost runs in a row the submission
    fails with a reason instead of looping forever (a notebook that kills its worker).
    """
    cutoff = timezone.now() - timedelta(seconds=settings.GRADING_STALE_SECONDS)
    replacements = []
    with transaction.atomic():
        stale = GradingRun.objects.filter(status=GradingRun.Status.RUNNING, heartbeat_at__lt=cutoff)
        if connection.features.has_select_for_update_skip_locked:
            stale = stale.select_for_update(skip_locked=True)
        for run in stale.select_related("submission"):
            run.status = GradingRun.Status.ABANDONED
            run.finished_at = timezone.now()
            # Stored as a Message, worded when shown (GradingRun.error_text).
            run.error = plain_i18n.gettext_lazy(
                "The worker grading this attempt stopped unexpectedly."
            ).dumps()
            run.save(update_fields=["status", "finished_at", "error"])
            if _lost_runs(run) >= MAX_LOST_RUNS:
                run.error = plain_i18n.ngettext_lazy(
                    "Grading was interrupted %(n)s time in a row; "
                    "the notebook may be crashing the grader.",
                    "Grading was interrupted %(n)s times in a row; "
                    "the notebook may be crashing the grader.",
                    MAX_LOST_RUNS,
                ).dumps()
                run.save(update_fields=["error"])
                Submission.objects.filter(pk=run.submission_id).update(
                    status=Submission.Status.FAILED
                )
                continue
            replacements.append(queue_grading(submission=run.submission, replaces=run))
    return replacements


def _lost_runs(run: GradingRun) -> int:
    count = 0
    current: GradingRun | None = run
    while current is not None and current.status == GradingRun.Status.ABANDONED:
        count += 1
        current = current.replaces
    return count


# The end of the engine's log kept with a run: enough to see why a notebook failed.
LOG_EXCERPT_CHARS = 4000


@transaction.atomic
def store_grading_report(*, run: GradingRun, report: GradingReport) -> None:
    """Store what the worker learned from one run: each cell's outcome, the run's status,
    points, error and log excerpt, the attempt's status, and an autograde entry in the grade
    log. The worker calls it after every run (a crash is stored as a failed report); tests
    call it to build graded attempts without a kernel."""
    TestResult.objects.bulk_create(
        TestResult(
            run=run,
            grade_id=outcome.grade_id,
            kind=outcome.kind,
            points=outcome.points,
            max_points=outcome.max_points,
            status=outcome.status,
            message=outcome.message.dumps(),
            hidden=outcome.hidden,
            missing=outcome.missing,
            traceback="" if outcome.hidden else outcome.traceback,
            position=position,
        )
        for position, outcome in enumerate(report.outcomes)
    )
    graded = report.status == "graded"
    run.status = GradingRun.Status.GRADED if graded else GradingRun.Status.FAILED
    run.finished_at = timezone.now()
    run.error = report.error.dumps()
    run.log_excerpt = report.log_excerpt[-LOG_EXCERPT_CHARS:]
    run.autograded_points = report.autograded_points if graded else Decimal(0)
    run.autograded_max = report.autograded_max
    run.save(
        update_fields=[
            "status",
            "finished_at",
            "error",
            "log_excerpt",
            "autograded_points",
            "autograded_max",
        ]
    )
    Submission.objects.filter(pk=run.submission_id).update(
        status=Submission.Status.GRADED if graded else Submission.Status.FAILED
    )
    GradeEvent.objects.create(
        submission_id=run.submission_id,
        source=GradeEvent.Source.AUTOGRADE,
        new_points=run.autograded_points,
        # An audit record, in the worker's language (English).
        reason=report.error.text() or "Autograded",
    )


def rendered_notebook_of(notebook_sha256: str) -> RenderedNotebook | None:
    """The cache entry of a stored notebook for the current renderer, if any."""
    return RenderedNotebook.objects.filter(
        notebook_sha256=notebook_sha256, renderer_version=RENDERER_VERSION
    ).first()


def rendered_html(submission: Submission, rendered: RenderedNotebook) -> str:
    """The stored HTML of a submission's rendering with the images it shows from course files
    inlined from the attempt's own version (``rendering.course_images``; the page and the API
    serve this)."""

    def read(paths: set[str]) -> dict[str, bytes]:
        if submission.assignment_version_id is None:
            return {}
        files = AssignmentFile.objects.filter(
            version_id=submission.assignment_version_id,
            path__in=paths,
            size__lte=MAX_IMAGE_BYTES,
        )
        return {f.path: read_blob(f.sha256) for f in files}

    return inline_course_images(read_blob(rendered.html_sha256).decode(), read)


def ensure_assignment_manager(*, actor: User, assignment: Assignment) -> None:
    """The services' side of ``courses.access.require_assignment_manager``: a change of the
    assignment's own settings reaches every cohort of its program, so it is refused unless
    the actor grades all of them that have participants (docs/review.md)."""
    if reason := assignment_manager_refusal(actor, assignment):
        raise AssignmentOutOfReach(reason)
