"""A participant's place in a cohort: what their work, grades, progress and certificates hang
on."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    cohort = models.ForeignKey(
        "courses.Cohort", on_delete=models.PROTECT, related_name="enrollments"
    )
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
        return self.grade_freezes.active().exists()
