"""Assignments and their published notebook versions, with what decides when work is due:
each participant's deadline and cut-off and the extensions that move them. The settings only
the submissions app reads (late policy, data files, review) are ``submissions.AssignmentSettings``
(docs/architecture.md, "Assignment settings")."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models.enrolment import Enrollment
from courses.models.programs import Cohort, Module

if TYPE_CHECKING:
    from platform.models import User


def default_data_file_types() -> list[str]:
    """Every kind of data file the platform knows how to check (see submissions.intake.datafiles).

    The default of ``submissions.AssignmentSettings.data_file_types``; it stays here because
    courses' migration 0003 names it (it made the column this setting once was)."""
    return ["csv", "tsv", "parquet", "xlsx", "xls", "json", "txt", "png", "jpg", "gif"]


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def published(self) -> "AssignmentQuerySet":
        return self.filter(published_at__isnull=False)

    def visible_to(self, user: "User") -> "AssignmentQuerySet":
        """Published assignments of the programs the user is enrolled in or grades a cohort
        of (``CohortQuerySet.graded_by``)."""
        return (
            self.published()
            .filter(
                Q(
                    module__program__cohorts__enrollments__user=user,
                    module__program__cohorts__enrollments__status__in=Enrollment.CURRENT,
                )
                | Q(module__program__in=Cohort.objects.graded_by(user).values("program_id"))
            )
            .distinct()
        )


@dataclass(frozen=True)
class NotebookBlobs:
    """One published notebook of an assignment version: its file name and its three blobs."""

    name: str
    source_sha256: str
    release_sha256: str
    grading_sha256: str

    @classmethod
    def of(
        cls, row: "Assignment | AssignmentVersion | AssignmentNotebook", *, name: str
    ) -> "NotebookBlobs":
        """The three blobs a row names, under ``name``."""
        return cls(
            name=name,
            source_sha256=row.source_sha256,
            release_sha256=row.release_sha256,
            grading_sha256=row.grading_sha256,
        )


def manual_cells(grade_cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The grade cells an instructor scores: manually graded answers and tasks."""
    return [cell for cell in grade_cells if cell["kind"] in {"manual", "task"}]


class AssignmentVersion(models.Model):
    """One published notebook of an assignment: its source, release and grading copy, grade
    cells and points. A published version never changes; replacing the notebook adds the next
    one (docs/grading.md, "Replacing a published notebook").

    A new version starts as a *draft* (the publish page shows its changes before the
    instructor confirms), is *checked* by the worker, and goes *live* only when the check
    passes: its notebooks and settings are then copied onto the ``Assignment`` and the version
    it replaces is *retired*. Every attempt records the version it was made for and is graded
    against it, however often the notebook is replaced afterwards.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("waiting for confirmation")
        CHECKING = "checking", _("being checked")
        LIVE = "live", _("live")
        RETIRED = "retired", _("replaced")
        REJECTED = "rejected", _("not put live")

    assignment = models.ForeignKey("Assignment", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The live version this one was compared with and replaces; it goes live only if that
    # one is still live then (otherwise it is rejected: compare again).
    base_number = models.PositiveIntegerField(null=True, blank=True)
    source_sha256 = models.CharField(max_length=64)
    release_sha256 = models.CharField(max_length=64)
    grading_sha256 = models.CharField(max_length=64)
    grade_cells = models.JSONField(default=list, blank=True)
    # The notebook's points (the rubric's are the assignment's and count on top).
    notebook_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    autograded_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    manual_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    # Settings given with the new notebook ({"title", "opens_at", "due_at", "max_attempts"},
    # only those given), applied when it goes live; what is not given stays as it is.
    given_settings = models.JSONField(default=dict, blank=True)
    # What changes against the base version (courses.versions.VersionChanges.as_json()).
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    live_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assignment", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "number"], name="assignment_version_once"
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="live"),
                name="assignment_one_live_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} v{self.number}"

    def manual_grade_cells(self) -> list[dict[str, Any]]:
        return manual_cells(self.grade_cells)

    @property
    def is_multi_notebook(self) -> bool:
        """A multi-notebook version has no notebook of its own: its notebooks are rows."""
        return not self.source_sha256

    def notebook_set(self) -> list[NotebookBlobs]:
        """The version's notebooks in order: its ``AssignmentNotebook`` rows for a
        multi-notebook version, else the one notebook of its own fields, named after the
        assignment (as the release download has always named it)."""
        if self.is_multi_notebook:
            return [row.blobs for row in self.notebooks.all()]
        return [NotebookBlobs.of(self, name=f"{self.assignment.slug}.ipynb")]


class AssignmentNotebook(models.Model):
    """One notebook of a multi-notebook assignment version (an nbgrader assignment folder with
    several notebooks). A single-notebook version has no rows: its own fields are its notebook.
    Its grade cells are the version's, with grade ids qualified by the notebook
    (``qualified_grade_id``) and a ``notebook`` key naming it."""

    version = models.ForeignKey(
        AssignmentVersion, on_delete=models.CASCADE, related_name="notebooks"
    )
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField()
    source_sha256 = models.CharField(max_length=64)
    release_sha256 = models.CharField(max_length=64)
    grading_sha256 = models.CharField(max_length=64)
    notebook_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="assignment_notebook_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def blobs(self) -> NotebookBlobs:
        return NotebookBlobs.of(self, name=self.name)


class AssignmentFile(models.Model):
    """A course file of an assignment version: an image, a data file or a helper module the
    notebook reads, published with it (docs/course-files.md).

    Stored per version, like the notebooks, so an attempt is graded with the files of the
    version it was made for. ``path`` is relative to the notebook's working directory, checked
    by ``courses.course_files.clean_course_path`` (no ``..``, no absolute path, no hidden
    part); the bytes are a content-addressed blob.
    """

    version = models.ForeignKey(AssignmentVersion, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["version", "path"]
        constraints = [
            models.UniqueConstraint(fields=["version", "path"], name="assignment_file_path_once"),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def name(self) -> str:
        """The file's own name, for a download."""
        return self.path.rsplit("/", 1)[-1]


class Assignment(models.Model):
    """A notebook assignment, published from an nbgrader-format source notebook.

    The source (with solutions and hidden tests) and the grading copy never leave the server;
    participants download the release notebook. All three are content-addressed blobs.
    """

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="assignments")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    opens_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    max_attempts = models.PositiveIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Uploads allowed per participant."),
    )
    # The hard cut-off (courses reads it for deadlines and extensions); the late policy itself,
    # like every setting only submissions reads, is ``submissions.AssignmentSettings``.
    cutoff_at = models.DateTimeField(
        null=True, blank=True, help_text=_("No uploads after this moment (unless extended).")
    )
    source_sha256 = models.CharField(max_length=64, blank=True)
    release_sha256 = models.CharField(max_length=64, blank=True)
    grading_sha256 = models.CharField(max_length=64, blank=True)
    # [{"grade_id", "kind", "points", "cell_index"}], the grade cells found when publishing.
    grade_cells = models.JSONField(default=list, blank=True)
    max_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    autograded_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    manual_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    # Points the assignment's rubric adds on top of the notebook's (see docs/review.md,
    # "Rubrics"); included in max_points and kept when the notebook is republished. It stays
    # here, not in submissions.AssignmentSettings, because putting a version live (courses)
    # adds it to the notebook's points.
    rubric_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    published_at = models.DateTimeField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["module__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="assignment_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("submissions:assignment", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def is_open(self, at: Any = None) -> bool:
        """Uploads are accepted from ``opens_at`` on; late uploads are accepted and flagged."""
        now = at or timezone.now()
        return self.is_published and (self.opens_at is None or self.opens_at <= now)

    def manual_grade_cells(self) -> list[dict[str, Any]]:
        return manual_cells(self.grade_cells)

    @property
    def is_multi_notebook(self) -> bool:
        return self.is_published and not self.source_sha256

    def notebook_set(self) -> list[NotebookBlobs]:
        """The notebooks participants get now (the live version's); one for most assignments,
        whose own fields name it (a multi-notebook assignment has none of its own)."""
        live = self.live_version() if self.is_multi_notebook else None
        if live is not None:
            return live.notebook_set()
        return [NotebookBlobs.of(self, name=f"{self.slug}.ipynb")]

    def live_version(self) -> AssignmentVersion | None:
        """The version participants get now (``None`` only for an assignment never published
        through ``publish_assignment``)."""
        return self.versions.filter(status=AssignmentVersion.Status.LIVE).first()

    def course_files(self) -> models.QuerySet[AssignmentFile]:
        """The live version's course files: what participants download and what a new
        attempt is graded with (docs/course-files.md)."""
        return AssignmentFile.objects.filter(
            version__assignment=self, version__status=AssignmentVersion.Status.LIVE
        )

    def deadline_for(self, enrollment: "Enrollment") -> "Deadline":
        """The participant's own due date and cut-off: their extension, else their cohort's,
        else the assignment's. The latest-granted extension wins; revoked ones do not count."""
        extension = (
            self.extensions.active()
            .filter(Q(enrollment=enrollment) | Q(cohort_id=enrollment.cohort_id))
            .order_by(models.F("enrollment_id").desc(nulls_last=True), "-granted_at", "-pk")
            .first()
        )
        return self._deadline_with(extension)

    def deadlines_for(self, enrollments: Iterable["Enrollment"]) -> dict[int, "Deadline"]:
        """``deadline_for`` of many enrolments (by enrolment id), in one query."""
        enrollments = list(enrollments)
        extensions = list(
            self.extensions.active()
            .filter(
                Q(enrollment_id__in={e.pk for e in enrollments})
                | Q(cohort_id__in={e.cohort_id for e in enrollments})
            )
            .order_by("-granted_at", "-pk")
        )
        deadlines = {}
        for enrollment in enrollments:
            own = [x for x in extensions if x.enrollment_id == enrollment.pk]
            cohorts = [x for x in extensions if x.cohort_id == enrollment.cohort_id]
            deadlines[enrollment.pk] = self._deadline_with(next(iter(own or cohorts), None))
        return deadlines

    def _deadline_with(self, extension: "Extension | None") -> "Deadline":
        if extension is None:
            return Deadline(due_at=self.due_at, cutoff_at=self.cutoff_at)
        cutoff = extension.cutoff_at
        if cutoff is None and self.cutoff_at is not None:
            # An extension beyond the assignment's cut-off moves the cut-off with it.
            cutoff = max(self.cutoff_at, extension.due_at)
        return Deadline(due_at=extension.due_at, cutoff_at=cutoff)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime | None
    cutoff_at: datetime | None

    def late_seconds(self, at: datetime) -> int:
        return max(0, int((at - self.due_at).total_seconds())) if self.due_at else 0

    def is_closed(self, at: datetime) -> bool:
        return self.cutoff_at is not None and at > self.cutoff_at

    @property
    def cutoff_follows_due(self) -> bool:
        """A cut-off before the due date would refuse uploads that are not even late yet, so
        the late policy and every extension are refused with one (equal dates are fine)."""
        return self.cutoff_at is None or self.due_at is None or self.cutoff_at >= self.due_at


class ExtensionQuerySet(models.QuerySet["Extension"]):
    def active(self) -> "ExtensionQuerySet":
        """Extensions not revoked: the only ones a deadline is computed from."""
        return self.filter(revoked_at__isnull=True)


class Extension(models.Model):
    """More time for one participant or a whole cohort (a group), with a reason.

    Never deleted once granted: revoking one records who took it back and when (the deadline
    it gave no longer applies, see ``ExtensionQuerySet.active``), so the page, the API and the
    admin still show what was granted and revoked even when no grade changed.
    """

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    enrollment = models.ForeignKey(
        "Enrollment", on_delete=models.CASCADE, null=True, blank=True, related_name="extensions"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="extensions"
    )
    due_at = models.DateTimeField()
    cutoff_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ExtensionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(enrollment__isnull=False, cohort__isnull=True)
                | Q(enrollment__isnull=True, cohort__isnull=False),
                name="extension_for_one_participant_or_one_cohort",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="extension_revoked_with_who_and_when",
            ),
        ]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
