"""Programs, their runs and modules, assignments, enrolment, released grades and certificates.

``courses`` knows nothing of submissions: the submissions app reports a released grade through
``courses.services.record_released_grade`` and this app takes it from there (progress,
certificates). Dependencies point one way: submissions -> courses -> platform.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.late import LatePolicy

if TYPE_CHECKING:
    from platform.models import User


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class Institution(models.Model):
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40)
    website = models.URLField(blank=True)
    # Certificates name their issuer; the credential's issuer id is derived from this slug.
    slug = models.SlugField(unique=True)

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """A certificate program, e.g. "Machine Learning in Data Science"."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="programs")
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    audience = models.CharField(max_length=200, help_text=_("Who the program is for."))
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    is_part_time = models.BooleanField(default=True)
    version = models.PositiveIntegerField(
        default=1, help_text=_("Bumped when requirements change; certificates record it.")
    )
    # Certificates: who manages them, and whether a met rule waits for a coordinator's approval.
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="coordinated_programs",
        blank=True,
        help_text=_("They issue, approve, revoke and re-issue this program's certificates."),
    )
    requires_approval = models.BooleanField(
        _("certificates require approval"),
        default=False,
        help_text=_(
            "When on, a participant who meets every requirement gets a certificate only after "
            "a coordinator approves it."
        ),
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def is_coordinated_by(self, user: "User") -> bool:
        """Staff coordinate every program; a program's own coordinators coordinate it."""
        if not user.is_active:
            return False
        return user.is_coordinator or self.coordinators.filter(pk=user.pk).exists()

    def cohorts_out_of_reach(self, user: "User") -> "CohortQuerySet":
        """The cohorts a change of what the program's cohorts share (an assignment's notebook or
        its own settings) reaches that the user does not grade: the cohorts with participants,
        less ``Cohort.objects.graded_by``. Only someone responsible for each of them may make
        such a change (empty: the user may); cohorts without participants have nobody to reach.
        See docs/review.md, "Settings of an assignment"."""
        return (
            Cohort.objects.filter(program_id=self.pk)
            .filter(models.Exists(Enrollment.objects.filter(cohort_id=models.OuterRef("pk"))))
            .exclude(pk__in=Cohort.objects.graded_by(user).values("pk"))
            .order_by("name", "pk")
        )

    def is_graded_by(self, user: "User") -> bool:
        """Whether the user grades a cohort of the program (``CohortQuerySet.graded_by``)."""
        return Cohort.objects.graded_by(user).filter(program=self).exists()


class CohortQuerySet(models.QuerySet["Cohort"]):
    def taught_by(self, user: "User") -> "CohortQuerySet":
        return self.filter(instructors=user)

    def graded_by(self, user: "User") -> "CohortQuerySet":
        """The cohorts whose work the user sees and grades: every cohort for staff, else the
        cohorts the user teaches and every cohort of the programs the user coordinates
        (``Program.coordinators``).

        The one rule behind the grading queue, the grading screen, the gradebook and the
        assignment pages (late work, rubric, publish check, review settings), so whatever
        one of them lists, the others open (docs/review.md, "Who grades what").
        """
        if not user.is_active:
            return self.none()
        if user.is_coordinator:
            return self.all()
        teaches = Cohort.instructors.through.objects.filter(
            cohort_id=models.OuterRef("pk"), user_id=user.pk
        )
        coordinates = Program.coordinators.through.objects.filter(
            program_id=models.OuterRef("program_id"), user_id=user.pk
        )
        return self.filter(models.Exists(teaches) | models.Exists(coordinates))


class Cohort(models.Model):
    """One run of a program, with its dates and instructors."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=100)
    starts_on = models.DateField()
    ends_on = models.DateField()
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="taught_cohorts", blank=True
    )
    # Empty: the cohort follows its program's latest published grading policy (see
    # courses.models.policies); set: the cohort stays on that version whatever is published later.
    grading_policy = models.ForeignKey(
        "courses.GradingPolicy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pinned_cohorts",
        verbose_name=_("grading policy"),
        help_text=_("Leave empty to follow the program's latest published grading policy."),
    )

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["program__title", "-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="cohort_unique_name"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="cohort_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.name}"


class Module(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    weight = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(0)]
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(50),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    is_required = models.BooleanField(default=True)
    is_capstone = models.BooleanField(default=False)

    class Meta:
        ordering = ["program", "order", "pk"]

    def __str__(self) -> str:
        return self.title


def default_data_file_types() -> list[str]:
    """Every kind of data file the platform knows how to check (see submissions.datafiles)."""
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


class PostingPolicy(models.TextChoices):
    """When participants see their autograde results: at once, or together with the review."""

    IMMEDIATE = "immediate", _("autograde results at once")
    ON_RELEASE = "on_release", _("everything on release")


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
    # Late work (see courses.late): grace, a penalty per started day or hour, a floor, and a
    # hard cut-off after which uploads are refused.
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
    cutoff_at = models.DateTimeField(
        null=True, blank=True, help_text=_("No uploads after this moment (unless extended).")
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
    source_sha256 = models.CharField(max_length=64, blank=True)
    release_sha256 = models.CharField(max_length=64, blank=True)
    grading_sha256 = models.CharField(max_length=64, blank=True)
    # [{"grade_id", "kind", "points", "cell_index"}], the grade cells found when publishing.
    grade_cells = models.JSONField(default=list, blank=True)
    max_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    autograded_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    manual_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    # Points the assignment's rubric adds on top of the notebook's (see docs/review.md,
    # "Rubrics"); included in max_points and kept when the notebook is republished.
    rubric_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    regrade_window_days = models.PositiveIntegerField(
        _("regrade window (days)"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_("How long after release participants may ask for a regrade."),
    )
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

    @property
    def shows_autograde_at_once(self) -> bool:
        """Whether participants see autograde results before their review is released."""
        return self.posting_policy == PostingPolicy.IMMEDIATE

    @property
    def hides_identities(self) -> bool:
        """Graders see pseudonyms while grading is anonymous and identities are not revealed."""
        return self.anonymous_grading and self.identities_revealed_at is None

    def manual_grade_cells(self) -> list[dict[str, Any]]:
        return manual_cells(self.grade_cells)

    def live_version(self) -> AssignmentVersion | None:
        """The version participants get now (``None`` only for an assignment never published
        through ``publish_assignment``)."""
        return self.versions.filter(status=AssignmentVersion.Status.LIVE).first()

    @property
    def late_policy(self) -> LatePolicy:
        return LatePolicy(
            grace_minutes=self.late_grace_minutes,
            percent_per_unit=self.late_penalty_percent,
            unit=self.late_penalty_unit,
            floor_percent=self.late_floor_percent,
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


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def current(self) -> "EnrollmentQuerySet":
        return self.filter(status__in=Enrollment.CURRENT)


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        COMPLETED = "completed", _("completed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    # Participants keep access to their work after completing the program.
    CURRENT = (Status.ACTIVE, Status.COMPLETED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(default=timezone.now)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "cohort"], name="enrollment_once_per_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"

    @property
    def grades_frozen(self) -> bool:
        """Whether a certificate relies on this participant's grades (see ``GradeFreeze``)."""
        return self.grade_freezes.filter(lifted_at__isnull=True).exists()


class Grade(models.Model):
    """The released grade of one participant for one assignment: what progress is built from.

    Only released grades live here; drafts and autograde results stay in the submissions app.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="grades")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="grades")
    points = models.DecimalField(max_digits=8, decimal_places=2, help_text=_("Final points."))
    raw_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    penalty_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    late_seconds = models.PositiveIntegerField(default=0)
    max_points = models.DecimalField(max_digits=8, decimal_places=2)
    released_at = models.DateTimeField(default=timezone.now)
    # The submission it came from, by id (courses must not import submissions).
    submission_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "assignment"], name="grade_once_per_assignment"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0) & Q(points__lte=models.F("max_points")),
                name="grade_in_range",
            ),
        ]


def new_certificate_code() -> str:
    """A short, human-friendly, unguessable code: 12 characters of Crockford base32 (60 bits).

    Grouped as XXXX-XXXX-XXXX; no I, L, O or U, so it survives being read aloud or retyped.
    """
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def issued(self) -> "CertificateQuerySet":
        return self.filter(status=Certificate.Status.ISSUED)


class Certificate(models.Model):
    """A certificate, snapshotting what it certifies. Never deleted: revoked or superseded."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("valid")
        REVOKED = "revoked", _("revoked")
        SUPERSEDED = "superseded", _("superseded")

    code = models.CharField(max_length=14, unique=True, default=new_certificate_code)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="certificates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="certificates")
    holder_name = models.CharField(max_length=200)
    program_title = models.CharField(max_length=200)
    program_version = models.PositiveIntegerField()
    institution_name = models.CharField(max_length=200)
    grade_percent = models.DecimalField(max_digits=5, decimal_places=1)
    # The grading policy version the grade was computed under (0: the modules' own rules).
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ISSUED)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    superseded_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True)
    # Who issued it by hand (a coordinator's issue, approval or re-issue); empty when automatic.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "program"],
                condition=Q(status="issued"),
                name="certificate_one_valid_per_program",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_title} for {self.holder_name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("courses:certificate", args=[self.code])

    def get_verification_url(self) -> str:
        return reverse("verify", args=[self.code])


class CertificateRequestQuerySet(models.QuerySet["CertificateRequest"]):
    def pending(self) -> "CertificateRequestQuerySet":
        return self.filter(status=CertificateRequest.Status.PENDING)


class CertificateRequest(models.Model):
    """A met certificate rule waiting for a coordinator's approval (programs that require it).

    Not a certificate: it has no public code and verifies nowhere. Approval issues the
    certificate (snapshotting the grade at that moment) and records who approved it and when.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        WITHDRAWN = "withdrawn", _("withdrawn")

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="certificate_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificate_requests"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="certificate_requests"
    )
    grade_percent = models.DecimalField(
        max_digits=5, decimal_places=1, help_text=_("The weighted grade when the rule was met.")
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    certificate = models.OneToOneField(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval",
    )

    objects = CertificateRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "program"],
                condition=Q(status="pending"),
                name="certificate_request_one_pending_per_program",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.program} ({self.status})"


# Grading policies, module results and stored progress live in their own module.
from courses.models.policies import (  # noqa: E402, F401
    ElectiveGroup,
    GradingPolicy,
    ModuleResult,
    PolicyAssignment,
    PolicyCategory,
    PolicyModule,
    ProgressRecord,
)


class GradeFreeze(models.Model):
    """A certificate relies on an enrolment's grades, so they must not change under it.

    Created when a certificate is issued (or re-issued); while it is not lifted, every change
    of that participant's reviews and released grades is refused. Only a coordinator lifts it,
    with a reason; the row stays as the audit record.
    """

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="grade_freezes"
    )
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="grade_freezes"
    )
    frozen_at = models.DateTimeField(default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-frozen_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(lifted_at__isnull=True),
                name="grade_freeze_one_active_per_enrollment",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | ~Q(lift_reason=""),
                name="grade_freeze_lifted_with_reason",
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


__all__ = [
    "Assignment",
    "AssignmentVersion",
    "Certificate",
    "CertificateRequest",
    "Cohort",
    "Deadline",
    "ElectiveGroup",
    "Enrollment",
    "Extension",
    "Grade",
    "GradeFreeze",
    "GradingPolicy",
    "Institution",
    "Language",
    "Module",
    "ModuleResult",
    "PolicyAssignment",
    "PolicyCategory",
    "PolicyModule",
    "PostingPolicy",
    "Program",
    "ProgressRecord",
    "default_data_file_types",
    "new_certificate_code",
]
