"""The grading-policy editor's forms: the draft's pass mark, its categories and elective groups
(small formsets: edit, remove, add one per save) and each module's rule (docs/program-setup.md,
"The grading policy")."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.formsets import DELETION_FIELD_NAME, BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import GradingPolicy, Module, PolicyModule
from courses.requirements import CategoryRule, GroupRule, ModuleRule, Policy, Role
from courses.setup.services import ModuleChoice

ROLES = [
    (Role.REQUIRED.value, pgettext_lazy("module", "required")),
    (Role.CAPSTONE.value, pgettext_lazy("module", "capstone project")),
    (Role.ELECTIVE.value, pgettext_lazy("module", "elective")),
    (Role.OPTIONAL.value, pgettext_lazy("module", "optional")),
]
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class CategoryForm(forms.Form):
    """One weighted category of the policy (``PolicyCategory``)."""

    key = forms.SlugField(label=_("Key"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=100)
    weight = forms.DecimalField(
        label=_("Weight (%)"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    drop_lowest = forms.IntegerField(
        label=_("Lowest grades dropped"), min_value=0, max_value=99, required=False, initial=0
    )
    minimum = forms.DecimalField(
        label=_("Minimum (%)"),
        max_digits=5,
        decimal_places=2,
        validators=PERCENT,
        required=False,
        initial=Decimal(0),
    )


class GroupForm(forms.Form):
    """One elective group: "pass ``required`` of these modules" (``ElectiveGroup``)."""

    key = forms.SlugField(label=_("Key"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=100)
    required = forms.IntegerField(
        label=_("How many must be passed"), min_value=1, max_value=99, initial=1
    )


class KeyedFormSet(BaseFormSet):  # type: ignore[type-arg]
    """Rows with a key each, unique among the rows kept; a row is removed with its checkbox,
    and the blank row at the end adds one (no JavaScript needed)."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if DELETION_FIELD_NAME in form.fields:
            form.fields[DELETION_FIELD_NAME].label = _("Remove")

    def kept(self) -> list[dict[str, Any]]:
        """The cleaned rows that stay (valid formset only), in their order."""
        return [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get(DELETION_FIELD_NAME)
        ]

    def keyed_rows(self) -> list[tuple[str, str]]:
        """(key, title) of the rows that stay as submitted (for the modules' choices, before
        validation) or as stored."""
        if not self.is_bound:
            return [(row["key"], row["title"]) for row in self.initial or ()]
        found = []
        for form in self.forms:
            key = (form.data.get(form.add_prefix("key")) or "").strip()
            if key and not form.data.get(form.add_prefix(DELETION_FIELD_NAME)):
                found.append((key, (form.data.get(form.add_prefix("title")) or key).strip()))
        return found

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for row in self.kept():
            if row["key"] in seen:
                raise forms.ValidationError(
                    _("Each key is used once: “%(key)s” is used twice.") % {"key": row["key"]}
                )
            seen.add(row["key"])

    def as_data(self) -> dict[str, Any]:
        """The stored rows as submitted data (the preview of the saved draft)."""
        rows = list(self.initial or ())
        data: dict[str, Any] = {
            f"{self.prefix}-TOTAL_FORMS": len(rows),
            f"{self.prefix}-INITIAL_FORMS": len(rows),
        }
        for index, row in enumerate(rows):
            data.update({f"{self.prefix}-{index}-{name}": value for name, value in row.items()})
        return data


CategoryFormSet = cast(
    "type[KeyedFormSet]",
    formset_factory(CategoryForm, formset=KeyedFormSet, extra=1, can_delete=True),
)
GroupFormSet = cast(
    "type[KeyedFormSet]",
    formset_factory(GroupForm, formset=KeyedFormSet, extra=1, can_delete=True),
)


class PolicyForm(forms.Form):
    """A draft version's rules: the weighted grade's pass mark, its categories and elective
    groups (each a small formset: edit, remove, add one per save), and per module a role,
    pass mark, weight, category and elective group. ``rules()`` gives them as the requirement
    engine's plain data, for the preview before anything is stored."""

    pass_mark = forms.DecimalField(
        label=_("Pass mark for the weighted grade (%)"),
        max_digits=5,
        decimal_places=2,
        validators=PERCENT,
    )
    notes = forms.CharField(
        label=_("What changes in this version, and why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, policy: GradingPolicy, modules: list[Module], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.policy, self.modules = policy, modules
        data = self.data if self.is_bound else None
        self.categories = CategoryFormSet(
            data,
            prefix="categories",
            initial=[
                {
                    "key": c.key,
                    "title": c.title,
                    "weight": c.weight,
                    "drop_lowest": c.drop_lowest,
                    "minimum": c.minimum,
                }
                for c in policy.categories.order_by("order", "pk")
            ],
        )
        self.groups = GroupFormSet(
            data,
            prefix="groups",
            initial=[
                {"key": g.key, "title": g.title, "required": g.required}
                for g in policy.groups.order_by("pk")
            ],
        )
        stored = {
            r.module_id: r
            for r in PolicyModule.objects.filter(policy=policy).select_related("category", "group")
        }
        self.fields["pass_mark"].initial = policy.pass_mark
        self.fields["notes"].initial = policy.notes
        none = [("", str(pgettext_lazy("category or group", "none")))]
        category_choices = none + [(k, f"{t} ({k})") for k, t in self.categories.keyed_rows()]
        group_choices = none + [(k, f"{t} ({k})") for k, t in self.groups.keyed_rows()]
        self.rows = []
        for module in modules:
            rule = stored.get(module.pk)
            title = {"title": module.title}
            self.fields[f"role_{module.pk}"] = forms.ChoiceField(
                label=_("Role of “%(title)s”") % title,
                choices=ROLES,
                initial=rule.role if rule else _module_role(module),
            )
            self.fields[f"mark_{module.pk}"] = forms.DecimalField(
                label=_("Pass mark of “%(title)s” (%%)") % title,
                max_digits=5,
                decimal_places=2,
                validators=PERCENT,
                initial=rule.pass_mark if rule else module.pass_mark,
            )
            self.fields[f"weight_{module.pk}"] = forms.DecimalField(
                label=_("Weight of “%(title)s”") % title,
                max_digits=6,
                decimal_places=2,
                min_value=Decimal(0),
                initial=rule.weight if rule else module.weight,
            )
            self.fields[f"category_{module.pk}"] = forms.ChoiceField(
                label=_("Category of “%(title)s”") % title,
                choices=category_choices,
                required=False,
                initial=rule.category.key if rule and rule.category else "",
            )
            self.fields[f"group_{module.pk}"] = forms.ChoiceField(
                label=_("Elective group of “%(title)s”") % title,
                choices=group_choices,
                required=False,
                initial=rule.group.key if rule and rule.group else "",
            )
            self.fields[f"attendance_{module.pk}"] = forms.DecimalField(
                label=_("Attendance required for “%(title)s” (%%)") % title,
                max_digits=5,
                decimal_places=2,
                validators=PERCENT,
                required=False,
                initial=rule.attendance_rate if rule else None,
            )
            self.rows.append(
                (module, *(self[f"{name}_{module.pk}"] for name in ROW_FIELDS)),
            )
        self.assignment_categories = tuple(
            policy.assignment_rules.values_list("assignment_id", "category__key")
        )

    @property
    def formsets(self) -> tuple[tuple[KeyedFormSet, str], ...]:
        return ((self.categories, str(_("Categories"))), (self.groups, str(_("Elective groups"))))

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.categories.is_valid() and self.groups.is_valid() and valid

    def has_errors(self) -> bool:
        return bool(
            self.errors
            or any(self.categories.errors)
            or self.categories.non_form_errors()
            or any(self.groups.errors)
            or self.groups.non_form_errors()
        )

    def initial_data(self) -> dict[str, Any]:
        """The form's initial values as submitted data (the preview of the stored draft)."""
        return {
            **{name: self.get_initial_for_field(f, name) for name, f in self.fields.items()},
            **self.categories.as_data(),
            **self.groups.as_data(),
        }

    def choices(self) -> dict[Module, ModuleChoice]:
        data = self.cleaned_data
        return {
            m: ModuleChoice(
                role=data[f"role_{m.pk}"],
                pass_mark=data[f"mark_{m.pk}"],
                weight=data[f"weight_{m.pk}"],
                category=data[f"category_{m.pk}"],
                group=data[f"group_{m.pk}"] if data[f"role_{m.pk}"] == Role.ELECTIVE else "",
                attendance_rate=data[f"attendance_{m.pk}"],
            )
            for m in self.modules
        }

    def category_rules(self) -> list[CategoryRule]:
        return [
            CategoryRule(
                key=row["key"],
                title=row["title"],
                weight=row["weight"],
                drop_lowest=row["drop_lowest"] or 0,
                minimum=row["minimum"] or Decimal(0),
            )
            for row in self.categories.kept()
        ]

    def group_rules(self) -> list[GroupRule]:
        return [GroupRule(row["key"], row["title"], row["required"]) for row in self.groups.kept()]

    def rules(self) -> Policy:
        """The rules as edited (valid form only)."""
        return Policy(
            version=self.policy.version,
            pass_mark=self.cleaned_data["pass_mark"],
            categories=tuple(self.category_rules()),
            groups=tuple(self.group_rules()),
            modules=tuple(
                ModuleRule(
                    module_id=m.pk,
                    title=m.title,
                    role=Role(c.role),
                    pass_mark=c.pass_mark,
                    weight=c.weight,
                    category=c.category or None,
                    group=c.group or None,
                    attendance_rate=c.attendance_rate,
                    tandem_meetings=m.tandem_meetings,
                )
                for m, c in self.choices().items()
            ),
            assignment_categories=self.assignment_categories,
        )


ROW_FIELDS = ("role", "mark", "weight", "category", "group", "attendance")


def _module_role(module: Module) -> str:
    if module.is_capstone:
        return Role.CAPSTONE.value
    return Role.REQUIRED.value if module.is_required else Role.OPTIONAL.value
