"""Certificates (a snapshot of what they certify, never deleted) and the requests that wait for a
coordinator's approval."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models.enrolment import Enrollment
from courses.models.programs import Program


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
