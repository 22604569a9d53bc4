"""The set-up forms: every check a person can fix is a form error (a 400 with the form shown
again), so the services only ever see consistent data."""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Cohort, Module, Program
from platform.models import User


def account_for(name: str) -> User | None:
    """The active account with this e-mail address (or, for an account without one, this
    user name): how the set-up names people, so no page lists every account."""
    accounts = User.objects.filter(is_active=True)
    return (
        accounts.filter(email__iexact=name).order_by("pk").first()
        or accounts.filter(username=name, email="").first()
    )


def account_name(user: User) -> str:
    """The name ``account_for`` finds the user by."""
    return user.email or user.username


class CoordinatorsField(forms.CharField):
    """One coordinator a line, by the e-mail address of their account: add a line to add one,
    delete it to remove them. An unknown address is an error, and nothing is saved."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[User]:  # type: ignore[override]
        text = super().to_python(value) or ""
        chosen: list[User] = []
        errors: list[str] = []
        for name in text.split():
            user = account_for(name)
            if user is None:
                errors.append(_("No account has the address %(email)s.") % {"email": name})
            elif user in chosen:
                errors.append(_("%(email)s is named twice.") % {"email": name})
            else:
                chosen.append(user)
        if errors:
            raise forms.ValidationError(errors)
        return chosen


class ProgramForm(forms.ModelForm[Program]):
    coordinators = CoordinatorsField(
        label=_("Coordinators"),
        required=False,
        help_text=_(
            "They set up this program and manage its certificates. One a line: the e-mail "
            "address of their account; delete a line to remove someone."
        ),
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
            self.fields["coordinators"].initial = "\n".join(
                account_name(user) for user in self.instance.coordinators.order_by("email", "pk")
            )
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
        fields = ["title", "summary", "weight", "pass_mark", "tandem_meetings"]
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
            user = account_for(email)
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
                name = account_name(user)
                lines.append(f"{name} {weight}" if weight else name)
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
