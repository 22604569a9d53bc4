"""Attempts, their autograding runs and results, reviews, rendered notebooks and the grade log."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.course_files import course_file_clashes
from courses.late import LatePolicy
from courses.models import Assignment, AssignmentFile, AssignmentVersion, Cohort, Enrollment
from courses.models.assignments import default_data_file_types
from courses.plain_i18n import Message

if TYPE_CHECKING:
    from platform.models import User


class PostingPolicy(models.TextChoices):
    """When participants see their autograde results: at once, or together with the review."""

    IMMEDIATE = "immediate", _("autograde results at once")
    ON_RELEASE = "on_release", _("everything on release")


# The longest hint an instructor may give for a test cell.
HINT_LIMIT = 1_000


class AssignmentSettings(models.Model):
    """An assignment's settings that only this app reads: its late policy, the data files
    participants may upload, the autograder's rules (the stderr switch, deleted cells) and test
    hints (docs/grading.md), and the review settings
    (posting policy, anonymity, regrade window). One row per assignment, created when the
    assignment is published (``submissions.publishing.services.publish_assignment``) and read as
    ``assignment.settings``; what courses reads itself (dates, cut-off, points) stays on
    ``courses.Assignment`` (docs/architecture.md, "Assignment settings")."""

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, primary_key=True, related_name="settings"
    )
    # Late work (see courses.late): grace, a penalty per started day or hour and a floor; the
    # hard cut-off is the assignment's (``Assignment.cutoff_at``).
    late_grace_minutes = models.PositiveIntegerField(default=0)
    late_penalty_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Percent of the maximum points deducted per started unit of lateness."),
    )
    late_penalty_unit = models.CharField(
        max_length=4, choices=[("day", _("per day")), ("hour", _("per hour"))], default="day"
    )
    late_floor_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Late work is never brought below this percentage of the maximum points."),
    )
    # Bring your own data: which files a participant may upload beside the notebook.
    data_file_types = models.JSONField(
        default=default_data_file_types,
        blank=True,
        help_text=_('Allowed file types for participants\' own data, e.g. ["csv", "parquet"].'),
    )
    # nbgrader zeroes a test on any stderr output; a library's warning is not a failed test.
    ignore_stderr_warnings = models.BooleanField(
        _("ignore warnings on stderr"),
        default=True,
        help_text=_(
            "Lines like 'file.py:12: FutureWarning: …' do not make a test fail. "
            "Switch off for nbgrader's strict behaviour."
        ),
    )
    # nbgrader's default gives a deleted graded cell 0 and flags it for the grader; with this
    # switch on, deleted cells are put back from the grading copy and graded, as nbgrader's
    # ``OverwriteCells.add_missing_cells`` does (docs/grading.md, "Missing cells").
    restore_missing_cells = models.BooleanField(
        _("put deleted cells back"),
        default=False,
        help_text=_(
            "A graded cell a participant deleted is put back and graded. Off (nbgrader's "
            "default): it scores 0 and is flagged for the graders."
        ),
    )
    # A hint per test cell (grade id -> text), shown to the participant when that test fails.
    test_hints = models.JSONField(default=dict, blank=True)
    max_data_files = models.PositiveIntegerField(default=10)
    max_data_file_bytes = models.PositiveBigIntegerField(default=50 * 1024 * 1024)
    # Review (see docs/review.md): when participants see autograde results, and whether graders
    # see pseudonyms instead of names until a coordinator reveals identities (who, when).
    posting_policy = models.CharField(
        _("posting policy"),
        max_length=12,
        choices=PostingPolicy.choices,
        default=PostingPolicy.IMMEDIATE,
    )
    anonymous_grading = models.BooleanField(_("anonymous grading"), default=False)
    identities_revealed_at = models.DateTimeField(null=True, blank=True)
    identities_revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    regrade_window_days = models.PositiveIntegerField(
        _("regrade window (days)"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_("How long after release participants may ask for a regrade."),
    )

    class Meta:
        verbose_name = _("assignment settings")
        verbose_name_plural = _("assignment settings")

    def __str__(self) -> str:
        return str(self.assignment)

    @property
    def shows_autograde_at_once(self) -> bool:
        """Whether participants see autograde results before their review is released."""
        return self.posting_policy == PostingPolicy.IMMEDIATE

    @property
    def hides_identities(self) -> bool:
        """Graders see pseudonyms while grading is anonymous and identities are not revealed."""
        return self.anonymous_grading and self.identities_revealed_at is None

    @property
    def follows_nbgrader_warnings_rule(self) -> bool:
        """Whether any output on stderr fails a test, as in nbgrader (imported courses), rather
        than only output that is not a Python warning (assignments authored here)."""
        return not self.ignore_stderr_warnings

    def hint_for(self, grade_id: str) -> str:
        """The instructor's hint for a test cell, shown when it fails ("" when none)."""
        hint = self.test_hints.get(grade_id, "") if isinstance(self.test_hints, dict) else ""
        return hint if isinstance(hint, str) else ""

    @property
    def late_policy(self) -> LatePolicy:
        return LatePolicy(
            grace_minutes=self.late_grace_minutes,
            percent_per_unit=self.late_penalty_percent,
            unit=self.late_penalty_unit,
            floor_percent=self.late_floor_percent,
        )


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def of_participant(self, user: "User") -> "SubmissionQuerySet":
        return self.filter(participant=user)

    def gradable_by(self, user: "User") -> "SubmissionQuerySet":
        """Submissions in the cohorts the user grades (``Cohort.objects.graded_by``)."""
        return self.filter(enrollment__cohort__in=Cohort.objects.graded_by(user).values("pk"))

    def latest_attempts(self) -> "SubmissionQuerySet":
        """Only each participant's latest attempt at each assignment: the one the queue lists,
        regrading reaches, exports, analytics and the gradebook show (docs/review.md, "The
        latest attempt"). Judged against all of the participant's attempts, not only the ones
        this queryset holds, so a filter never turns an earlier attempt into the latest."""
        return self.filter(~_newer_attempt())

    def with_is_latest(self) -> "SubmissionQuerySet":
        """Every attempt, each marked ``is_latest`` by the rule of ``latest_attempts``: for a
        pass that also needs the earlier attempts (counts, lateness)."""
        return self.annotate(is_latest=~_newer_attempt())


def _newer_attempt() -> Exists:
    """A later attempt of the same participant at the same assignment exists. Attempts are
    numbered per participant and assignment (``submission_attempt_once``), across enrolments."""
    return Exists(
        Submission.objects.filter(
            assignment_id=OuterRef("assignment_id"),
            participant_id=OuterRef("participant_id"),
            attempt_no__gt=OuterRef("attempt_no"),
        )
    )


class Submission(models.Model):
    """One uploaded attempt. Immutable once stored: a new upload is a new attempt."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the grader")
        RUNNING = "running", _("being graded")
        GRADED = "graded", _("autograded")
        FAILED = "failed", _("could not be graded")

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="submissions")
    # The notebook version the attempt was made for: it is graded against that version's
    # grading copy and grade cells, however often the notebook is replaced afterwards.
    assignment_version = models.ForeignKey(
        AssignmentVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
    )
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="submissions")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    attempt_no = models.PositiveIntegerField()
    notebook_sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    # More than one for an attempt at a multi-notebook assignment: its notebooks are then its
    # ``SubmissionNotebook`` rows, and ``notebook_sha256`` names the first (docs/grading.md).
    notebook_count = models.PositiveSmallIntegerField(default=1, db_default=1)
    # Shown back to the participant only; never used to name a file on disk.
    original_filename = models.CharField(max_length=255)
    kernel_language = models.CharField(max_length=40, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    late_seconds = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "participant", "attempt_no"], name="submission_attempt_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} #{self.attempt_no} by {self.participant}"

    def get_absolute_url(self) -> str:
        return reverse("submissions:detail", args=[self.pk])

    @property
    def is_late(self) -> bool:
        """Late uploads are accepted and flagged; a later issue adds penalties and cut-offs."""
        return self.late_seconds > 0

    @property
    def is_settled(self) -> bool:
        """Whether the page can stop polling: grading finished one way or the other."""
        return self.status in {self.Status.GRADED, self.Status.FAILED}

    @property
    def grading_copy(self) -> "Assignment | AssignmentVersion":
        """What the attempt is graded against (grading copy, grade cells, points): the version
        it was made for; an attempt stored before versions existed uses the assignment's."""
        return self.assignment_version or self.assignment

    # The course files found in the uploaded assignment folder and left out (set by
    # ``intake.services.submit_attempt`` for its caller's notice; not stored).
    left_out_course_files: Sequence[str] = ()

    def replaced_course_files(self) -> list[str]:
        """The course files of the attempt's version that its own data files of the same name
        replace when it is graded: the participant's own data wins (docs/course-files.md)."""
        if self.assignment_version_id is None:
            return []
        names = {f.name for f in self.data_files.all()}
        if not names:
            return []
        paths = AssignmentFile.objects.filter(version_id=self.assignment_version_id)
        return course_file_clashes(list(paths.values_list("path", flat=True)), names)

    def manual_grade_cells(self) -> list[dict[str, Any]]:
        """The manually graded cells of the attempt's own version."""
        return self.grading_copy.manual_grade_cells()

    @property
    def max_points(self) -> Decimal:
        """The attempt's maximum: its version's notebook points plus the assignment's rubric."""
        if self.assignment_version is None:
            return self.assignment.max_points
        return self.assignment_version.notebook_points + self.assignment.rubric_points

    def notebook_files(self) -> list["SubmissionNotebook"]:
        """The attempt's notebooks in the assignment's order: its ``SubmissionNotebook`` rows
        for a multi-notebook assignment, else one (unsaved) entry for its own notebook."""
        if self.notebook_count > 1:
            return list(self.notebooks.all())
        return [
            SubmissionNotebook(
                submission=self,
                name=self.original_filename,
                position=0,
                sha256=self.notebook_sha256,
                size=self.size,
            )
        ]

    def download_name(self, notebook: "SubmissionNotebook") -> str:
        """The file name a notebook of the attempt is downloaded under (page and API):
        ``squares-attempt-2.ipynb``, or ``ps1-problem1-attempt-2.ipynb`` for one of several."""
        stem = self.assignment.slug
        if self.notebook_count > 1:
            stem = f"{stem}-{notebook.name.removesuffix('.ipynb')}"
        return f"{stem}-attempt-{self.attempt_no}.ipynb"

    def latest_run(self) -> "GradingRun | None":
        """The run that counts (``GradingRunQuerySet.latest_per_submission``), if any."""
        return GradingRun.objects.filter(submission=self).newest_first().first()


class SubmissionNotebook(models.Model):
    """One notebook of an attempt at a multi-notebook assignment, named as the assignment names
    it (``courses.AssignmentNotebook.name``). An attempt at a single-notebook assignment has no
    rows: ``Submission.notebook_sha256`` is its notebook (docs/grading.md, "Multi-notebook
    assignments")."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="notebooks")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["submission", "position"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "name"], name="submission_notebook_once"),
        ]

    def __str__(self) -> str:
        return self.name


class DraftNotebook(models.Model):
    """A notebook a participant put into their draft of a multi-notebook attempt, one by one.

    The draft (all of a participant's rows for an assignment) is not an attempt: it is not
    counted, not graded and no grader sees it, until ``hand_in_draft`` turns it into one
    ``Submission`` with all its notebooks and removes it (docs/grading.md, "Multi-notebook
    assignments"). A notebook put in again replaces the one of the same name."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="draft_notebooks"
    )
    name = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "participant", "name"], name="draft_notebook_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# The latest run is the last one enqueued (the higher id on a tie): every run is kept, so a
# re-run's result replaces the earlier one's while the history stays visible.
NEWEST_RUN_FIRST = ("-enqueued_at", "-pk")


class GradingRunQuerySet(models.QuerySet["GradingRun"]):
    def newest_first(self) -> "GradingRunQuerySet":
        return self.order_by(*NEWEST_RUN_FIRST)

    def latest_per_submission(self) -> "GradingRunQuerySet":
        """Only each submission's latest run, the one whose result counts."""
        latest = (
            GradingRun.objects.filter(submission_id=OuterRef("submission_id"))
            .order_by(*NEWEST_RUN_FIRST)
            .values("pk")[:1]
        )
        return self.filter(pk=Subquery(latest))


class GradingRun(models.Model):
    """One autograde execution of a submission; every run is kept, the latest one counts."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        GRADED = "graded", _("graded")
        FAILED = "failed", _("failed")
        ABANDONED = "abandoned", _("abandoned (its worker stopped)")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="grading_runs"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    enqueued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    # Refreshed by the worker while the run executes; a stale one means the worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The run this one replaces after its worker died, so lost runs are counted, not looped.
    replaces = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Why the run failed, stored as a ``Message`` (worded when shown: ``error_text``).
    error = models.TextField(blank=True)
    log_excerpt = models.TextField(blank=True)
    autograded_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    autograded_max = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # The request that queued the run (the upload's X-Request-ID): the worker logs the grading
    # under it, so one id follows the attempt from upload through grading (docs/operations.md).
    request_id = models.CharField(max_length=64, blank=True)

    objects = GradingRunQuerySet.as_manager()

    class Meta:
        ordering = list(NEWEST_RUN_FIRST)
        get_latest_by = "enqueued_at"

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def error_text(self) -> str:
        """Why the run failed, in the reader's language (the worker stores a ``Message``)."""
        return Message.loads(self.error).text()


class PublishCheck(models.Model):
    """The worker's check of a published assignment: the reference solution passes every test,
    the blank release fails every test that has points. Shown to the instructor."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        PASSED = "passed", _("passed")
        PROBLEMS = "problems", _("found problems")
        FAILED = "failed", _("could not run")

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="publish_checks"
    )
    # The version checked; a new version of a published assignment goes live only when its
    # check passes (docs/grading.md, "Replacing a published notebook").
    version = models.ForeignKey(
        AssignmentVersion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="publish_checks",
    )
    source_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # {"reference": {grade_id: points|None}, "blank": {...}, "max": {...},
    #  "problems": [Message.to_data()]}
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    @property
    def problems(self) -> list[str]:
        """The problems found, in the reader's language (the worker stores ``Message`` data)."""
        return [Message.loads(problem).text() for problem in self.report.get("problems", [])]


class TestResult(models.Model):
    """The outcome of one grade cell in one run. Hidden tests' code is never stored here."""

    class Kind(models.TextChoices):
        AUTOGRADED = "autograded", _("autograded test")
        MANUAL = "manual", _("manually graded answer")
        TASK = "task", _("task")

    class Status(models.TextChoices):
        PASSED = "passed", _("passed")
        PARTIAL = "partial", _("partly passed")
        FAILED = "failed", _("failed")
        NEEDS_MANUAL = "needs_manual", _("graded by an instructor")

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="results")
    grade_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(max_digits=8, decimal_places=2)
    status = models.CharField(max_length=16, choices=Status.choices)
    # What the grader says about the cell, stored as a ``Message`` (shown: ``message_text``).
    message = models.TextField(blank=True)
    hidden = models.BooleanField(default=False)
    # The cell was missing from the participant's notebook and not put back: an autograded one
    # scored 0, an answer waits for the grader; either way the graders are told.
    missing = models.BooleanField(default=False)
    # A failed visible test's traceback, cleaned of the kernel's frames and colour codes (plain
    # text; never filled for a cell with hidden tests).
    traceback = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "grade_id"], name="result_once_per_grade_id"),
        ]

    @property
    def message_text(self) -> str:
        """The grader's message in the reader's language (the worker stores a ``Message``)."""
        return Message.loads(self.message).text()

    @property
    def is_failure(self) -> bool:
        return self.status in {self.Status.FAILED, self.Status.PARTIAL}

    def hint(self, rules: AssignmentSettings) -> str:
        """The instructor's hint, shown for a failed test only ("" otherwise)."""
        if self.kind != self.Kind.AUTOGRADED or not self.is_failure:
            return ""
        return rules.hint_for(self.grade_id)

    def traceback_lines(self) -> list[tuple[str, bool]]:
        """The traceback's lines, each with whether it is the failing line of its frame (the
        line IPython marks with an arrow)."""
        return [(line, line.lstrip().startswith("---->")) for line in self.traceback.splitlines()]


class RenderedNotebook(models.Model):
    """The rendering cache, keyed by (notebook sha256, renderer version)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("rendering")
        OK = "ok", _("rendered")
        FAILED = "failed", _("could not render")

    notebook_sha256 = models.CharField(max_length=64)
    renderer_version = models.CharField(max_length=20)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    html_sha256 = models.CharField(max_length=64, blank=True)
    # Why rendering failed, stored as a ``Message`` (worded when shown: ``error_text``).
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    rendered_at = models.DateTimeField(null=True, blank=True)
    # The request that first asked for this render; the worker logs the render under it.
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notebook_sha256", "renderer_version"], name="render_once_per_version"
            ),
        ]

    @property
    def error_text(self) -> str:
        """Why rendering failed, in the reader's language (the worker stores a ``Message``)."""
        return Message.loads(self.error).text()


class Review(models.Model):
    """An instructor's grading of one submission: manual points, comments, release."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        READY = "ready", _("ready for release")
        RELEASED = "released", _("released")

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="review")
    grader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    feedback = models.TextField(blank=True)
    manual_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    # At release: autograded + manual points (raw), the late penalty, and the final total.
    raw_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    penalty_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    total_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    updated_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_released(self) -> bool:
        return self.state == self.State.RELEASED

    @property
    def is_ready(self) -> bool:
        return self.state == self.State.READY


class ReviewScore(models.Model):
    """Points and a comment for one manually graded cell (or task) of a submission."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    grade_id = models.CharField(max_length=200)
    points = models.DecimalField(max_digits=8, decimal_places=2)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "grade_id"], name="review_score_once"),
            models.CheckConstraint(condition=Q(points__gte=0), name="review_score_not_negative"),
        ]


class GradeEvent(models.Model):
    """Append-only audit of every change of a score: who, old -> new, from where, why."""

    class Source(models.TextChoices):
        AUTOGRADE = "autograde", _("autograder")
        REVIEW = "review", _("instructor review")
        RELEASE = "release", _("release")
        RUBRIC = "rubric", _("rubric change")
        REGRADE = "regrade", _("regrade request")

    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="grade_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    grade_id = models.CharField(max_length=200, blank=True)
    old_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    new_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]


class SubmissionFile(models.Model):
    """A participant's own data file uploaded with an attempt, stored as an immutable blob.

    Visible only to the participant and the graders of their cohort; copied read-only beside
    the notebook when grading. A purge (data minimisation) keeps the row as a record and
    drops the bytes.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="data_files")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "name"], name="data_file_name_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_available(self) -> bool:
        return self.purged_at is None


class DataCard(models.Model):
    """What the participant tells us about their own data: where from, licence, personal data."""

    class PersonalData(models.TextChoices):
        NO = "no", _("no personal data")
        PSEUDONYMISED = "pseudonymised", _("pseudonymised or anonymised")
        YES = "yes", _("contains personal data")

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="data_card"
    )
    source = models.CharField(_("where the data comes from"), max_length=500)
    licence = models.CharField(_("licence or terms of use"), max_length=200)
    personal_data = models.CharField(
        _("personal data"), max_length=16, choices=PersonalData.choices, default=PersonalData.NO
    )
    notes = models.TextField(_("anything else graders should know"), blank=True)


class DataPurge(models.Model):
    """Audit record of a coordinator purging a cohort's data files (data minimisation)."""

    cohort = models.ForeignKey(
        "courses.Cohort", on_delete=models.PROTECT, related_name="data_purges"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    files = models.PositiveIntegerField()
    bytes_removed = models.PositiveBigIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]


class GradingLease(models.Model):
    """Who is grading a submission right now, until when (see ``submissions.reviewing.leases``).

    One row per submission, created on first use and then only updated, so taking a lease is a
    row lock plus a conditional write. The lease is valid while ``holder`` is set and
    ``expires_at`` lies ahead; ``token`` names one taking of it, so a screen left open past its
    expiry cannot save over someone who took the submission in between.
    """

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="lease")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grading_leases",
    )
    token = models.CharField(max_length=43, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The last break by a coordinator, so the former holder is told who and when.
    broken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    broken_at = models.DateTimeField(null=True, blank=True)

    def is_valid(self, at: "datetime | None" = None) -> bool:
        return (
            self.holder_id is not None
            and self.expires_at is not None
            and self.expires_at > (at or timezone.now())
        )


class GraderShare(models.Model):
    """A grader's weight in a cohort's allocation; a cohort with shares allocates participants."""

    cohort = models.ForeignKey(
        "courses.Cohort", on_delete=models.CASCADE, related_name="grader_shares"
    )
    grader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grader_shares"
    )
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["cohort", "grader__username"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "grader"], name="grader_share_once"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="grader_share_positive"),
        ]


class GraderAllocation(models.Model):
    """The grader a participant's attempts go to, for every assignment of the cohort (sticky)."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.CASCADE, related_name="grader_allocation"
    )
    grader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="allocations"
    )
    allocated_at = models.DateTimeField(default=timezone.now)


# --- rubrics, comments on cells, regrade requests (docs/review.md) ---------------------------


class Rubric(models.Model):
    """An assignment's rubric: its versions (criteria and levels) and its comment bank.

    The comment bank belongs to the rubric, not to a version: editing reusable comments never
    re-scores anything.
    """

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="rubric")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Rubric of {self.assignment}"

    @property
    def current(self) -> "RubricVersion | None":
        return self.versions.order_by("-number").first()


class RubricVersion(models.Model):
    """One version of a rubric. A version reviews use is never edited: a new one replaces it."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    max_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "number"], name="rubric_version_once"),
        ]

    def __str__(self) -> str:
        return f"version {self.number}"


class RubricCriterion(models.Model):
    """What is judged, e.g. "Data quality". ``key`` is stable across versions."""

    version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="criteria")
    key = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="rubric_criterion_key_once"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def max_points(self) -> Decimal:
        return max((level.max_points for level in self.levels.all()), default=Decimal(0))


class RubricLevel(models.Model):
    """A level of a criterion: fixed points (min = max) or a range the grader picks within."""

    criterion = models.ForeignKey(RubricCriterion, on_delete=models.CASCADE, related_name="levels")
    key = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    min_points = models.DecimalField(max_digits=8, decimal_places=2)
    max_points = models.DecimalField(max_digits=8, decimal_places=2)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "key"], name="rubric_level_key_once"),
            models.CheckConstraint(
                condition=Q(min_points__gte=0) & Q(max_points__gte=models.F("min_points")),
                name="rubric_level_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_range(self) -> bool:
        return self.min_points != self.max_points


class CommentBankEntry(models.Model):
    """A reusable comment; for one criterion (by its stable key) or for any (blank key)."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="comment_bank")
    criterion_key = models.CharField(max_length=32, blank=True)
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class RubricScore(models.Model):
    """The level a grader chose for one criterion of a review, and the points it gives.

    ``flag`` marks a score a rubric change could not carry over cleanly (see
    ``submissions.reviewing.rubrics.map_score``); ``previous_*`` keep what it was, for the grader.
    """

    class Flag(models.TextChoices):
        NONE = "", _("ok")
        CRITERION_REMOVED = "criterion_removed", _("criterion removed from the rubric")
        LEVEL_REMOVED = "level_removed", _("chosen level removed from the rubric")
        POINTS_ADJUSTED = "points_adjusted", _("points moved into the level's new range")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rubric_scores")
    version = models.ForeignKey(RubricVersion, on_delete=models.PROTECT, related_name="scores")
    criterion_key = models.CharField(max_length=32)
    level_key = models.CharField(max_length=32, blank=True)
    points = models.DecimalField(max_digits=8, decimal_places=2)
    comment = models.TextField(blank=True)
    flag = models.CharField(max_length=20, choices=Flag.choices, blank=True, default=Flag.NONE)
    previous_level = models.CharField(max_length=200, blank=True)
    previous_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion_key"], name="rubric_score_once_per_criterion"
            ),
            models.CheckConstraint(condition=Q(points__gte=0), name="rubric_score_not_negative"),
        ]


class TestOverride(models.Model):
    """Points for one autograded test set by an accepted regrade request; they replace the
    autograder's points for that test in this review's total, in every later run too."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="test_overrides")
    grade_id = models.CharField(max_length=200)
    points = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "grade_id"], name="test_override_once"),
            models.CheckConstraint(condition=Q(points__gte=0), name="test_override_not_negative"),
        ]


class CellComment(models.Model):
    """A grader's comment on one cell (``#cell-N``, 1-based) and optionally a line of it.

    Plain text, always escaped; the participant sees it beside the cell after release only.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="cell_comments")
    cell = models.PositiveIntegerField()
    line = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cell", "line", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(cell__gte=1), name="cell_comment_cell_from_one"),
            models.CheckConstraint(
                condition=Q(line__isnull=True) | Q(line__gte=1), name="cell_comment_line_from_one"
            ),
        ]


class RegradeRequestQuerySet(models.QuerySet["RegradeRequest"]):
    def open(self) -> "RegradeRequestQuerySet":
        return self.filter(state=RegradeRequest.State.OPEN)


class RegradeRequest(models.Model):
    """A participant asks for one rubric criterion or one test to be looked at again."""

    class Target(models.TextChoices):
        CRITERION = "criterion", _("rubric criterion")
        TEST = "test", _("test")

    class State(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="regrade_requests"
    )
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="regrade_requests")
    target = models.CharField(max_length=16, choices=Target.choices)
    target_key = models.CharField(max_length=200)
    # What the target was called when asked, so the record reads right after rubric edits.
    target_label = models.CharField(max_length=200)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="regrade_requests"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The original grader; null when they no longer teach the cohort (then coordinators handle).
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    points_before = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    points_after = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = RegradeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "target", "target_key"],
                condition=Q(state="open"),
                name="regrade_one_open_per_target",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | ~Q(resolution_note=""),
                name="regrade_resolved_with_note",
            ),
        ]

    def __str__(self) -> str:
        return f"Regrade of {self.target_label} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def is_escalated(self) -> bool:
        return self.escalated_at is not None
