"""Tandems (docs/tandems.md): a participant of a cohort (a senior) paired with an international
student for a tandem module, the meetings both log, the senior's reflection, requests for a new
partner, and the tandem profiles the proposal matches on.

A tandem that ends (re-pairing) keeps its meetings, reflection and requests: the log stays with
the pair it belongs to. Who may see what is decided once, in ``courses.tandems.access``.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models.enrolment import Enrollment
from courses.models.programs import Cohort, Module
from courses.requirements import Reflection

if TYPE_CHECKING:
    from platform.models import User


class LanguageLevel(models.TextChoices):
    """How well someone speaks a language, in words a senior and a student both use."""

    BASIC = "basic", _("basic")
    GOOD = "good", _("good")
    FLUENT = "fluent", _("fluent")
    NATIVE = "native", _("native speaker")


class TandemProfile(models.Model):
    """What the matching reads about a person: languages with their level, interests (tags,
    lower case) and when they can meet. One per person, whichever cohorts they are in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tandem_profile"
    )
    # [[language code, level], ...]: codes of Django's LANGUAGES, levels of LanguageLevel.
    languages = models.JSONField(default=list, blank=True)
    interests = models.JSONField(default=list, blank=True)
    availability = models.CharField(_("availability"), max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"tandem profile of {self.user}"


class TandemStudentQuerySet(models.QuerySet["TandemStudent"]):
    def joined(self) -> "TandemStudentQuerySet":
        return self.filter(joined_at__isnull=False)


class TandemStudent(models.Model):
    """An international student in a cohort's tandem pool, invited by a coordinator by e-mail.

    The student needs no place in any program: the invitation link (only its SHA-256 is stored,
    as for enrolment invitations) sets a password and opens the tandem pages, nothing else."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="tandem_students")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tandem_places"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)

    objects = TandemStudentQuerySet.as_manager()

    class Meta:
        ordering = ["cohort", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="tandem_student_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} (tandem student in {self.cohort})"


class TandemQuerySet(models.QuerySet["Tandem"]):
    def current(self) -> "TandemQuerySet":
        return self.filter(ended_at__isnull=True)

    def of_member(self, user: "User") -> "TandemQuerySet":
        """The tandems ``user`` is one side of (as the senior or as the student)."""
        return self.filter(Q(senior__user=user) | Q(student=user))


class Tandem(models.Model):
    """A senior (a participant's place in the cohort) and a student, paired for a tandem module.
    At most one current tandem per senior and per student in a module (database constraints);
    re-pairing ends the tandem, which keeps its log."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="tandems")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="tandems")
    senior = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="tandems")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="student_tandems"
    )
    paired_at = models.DateTimeField(default=timezone.now)
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TandemQuerySet.as_manager()

    class Meta:
        ordering = ["-paired_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["senior", "module"],
                condition=Q(ended_at__isnull=True),
                name="tandem_one_current_per_senior",
            ),
            models.UniqueConstraint(
                fields=["student", "module"],
                condition=Q(ended_at__isnull=True),
                name="tandem_one_current_per_student",
            ),
        ]

    def __str__(self) -> str:
        return f"tandem {self.senior.user} / {self.student}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    @property
    def reflection_state(self) -> Reflection:
        """The reflection's state; ``NONE`` while nothing was typed (no row yet)."""
        try:
            return Reflection(self.reflection.state)
        except ObjectDoesNotExist:
            return Reflection.NONE

    def partner_of(self, user: "User") -> "User":
        """The other side of the tandem for one of its members."""
        return self.student if self.senior.user_id == user.pk else self.senior.user


class TandemMeeting(models.Model):
    """A meeting as one side logged it. Both sides may log the same meeting: progress counts
    distinct dates. The note is for the pair and the coordinators only."""

    tandem = models.ForeignKey(Tandem, on_delete=models.CASCADE, related_name="meetings")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    met_on = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    topic = models.CharField(_("topic"), max_length=200)
    note = models.TextField(pgettext_lazy("tandem meeting", "note"), max_length=2000, blank=True)
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-met_on", "-pk"]

    def __str__(self) -> str:
        return f"meeting of {self.tandem} on {self.met_on}"


class TandemReflection(models.Model):
    """The senior's short reflection, typed in the browser (drafts saved as they type), handed
    in and graded pass / not yet by a coordinator or an instructor of the cohort."""

    State = Reflection

    tandem = models.OneToOneField(
        Tandem, on_delete=models.CASCADE, primary_key=True, related_name="reflection"
    )
    draft = models.TextField(blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)  # the handed-in version
    state = models.CharField(
        max_length=16,
        choices=[
            (Reflection.NONE, pgettext_lazy("reflection", "not handed in")),
            (Reflection.SUBMITTED, pgettext_lazy("reflection", "handed in, awaiting review")),
            (Reflection.ACCEPTED, pgettext_lazy("reflection", "passed")),
            (Reflection.NOT_YET, pgettext_lazy("reflection", "not yet")),
        ],
        default=Reflection.NONE,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    feedback = models.TextField(_("feedback"), max_length=2000, blank=True)

    def __str__(self) -> str:
        return f"reflection of {self.tandem}"


class PartnerRequestQuerySet(models.QuerySet["PartnerRequest"]):
    def open(self) -> "PartnerRequestQuerySet":
        return self.filter(resolved_at__isnull=True)


class PartnerRequest(models.Model):
    """One side asks the coordinators for a new partner; the reason is for the coordinators only.
    Resolved when the tandem ends (re-pairing) or a coordinator closes it."""

    tandem = models.ForeignKey(Tandem, on_delete=models.CASCADE, related_name="partner_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    requested_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PartnerRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tandem", "requested_by"],
                condition=Q(resolved_at__isnull=True),
                name="partner_request_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"new partner request on {self.tandem}"
