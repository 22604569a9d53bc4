"""Grading policies (versioned) and stored progress.

A program's **grading policy** is a numbered version: weighted categories, each with drop-lowest
and a minimum; per module a role (required, capstone, elective, optional), a pass mark, a weight
and the category its assignments count in; elective groups ("2 of these"); and a pass mark for
the weighted grade. A version is edited as a *draft* and then *published*; a published version
never changes (a change is a new version), so every stored progress and certificate can name the
exact rules it was computed under. A cohort either follows the program's latest published
version or is pinned to one (``Cohort.grading_policy``); a program without any published version
is judged by its modules' own fields (the implicit policy, version 0: ``implicit_rules``).
Coordinators' module results count like released grades and live with them
(``courses.models.grades``).
"""

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses import requirements
from courses.models.enrolment import Enrollment
from courses.models.programs import Module, Program

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class GradingPolicyQuerySet(models.QuerySet["GradingPolicy"]):
    def published(self) -> "GradingPolicyQuerySet":
        return self.filter(status=GradingPolicy.Status.PUBLISHED)


class GradingPolicy(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="grading_policies")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    pass_mark = models.DecimalField(
        _("pass mark for the weighted grade (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(50),
        validators=PERCENT,
    )
    notes = models.TextField(blank=True, help_text=_("What changed in this version, and why."))
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = GradingPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["program", "-version"]
        verbose_name_plural = _("grading policies")
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="policy_unique_version"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="policy_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(program)s, grading policy v%(version)s (%(status)s)") % {
            "program": self.program,
            "version": self.version,
            "status": self.get_status_display(),
        }

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def problems(self) -> list[str]:
        """Why this version cannot be published (empty when it can): weights that do not add
        up to 100, elective counts no participant could reach, rules for another program."""
        found: list[str] = []
        categories = list(self.categories.all())
        rules = list(self.module_rules.select_related("module", "group", "category"))
        groups = list(self.groups.all())
        if categories:
            total = sum((c.weight for c in categories), Decimal(0))
            if total != 100:
                found.append(
                    gettext("The category weights add up to %(total)s %%, not 100 %%.")
                    % {"total": requirements.threshold_text(total)}
                )
            moved = set(self.assignment_rules.values_list("category_id", flat=True))
            for category in categories:
                used = category.pk in moved or any(r.category_id == category.pk for r in rules)
                if category.weight > 0 and not used:
                    found.append(
                        gettext("Nothing counts in the category “%(title)s”.")
                        % {"title": category.title}
                    )
        for rule in rules:
            if rule.module.program_id != self.program_id:
                found.append(
                    gettext("The module “%(title)s” belongs to another program.")
                    % {"title": rule.module.title}
                )
            if (rule.role == requirements.Role.ELECTIVE) != (rule.group_id is not None):
                found.append(
                    gettext(
                        "The module “%(title)s”: electives need an elective group, "
                        "and only electives have one."
                    )
                    % {"title": rule.module.title}
                )
        for group in groups:
            members = sum(1 for r in rules if r.group_id == group.pk)
            if not 1 <= group.required <= members:
                found.append(
                    gettext(
                        "The elective group “%(title)s” requires %(required)s of "
                        "%(members)s modules."
                    )
                    % {"title": group.title, "required": group.required, "members": members}
                )
        for override in self.assignment_rules.select_related("assignment__module"):
            if override.assignment.module.program_id != self.program_id:
                found.append(
                    gettext("The assignment “%(title)s” belongs to another program.")
                    % {"title": override.assignment.title}
                )
        counted = [r for r in rules if r.role in requirements.COUNTED_ROLES]
        if not counted and not groups:
            found.append(gettext("The policy requires nothing: add a required module."))
        return found

    def as_rules(self) -> requirements.Policy:
        """This version as the requirement engine's plain data (uses prefetched relations)."""
        categories = sorted(self.categories.all(), key=lambda c: (c.order, c.pk))
        keys = {c.pk: c.key for c in categories}
        groups = list(self.groups.all())
        group_keys = {g.pk: g.key for g in groups}
        rules = sorted(self.module_rules.all(), key=lambda r: (r.module.order, r.module.pk))
        overrides = tuple(
            (a.assignment_id, keys[a.category_id])
            for a in self.assignment_rules.all()
            if a.category_id in keys
        )
        return requirements.Policy(
            assignment_categories=overrides,
            version=self.version,
            policy_id=self.pk,
            pass_mark=self.pass_mark,
            categories=tuple(
                requirements.CategoryRule(
                    key=c.key,
                    title=c.title,
                    weight=c.weight,
                    drop_lowest=c.drop_lowest,
                    minimum=c.minimum,
                )
                for c in categories
            ),
            groups=tuple(
                requirements.GroupRule(key=g.key, title=g.title, required=g.required)
                for g in groups
            ),
            modules=tuple(
                requirements.ModuleRule(
                    module_id=r.module_id,
                    title=r.module.title,
                    role=requirements.Role(r.role),
                    pass_mark=r.pass_mark,
                    weight=r.weight,
                    category=keys.get(r.category_id) if r.category_id else None,
                    group=group_keys.get(r.group_id) if r.group_id else None,
                    attendance_rate=r.attendance_rate,
                )
                for r in rules
            ),
        )


def implicit_rules(modules: Iterable[Module]) -> requirements.Policy:
    """The rules of a program without a published policy: its modules' own fields.

    Required and capstone modules must be passed; other modules are optional; the weighted
    grade is the weight-averaged module percentage; there is no overall pass mark.
    """

    def role(module: Module) -> requirements.Role:
        if module.is_capstone:
            return requirements.Role.CAPSTONE
        return requirements.Role.REQUIRED if module.is_required else requirements.Role.OPTIONAL

    return requirements.Policy(
        version=0,
        modules=tuple(
            requirements.ModuleRule(
                module_id=m.pk,
                title=m.title,
                role=role(m),
                pass_mark=m.pass_mark,
                weight=m.weight,
            )
            for m in sorted(modules, key=lambda m: (m.order, m.pk))
        ),
    )


class PolicyCategory(models.Model):
    """A weighted category, e.g. "exercises" 40 %: the mean of its assignments' percentages
    after dropping the lowest ``drop_lowest``, which must reach ``minimum``."""

    policy = models.ForeignKey(GradingPolicy, on_delete=models.CASCADE, related_name="categories")
    key = models.SlugField(max_length=40)
    title = models.CharField(max_length=100)
    weight = models.DecimalField(
        _("weight (%)"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    drop_lowest = models.PositiveSmallIntegerField(
        default=0, help_text=_("How many of the lowest grades in this category do not count.")
    )
    minimum = models.DecimalField(
        _("minimum (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=PERCENT,
        help_text=_("The category's percentage must reach this; 0 for no minimum."),
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["policy", "order", "pk"]
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["policy", "key"], name="category_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class ElectiveGroup(models.Model):
    """ "Two of these": a set of elective modules of which ``required`` must be passed."""

    policy = models.ForeignKey(GradingPolicy, on_delete=models.CASCADE, related_name="groups")
    key = models.SlugField(max_length=40)
    title = models.CharField(max_length=100)
    required = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text=_("How many must be passed.")
    )

    class Meta:
        ordering = ["policy", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "key"], name="elective_group_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class PolicyModule(models.Model):
    """What one module is under a policy version: its role, pass mark, weight and category."""

    policy = models.ForeignKey(GradingPolicy, on_delete=models.CASCADE, related_name="module_rules")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="policy_rules")
    role = models.CharField(
        max_length=10,
        choices=[
            (requirements.Role.REQUIRED.value, _("required")),
            (requirements.Role.CAPSTONE.value, _("capstone")),
            (requirements.Role.ELECTIVE.value, _("elective")),
            (requirements.Role.OPTIONAL.value, _("optional")),
        ],
        default=requirements.Role.REQUIRED.value,
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"), max_digits=5, decimal_places=2, default=Decimal(50), validators=PERCENT
    )
    weight = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(0)],
        help_text=_("Relative weight, used only when the policy has no categories."),
    )
    category = models.ForeignKey(
        PolicyCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="module_rules",
        help_text=_("The category this module's assignments count in."),
    )
    group = models.ForeignKey(
        ElectiveGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="module_rules",
        verbose_name=_("elective group"),
    )
    attendance_rate = models.DecimalField(
        _("attendance required (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_("Share of the module's sessions a participant must attend; empty for none."),
    )

    class Meta:
        ordering = ["policy", "module__order"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "module"], name="policy_module_once"),
        ]

    def __str__(self) -> str:
        return f"{self.module} ({self.get_role_display()})"


class PolicyAssignment(models.Model):
    """An assignment that counts in another category than its module's (e.g. a quiz inside an
    exercise module). Every assignment belongs to exactly one category per policy version."""

    policy = models.ForeignKey(
        GradingPolicy, on_delete=models.CASCADE, related_name="assignment_rules"
    )
    assignment = models.ForeignKey(
        "courses.Assignment", on_delete=models.PROTECT, related_name="policy_rules"
    )
    category = models.ForeignKey(
        PolicyCategory, on_delete=models.PROTECT, related_name="assignment_rules"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "assignment"], name="policy_assignment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.category}"


class ProgressRecord(models.Model):
    """The requirement engine's answer for one enrollment, stored when a grade is released or
    changed (and by ``manage.py rebuild_progress``), so pages read it instead of recomputing."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.CASCADE, related_name="progress_record"
    )
    policy = models.ForeignKey(
        GradingPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    policy_version = models.PositiveIntegerField(help_text=_("0: the modules' own rules."))
    complete = models.BooleanField(default=False)
    weighted_grade = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    percent_complete = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField()
    computed_at = models.DateTimeField(default=timezone.now)

    def as_result(self) -> requirements.Result:
        return requirements.Result.from_json(self.result)
