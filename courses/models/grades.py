"""A participant's results: released grades, coordinators' module results, and the freeze that
keeps the grades a certificate rests on from changing under it."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses import requirements
from courses.models.assignments import Assignment
from courses.models.certificates import Certificate
from courses.models.enrolment import Enrollment
from courses.models.policies import PERCENT
from courses.models.programs import Module


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


class ModuleResult(models.Model):
    """A coordinator's result for a module of one participant, e.g. an in-person training with
    no assignments. It decides the module (pass or fail), and its grade, if given, counts."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="module_results"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="results")
    passed = models.BooleanField()
    percent = models.DecimalField(
        _("grade (%)"), max_digits=5, decimal_places=1, null=True, blank=True, validators=PERCENT
    )
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "module"], name="module_result_once"),
        ]

    def as_rule_input(self) -> requirements.RecordedResult:
        return requirements.RecordedResult(
            module_id=self.module_id, passed=self.passed, percent=self.percent, reason=self.reason
        )


class HandIn(models.Model):
    """Work handed in: the participant has at least one attempt at the assignment, so its
    requirement shows "pending review" until a grade is released (docs/progress.md). The
    submissions app reports each attempt through ``courses.services.record_hand_in``, so
    progress never reads the submissions app."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="hand_ins")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="hand_ins")
    first_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "assignment"], name="hand_in_once"),
        ]


class GradeFreezeQuerySet(models.QuerySet["GradeFreeze"]):
    def active(self) -> "GradeFreezeQuerySet":
        """The freezes not lifted: their enrolments' grades must not change."""
        return self.filter(lifted_at__isnull=True)


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

    objects = GradeFreezeQuerySet.as_manager()

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
