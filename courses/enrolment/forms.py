"""Forms of the invitation page and the coordinators' enrolment pages (the 400s live here, the
rules in services)."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from courses.enrolment.bulk import MAX_BYTES
from courses.models import Enrollment
from platform.text_limits import REASON_CHARS


class InvitationPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Django's set-password form: both fields, and the project's password validators."""


class EnrolmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("every state")), *Enrollment.Status.choices],
    )


class DirectEnrolmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    language = forms.ChoiceField(
        label=_("Language of the e-mails"),
        required=False,
        choices=[("", _("the program's language")), *settings.LANGUAGES],
    )
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)


class StatusChangeForm(forms.Form):
    ACTIONS = {
        "pause": Enrollment.Status.PAUSED,
        "resume": Enrollment.Status.ACTIVE,
        "withdraw": Enrollment.Status.WITHDRAWN,
        "complete": Enrollment.Status.COMPLETED,
    }
    action = forms.ChoiceField(choices=[(key, key) for key in ACTIONS])
    reason = forms.CharField(
        label=_("Reason (kept with the enrolment)"),
        max_length=REASON_CHARS,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "withdraw" and not data.get("reason", "").strip():
            self.add_error("reason", _("A withdrawal needs a reason."))
        return data

    def target(self) -> str:
        return str(self.ACTIONS[self.cleaned_data["action"]])


class FeeForm(forms.Form):
    fee_status = forms.ChoiceField(label=_("Fee"), choices=Enrollment.FeeStatus.choices)


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or Excel workbook .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB; split it into smaller files.")
                % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class BulkConfirmForm(forms.Form):
    digest = forms.CharField(max_length=64, min_length=64, widget=forms.HiddenInput)
