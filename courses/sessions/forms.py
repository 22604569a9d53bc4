"""The session form and the attendance list: every check a person can fix is a form error
(a 400 with the form shown again), so the services see consistent data."""

import zoneinfo
from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from courses.models import AttendanceStatus, Cohort, Enrollment, Module, Session
from courses.sessions.services import SessionPlan

# The zones offered first; any IANA name is accepted.
COMMON_ZONES = ("Europe/Berlin", "Europe/London", "UTC", "America/New_York", "Asia/Kolkata")


def _zone_choices() -> list[tuple[str, str]]:
    rest = sorted(zoneinfo.available_timezones() - set(COMMON_ZONES))
    return [(z, z) for z in (*COMMON_ZONES, *rest)]


class SessionForm(forms.Form):
    module = forms.ModelChoiceField(label=_("Module"), queryset=Module.objects.none())
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Empty: the module's title."),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_zone_choices)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_url = forms.URLField(
        label=_("Online link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["https"])],
        error_messages={"invalid": _("Enter an https:// link.")},
        help_text=_("https:// only."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        required=False,
        help_text=_("Empty: no registration needed. Otherwise participants register."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, cohort: Cohort, session: Session | None = None, **kwargs: Any):
        if session is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "module": session.module_id,
                "title": session.title,
                "date": session.local_start.date(),
                "start": session.local_start.time(),
                "end": session.local_end.time(),
                "time_zone": session.time_zone,
                "place": session.place,
                "online_url": session.online_url,
                "capacity": session.capacity,
                "note": session.note,
            }
        kwargs.setdefault("initial", {}).setdefault("time_zone", "Europe/Berlin")
        super().__init__(*args, **kwargs)
        modules = Module.objects.filter(program_id=cohort.program_id).order_by("order", "pk")
        self.fields["module"].queryset = modules  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", _("The session must end after it starts."))
        if not data.get("place", "").strip() and not data.get("online_url", "").strip():
            raise forms.ValidationError(_("Give a place or an online link."))
        return data

    def plan(self) -> SessionPlan:
        return SessionPlan.of(self.cleaned_data["module"], self.cleaned_data)


class AttendanceForm(forms.Form):
    """One radio group per participant (``p<enrollment id>``); a participant left unmarked is
    not saved. ``all_present`` marks everyone present who is not marked otherwise."""

    def __init__(
        self, *args: Any, enrollments: list[Enrollment], current: dict[int, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.enrollments = enrollments
        for enrollment in enrollments:
            self.fields[f"p{enrollment.pk}"] = forms.ChoiceField(
                label=enrollment.user.full_name,
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=current.get(enrollment.pk),
            )

    def rows(self) -> list[tuple[Enrollment, forms.BoundField]]:
        return [(e, self[f"p{e.pk}"]) for e in self.enrollments]

    def marks(self, *, all_present: bool) -> dict[int, str]:
        marks = {}
        for enrollment in self.enrollments:
            value = self.cleaned_data.get(f"p{enrollment.pk}") or ""
            if not value and all_present:
                value = AttendanceStatus.PRESENT
            if value:
                marks[enrollment.pk] = value
        return marks


class RowForm(forms.Form):
    """One participant's mark, saved on its own (htmx): the row's radio group ``p<id>`` and
    the ``enrollment`` it belongs to."""

    enrollment = forms.IntegerField()

    def mark(self) -> dict[int, str] | None:
        """The mark to save, or None when the row's choice is missing or unknown."""
        enrollment_id: int = self.cleaned_data["enrollment"]
        status = self.data.get(f"p{enrollment_id}", "")
        if status not in AttendanceStatus.values:
            return None
        return {enrollment_id: status}
