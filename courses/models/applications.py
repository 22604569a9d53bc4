"""Applications for a place in a cohort and their screening (docs/applications.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models.enrolment import Enrollment


class Application(models.Model):
    """Someone's application for a cohort, from the public form to a decision.

    Stored before any mail is sent (the confirmation link goes out through the outgoing-mail
    queue), and only counts once the e-mail address is confirmed (``confirmed_at``)."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("e-mail not yet confirmed")
        SUBMITTED = "submitted", _("to be screened")
        WAITLISTED = "waitlisted", _("wait-listed")
        OFFERED = "offered", _("place offered from the wait list")
        ADMITTED = "admitted", _("admitted")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("offer expired")

    # Applications still waiting for a decision of the office or the applicant.
    OPEN = (Status.SUBMITTED, Status.WAITLISTED, Status.OFFERED)
    # While one of these exists, the same address cannot apply to the same cohort again.
    LIVE = (Status.UNCONFIRMED, *OPEN, Status.ADMITTED)
    # The decisions a coordinator takes on a submitted (or wait-listed) application.
    DECIDABLE = (Status.SUBMITTED, Status.WAITLISTED)

    cohort = models.ForeignKey(
        "courses.Cohort", on_delete=models.PROTECT, related_name="applications"
    )
    # Set when the applicant was logged in, or when admission created or found their account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    prior_knowledge = models.TextField(_("prior knowledge"), blank=True)
    motivation = models.TextField(_("motivation"))
    # An optional attachment (a CV, say) in the blob store (platform.blobs).
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_size = models.PositiveIntegerField(null=True, blank=True)
    privacy_notice = models.ForeignKey(
        "platform.PrivacyNotice",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("privacy notice accepted"),
    )
    consented_at = models.DateTimeField(_("consent given"))
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.UNCONFIRMED, db_index=True
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # A wait-listed applicant offered a place must accept by then, or it goes to the next one.
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    # The wait list's order (lowest first): the confirmation order unless a coordinator moves
    # someone; set when the application is wait-listed.
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_message = models.TextField(_("message sent with the decision"), blank=True)
    notes = models.TextField(_("office notes"), blank=True)
    enrollment = models.OneToOneField(
        Enrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
    )

    class Meta:
        ordering = ["confirmed_at", "created_at", "pk"]
        indexes = [models.Index(fields=["cohort", "status"])]
        constraints = [
            # One live application per address and cohort, even for two requests racing.
            models.UniqueConstraint(
                Lower("email"),
                "cohort",
                condition=Q(
                    status__in=["unconfirmed", "submitted", "waitlisted", "offered", "admitted"]
                ),
                name="application_live_once_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} for {self.cohort}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def can_be_withdrawn(self) -> bool:
        """The applicant may withdraw an open application, and an admitted one until the
        invitation is accepted (the enrolment is still *invited*); after that, leaving is a
        withdrawal of the enrolment, with the office."""
        if self.status == self.Status.ADMITTED:
            return self.enrollment is not None and self.enrollment.status == "invited"
        return self.status in (self.Status.UNCONFIRMED, *self.OPEN)
