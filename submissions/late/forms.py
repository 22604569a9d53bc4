"""Forms of an assignment's late work: the late policy, a cohort's and a participant's extension."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from courses.late import LatePolicy
from courses.models import Assignment, Cohort
from platform.text_limits import REASON_CHARS
from submissions.late.report import Participant

# What <input type="datetime-local"> sends and shows (minutes, in the current time zone).
LOCAL_MINUTES = "%Y-%m-%dT%H:%M"


def local_datetime(label: Any, *, required: bool) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTES),
    )


def percent_field(label: Any, help_text: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )


class LatePolicyForm(forms.Form):
    grace_minutes = forms.IntegerField(
        label=_("Grace period (minutes)"),
        min_value=0,
        max_value=60 * 24 * 365,
        help_text=_("Work within the grace period is not late at all."),
    )
    percent_per_unit = percent_field(
        _("Late penalty per unit (%)"),
        _("Percent of the maximum points deducted per started unit of lateness."),
    )
    unit = forms.ChoiceField(
        label=_("Unit"),
        choices=[("day", _("per day")), ("hour", _("per hour"))],
    )
    floor_percent = percent_field(
        _("Floor (%)"),
        _("Late work is never brought below this percentage of the maximum points."),
    )
    cutoff_at = local_datetime(_("Cut-off (no uploads after this)"), required=False)

    @classmethod
    def for_assignment(cls, assignment: Assignment, data: Any = None) -> "LatePolicyForm":
        policy = assignment.settings.late_policy
        initial = {
            "grace_minutes": policy.grace_minutes,
            "percent_per_unit": policy.percent_per_unit,
            "unit": policy.unit,
            "floor_percent": policy.floor_percent,
            "cutoff_at": assignment.cutoff_at,
        }
        return cls(data, initial=initial)

    def policy(self) -> LatePolicy:
        data = self.cleaned_data
        return LatePolicy(
            grace_minutes=data["grace_minutes"],
            percent_per_unit=data["percent_per_unit"],
            unit=data["unit"],
            floor_percent=data["floor_percent"],
        )


class ExtensionForm(forms.Form):
    """A new due date, an optional cut-off and a reason; the service checks the dates."""

    due_at = local_datetime(_("New due date"), required=True)
    cutoff_at = local_datetime(_("New cut-off (optional)"), required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )


class CohortExtensionForm(ExtensionForm):
    """More time for a whole cohort (one of the user's)."""

    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(), label=_("Cohort"), empty_label=_("Choose a cohort")
    )
    field_order = ["cohort"]

    def __init__(self, *args: Any, cohorts: QuerySet[Cohort], **kwargs: Any) -> None:
        # Its own ids: the late-policy form on the same page has a "cutoff_at" too.
        kwargs.setdefault("auto_id", "extension_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["cohort"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = cohorts.order_by("-starts_on", "pk")


class PersonalExtensionForm(ExtensionForm):
    """More time for one participant of the user's cohorts, chosen by the name graders see
    (a pseudonym under anonymous grading) and sent as an opaque reference."""

    participant = forms.ChoiceField(label=_("Participant"))
    field_order = ["participant"]

    def __init__(self, *args: Any, participants: Sequence[Participant], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "personal_%s")
        super().__init__(*args, **kwargs)
        self.participants = {p.ref: p for p in participants}
        groups: dict[str, list[tuple[str, str]]] = {}
        for p in participants:
            groups.setdefault(p.enrollment.cohort.name, []).append((p.ref, p.label))
        field = self.fields["participant"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a participant")), *groups.items()]

    def clean_participant(self) -> Participant:
        return self.participants[self.cleaned_data["participant"]]
