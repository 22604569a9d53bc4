"""The set-up forms: every check a person can fix is a form error (a 400 with the form shown
again), so the services only ever see consistent data."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Cohort, GradingPolicy, Module, PolicyModule, Program
from courses.requirements import CategoryRule, GroupRule, ModuleRule, Policy, Role
from courses.setup.services import ELECTIVES_KEY, ModuleChoice
from platform.models import User


class ProgramForm(forms.ModelForm[Program]):
    coordinators = forms.ModelMultipleChoiceField(
        label=_("Coordinators"),
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
        required=False,
        help_text=_("They set up this program and manage its certificates."),
    )

    class Meta:
        model = Program
        fields = [
            "title",
            "title_de",
            "slug",
            "institution",
            "summary",
            "summary_de",
            "audience",
            "audience_de",
            "language",
            "format",
            "is_part_time",
            "fee_required",
            "offer_response_days",
            "requires_approval",
            "inactivity_weeks",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "summary_de": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"slug": _("address name"), "is_part_time": _("part-time")}

    def __init__(self, *args: Any, may_staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["coordinators"].initial = list(self.instance.coordinators.all())
        if not may_staff:
            # A program's own coordinators change its texts and rules, not who runs it.
            for name in ("coordinators", "institution"):
                del self.fields[name]


KINDS = [
    ("required", pgettext_lazy("module", "required")),
    ("optional", pgettext_lazy("module", "optional")),
    ("capstone", pgettext_lazy("module", "capstone project")),
]


class ModuleForm(forms.ModelForm[Module]):
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS, initial="required")

    class Meta:
        model = Module
        fields = ["title", "summary", "weight", "pass_mark"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}
        labels = {"weight": _("weight")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        module = self.instance
        if module.pk:
            self.fields["kind"].initial = (
                "capstone"
                if module.is_capstone
                else "required"
                if module.is_required
                else "optional"
            )

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        others = Module.objects.filter(program_id=self.instance.program_id, title__iexact=title)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("The program already has a module with this title."))
        return title

    def save(self, commit: bool = True) -> Module:
        module = super().save(commit=False)
        kind = self.cleaned_data["kind"]
        module.is_capstone = kind == "capstone"
        module.is_required = kind in ("required", "capstone")
        return module


class InstructorsField(forms.CharField):
    """One instructor a line: an e-mail address of an existing account, optionally followed by
    a weight in the allocation of graders ("ines@example.org 2")."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> dict[User, int | None]:  # type: ignore[override]
        text = super().to_python(value) or ""
        chosen: dict[User, int | None] = {}
        errors: list[str] = []
        for line in text.splitlines():
            parts = line.split()
            if not parts:
                continue
            email, weight_text = parts[0], parts[1] if len(parts) > 1 else ""
            user = User.objects.filter(email__iexact=email, is_active=True).first()
            if user is None:
                errors.append(_("No account has the address %(email)s.") % {"email": email})
                continue
            weight = None
            if weight_text:
                if not weight_text.isdigit() or len(parts) > 2:
                    errors.append(
                        _("The weight of %(email)s must be a whole number, 0 or more.")
                        % {"email": email}
                    )
                    continue
                weight = int(weight_text)
            if user in chosen:
                errors.append(_("%(email)s is named twice.") % {"email": email})
            chosen[user] = weight
        if errors:
            raise forms.ValidationError(errors)
        return chosen


class CohortForm(forms.ModelForm[Cohort]):
    client_contact_email = forms.EmailField(
        label=_("Client's contact person (e-mail of their account)"),
        required=False,
        help_text=_("They read the cohort's report: enrolment, attendance, completion."),
    )
    instructors_text = InstructorsField(
        label=_("Instructors"),
        required=False,
        help_text=_(
            "One a line: the e-mail address of their account, optionally followed by a weight "
            "for the allocation of graders (e.g. “ines@example.org 2”)."
        ),
    )

    class Meta:
        model = Cohort
        fields = [
            "name",
            "starts_on",
            "ends_on",
            "schedule",
            "capacity",
            "fee",
            "applications_open",
            "application_deadline",
            "client_organisation",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "application_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "schedule": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"starts_on": _("starts on"), "ends_on": _("ends on"), "name": _("name")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cohort = self.instance
        if cohort.pk:
            weights = dict(cohort.grader_shares.values_list("grader_id", "weight"))
            lines = []
            for user in cohort.instructors.order_by("last_name", "email"):
                weight = weights.get(user.pk)
                lines.append(f"{user.email} {weight}" if weight else user.email)
            self.fields["instructors_text"].initial = "\n".join(lines)
            if cohort.client_contact is not None:
                self.fields["client_contact_email"].initial = cohort.client_contact.email

    def clean_client_contact_email(self) -> User | None:
        """The client's contact person by the e-mail address of their account."""
        email: str = self.cleaned_data["client_contact_email"].strip()
        if not email:
            return None
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No account has this e-mail address."))
        return user

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        others = Cohort.objects.filter(program_id=self.instance.program_id, name__iexact=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("The program already has a cohort with this name."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The cohort cannot end before it starts."))
        deadline = data.get("application_deadline")
        if deadline and ends and deadline > ends:
            self.add_error(
                "application_deadline", _("The application deadline is after the cohort ends.")
            )
        contact = data.get("client_contact_email")
        if contact and not data.get("client_organisation", "").strip():
            self.add_error("client_organisation", _("Name the organisation of the contact."))
        if "client_contact_email" in data:
            self.instance.client_contact = contact
        return data

    def validate_unique(self) -> None:
        """``program`` is set by the view, not a field; the name check is ``clean_name``."""


class CopyCohortForm(forms.Form):
    name = forms.CharField(label=_("Name of the new cohort"), max_length=100)
    starts_on = forms.DateField(
        label=_("The new cohort starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if Cohort.objects.filter(program_id=self.cohort.program_id, name__iexact=name).exists():
            raise forms.ValidationError(_("The program already has a cohort with this name."))
        return name

    def clean_starts_on(self) -> dt.date:
        starts: dt.date = self.cleaned_data["starts_on"]
        if starts == self.cohort.starts_on:
            raise forms.ValidationError(_("Choose another start than the copied cohort's."))
        return starts


ROLES = [
    (Role.REQUIRED.value, pgettext_lazy("module", "required")),
    (Role.CAPSTONE.value, pgettext_lazy("module", "capstone project")),
    (Role.ELECTIVE.value, pgettext_lazy("module", "elective")),
    (Role.OPTIONAL.value, pgettext_lazy("module", "optional")),
]
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class PolicyForm(forms.Form):
    """A draft version's rules: the weighted grade's pass mark, per module a role, pass mark and
    weight, and how many of the electives must be passed. ``rules()`` gives them as the
    requirement engine's plain data, for the preview before anything is stored."""

    pass_mark = forms.DecimalField(
        label=_("Pass mark for the weighted grade (%)"),
        max_digits=5,
        decimal_places=2,
        validators=PERCENT,
    )
    electives_required = forms.IntegerField(
        label=_("How many electives must be passed"), min_value=1, initial=1
    )
    notes = forms.CharField(
        label=_("What changes in this version, and why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, policy: GradingPolicy, modules: list[Module], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.policy, self.modules = policy, modules
        stored = {r.module_id: r for r in PolicyModule.objects.filter(policy=policy)}
        group = policy.groups.filter(key=ELECTIVES_KEY).first()
        self.fields["pass_mark"].initial = policy.pass_mark
        self.fields["notes"].initial = policy.notes
        if group:
            self.fields["electives_required"].initial = group.required
        self.rows = []
        for module in modules:
            rule = stored.get(module.pk)
            role = rule.role if rule else _module_role(module)
            role_field = forms.ChoiceField(
                label=_("Role of “%(title)s”") % {"title": module.title},
                choices=ROLES,
                initial=role,
            )
            mark_field = forms.DecimalField(
                label=_("Pass mark of “%(title)s” (%%)") % {"title": module.title},
                max_digits=5,
                decimal_places=2,
                validators=PERCENT,
                initial=rule.pass_mark if rule else module.pass_mark,
            )
            weight_field = forms.DecimalField(
                label=_("Weight of “%(title)s”") % {"title": module.title},
                max_digits=6,
                decimal_places=2,
                min_value=Decimal(0),
                initial=rule.weight if rule else module.weight,
            )
            self.fields[f"attendance_{module.pk}"] = forms.DecimalField(
                label=_("Attendance required for “%(title)s” (%%)") % {"title": module.title},
                max_digits=5,
                decimal_places=2,
                validators=PERCENT,
                required=False,
                initial=rule.attendance_rate if rule else None,
            )
            self.fields[f"role_{module.pk}"] = role_field
            self.fields[f"mark_{module.pk}"] = mark_field
            self.fields[f"weight_{module.pk}"] = weight_field
            self.rows.append(
                (
                    module,
                    self[f"role_{module.pk}"],
                    self[f"mark_{module.pk}"],
                    self[f"weight_{module.pk}"],
                    self[f"attendance_{module.pk}"],
                )
            )
        self.stored_categories = {r.module_id: r.category for r in stored.values() if r.category}

    def initial_data(self) -> dict[str, Any]:
        """The form's initial values as submitted data (the preview of the stored draft)."""
        return {name: self.get_initial_for_field(f, name) for name, f in self.fields.items()}

    def choices(self) -> dict[Module, ModuleChoice]:
        data = self.cleaned_data
        return {
            m: ModuleChoice(
                role=data[f"role_{m.pk}"],
                pass_mark=data[f"mark_{m.pk}"],
                weight=data[f"weight_{m.pk}"],
                attendance_rate=data[f"attendance_{m.pk}"],
            )
            for m in self.modules
        }

    def rules(self) -> Policy:
        """The rules as edited (valid form only), with the draft's categories as stored."""
        choices = self.choices()
        electives = [m for m, c in choices.items() if c.role == Role.ELECTIVE]
        categories = tuple(
            CategoryRule(
                key=c.key,
                title=c.title,
                weight=c.weight,
                drop_lowest=c.drop_lowest,
                minimum=c.minimum,
            )
            for c in self.policy.categories.order_by("order", "pk")
        )
        return Policy(
            version=self.policy.version,
            pass_mark=self.cleaned_data["pass_mark"],
            categories=categories,
            groups=(
                (
                    GroupRule(
                        ELECTIVES_KEY, str(_("Electives")), self.cleaned_data["electives_required"]
                    ),
                )
                if electives
                else ()
            ),
            modules=tuple(
                ModuleRule(
                    module_id=m.pk,
                    title=m.title,
                    role=Role(c.role),
                    pass_mark=c.pass_mark,
                    weight=c.weight,
                    category=(
                        self.stored_categories[m.pk].key if m.pk in self.stored_categories else None
                    ),
                    group=ELECTIVES_KEY if c.role == Role.ELECTIVE else None,
                    attendance_rate=c.attendance_rate,
                )
                for m, c in choices.items()
            ),
        )


def _module_role(module: Module) -> str:
    if module.is_capstone:
        return Role.CAPSTONE.value
    return Role.REQUIRED.value if module.is_required else Role.OPTIONAL.value
