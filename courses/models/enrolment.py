"""A participant's place in a cohort: what their work, grades, progress and certificates hang
on."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def current(self) -> "EnrollmentQuerySet":
        return self.filter(status__in=Enrollment.CURRENT)


class Enrollment(models.Model):
    """States (docs/enrolment.md): invited (a place is offered, the invitation not yet
    accepted), active, paused (no access for now, everything kept), withdrawn (left, with the
    reason; work and grades kept), completed."""

    class Status(models.TextChoices):
        INVITED = "invited", _("invited")
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        WITHDRAWN = "withdrawn", _("withdrawn")
        COMPLETED = "completed", _("completed")

    class FeeStatus(models.TextChoices):
        OPEN = "open", pgettext_lazy("fee", "open")
        PAID = "paid", _("paid")
        WAIVED = "waived", _("waived")

    # Participants keep access to their work after completing the program.
    CURRENT = (Status.ACTIVE, Status.COMPLETED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    cohort = models.ForeignKey(
        "courses.Cohort", on_delete=models.PROTECT, related_name="enrollments"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    fee_status = models.CharField(
        _("fee"), max_length=8, choices=FeeStatus.choices, default=FeeStatus.WAIVED
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    # The participant agreed that the cohort's client organisation sees their individual
    # results (docs/client-reports.md); set by the participant only.
    shares_results_with_client = models.BooleanField(default=False)

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


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> "InvitationQuerySet":
        """Invitations whose link still works: not accepted, not revoked, not expired."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """A one-time link into an enrolment (docs/enrolment.md): only the SHA-256 of its token is
    stored; it expires, works once, and can be re-sent (a new token, the old one dead) or
    revoked."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"invitation to {self.enrollment}"

    @property
    def state(self) -> str:
        """accepted, revoked, expired or open: what the coordinators' page says of the link."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"


class EnrollmentEvent(models.Model):
    """One change of an enrolment's state, fee status or invitation, with who made it and why
    (append-only; the coordinators' enrolment page shows the latest, docs/enrolment.md)."""

    class Kind(models.TextChoices):
        STATUS = "status", _("state")
        FEE = "fee", _("fee")
        INVITATION = "invitation", _("invitation")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    old = models.CharField(max_length=32, blank=True)
    new = models.CharField(max_length=32)
    reason = models.CharField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.enrollment}: {self.kind} {self.old} -> {self.new}"
