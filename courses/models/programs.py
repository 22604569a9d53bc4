"""Institutions, their certificate programs, a program's runs (cohorts) and its modules, with
the one rule of who grades which cohort (``CohortQuerySet.graded_by``)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from courses.catalogue import cohorts as admission
from courses.models.enrolment import Enrollment

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


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")
    BLENDED = "blended", _("blended (online and in person)")


class FeeRequirement(models.TextChoices):
    """When an open fee (``Enrollment.fee_status``) holds a participant back."""

    NONE = "none", _("never: the fee is recorded only")
    ADMISSION = "admission", _("before admission is final")
    CERTIFICATE = "certificate", _("before the certificate is issued")


@dataclass(frozen=True)
class ProgramText:
    """A program's texts as one visitor reads them, each with its language (for ``lang``)."""

    title: str
    title_lang: str
    summary: str
    summary_lang: str
    audience: str
    audience_lang: str


class ProgramQuerySet(models.QuerySet["Program"]):
    def coordinated_by(self, user: "User") -> "ProgramQuerySet":
        """The programs the user runs: every program for staff, else those naming the user
        among their coordinators (the list behind ``Program.is_coordinated_by``)."""
        if not user.is_active:
            return self.none()
        if user.is_coordinator:
            return self.all()
        return self.filter(coordinators=user)


class Program(models.Model):
    """A certificate program, e.g. "Machine Learning in Data Science"."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="programs")
    slug = models.SlugField(unique=True)
    # The texts come in two languages: ``title``/``summary``/``audience`` in English (or, when
    # the German ones are empty, the program's only text, in ``language``), the ``*_de`` ones in
    # German; pages show the visitor's language's text and fall back to the other
    # (``Program.text_in``, docs/program-setup.md).
    title = models.CharField(_("title (English)"), max_length=200)
    summary = models.TextField(_("summary (English)"), blank=True)
    audience = models.CharField(
        _("audience (English)"), max_length=200, help_text=_("Who the program is for.")
    )
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    summary_de = models.TextField(_("summary (German)"), blank=True)
    audience_de = models.CharField(_("audience (German)"), max_length=200, blank=True)
    language = models.CharField(
        _("language of teaching"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    is_part_time = models.BooleanField(default=True)
    format = models.CharField(
        _("format"), max_length=16, choices=Format.choices, default=Format.BLENDED
    )
    fee_required = models.CharField(
        _("fee must be paid"),
        max_length=16,
        choices=FeeRequirement.choices,
        default=FeeRequirement.NONE,
        help_text=_("Whether an open fee holds back admission or the certificate."),
    )
    offer_response_days = models.PositiveSmallIntegerField(
        _("days to accept a place from the wait list"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
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

    # Participants without activity this long are flagged at risk (courses.risk).
    inactivity_weeks = models.PositiveSmallIntegerField(
        _("weeks without activity before a participant is at risk"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def text_in(self, language: str) -> ProgramText:
        """The program's texts in ``language`` ("de" or "en") where given, else in the other.
        Each text falls back on its own: a German title with only an English summary shows
        both, each marked with its language."""
        german = language == Language.GERMAN
        # The base fields are English once a German text exists; alone, they are the only
        # text and in the language the program is taught in.
        base = Language.ENGLISH if self.title_de else self.language

        def pick(english: str, german_text: str) -> tuple[str, str]:
            if german and german_text:
                return german_text, Language.GERMAN
            if english:
                return english, base
            return german_text, Language.GERMAN

        title, title_lang = pick(self.title, self.title_de)
        summary, summary_lang = pick(self.summary, self.summary_de)
        audience, audience_lang = pick(self.audience, self.audience_de)
        return ProgramText(
            title=title,
            title_lang=title_lang,
            summary=summary,
            summary_lang=summary_lang,
            audience=audience,
            audience_lang=audience_lang,
        )

    @property
    def localized(self) -> ProgramText:
        """``text_in`` the active language (templates: ``program.localized.title``)."""
        return self.text_in((get_language() or Language.ENGLISH)[:2])

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

    def open_for_applications(self, day: dt.date | None = None) -> "CohortQuerySet":
        """The cohorts taking applications on ``day`` (default: today, local time); the rule
        is ``courses.catalogue.cohorts.open_on`` (docs/catalogue.md)."""
        return self.filter(admission.open_on(day or timezone.localdate()))

    def with_places_left(self, *, now: dt.datetime | None = None) -> "CohortQuerySet":
        """Annotated with ``places_taken`` and ``places_left`` (None: no capacity), in the same
        query; the rule is ``courses.catalogue.cohorts.with_places_left``."""
        return admission.with_places_left(self, now=now)


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

    # Admission (docs/applications.md).
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Places; leave empty for no limit.")
    )
    applications_open = models.BooleanField(_("open for applications"), default=False)
    application_deadline = models.DateField(
        _("application deadline"),
        null=True,
        blank=True,
        help_text=_("Last day to apply (inclusive); empty: until the cohort starts."),
    )
    fee = models.DecimalField(
        _("fee (EUR)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )

    schedule = models.TextField(
        _("schedule"),
        blank=True,
        help_text=_("When and where the cohort meets, in words (e.g. “Thursdays 17:00–20:00”)."),
    )

    # A tailor-made run for a client organisation (docs/client-reports.md): its contact person
    # reads a report of the cohort.
    client_organisation = models.CharField(
        _("client organisation"),
        max_length=200,
        blank=True,
        help_text=_("Empty: an open cohort. Set: the cohort runs for this organisation."),
    )
    client_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_cohorts",
        verbose_name=_("client's contact person"),
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
