"""Forms of the coordinators' certificate and grade-freeze screens (the 400s live here, the
rules in services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.certificates.register import FILTERS
from platform.text_limits import REASON_CHARS


class RegisterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("everything")),
            ("issued", _("valid")),
            ("revoked", _("revoked")),
            ("superseded", _("superseded")),
            ("pending", _("awaiting approval")),
            ("ready", _("ready to issue")),
        ],
    )

    def status_value(self) -> str:
        value = self.cleaned_data.get("status") or ""
        return value if value in FILTERS else ""


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the record and sent to the holder, never shown publicly)"),
        max_length=REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that the certificate becomes invalid for everyone who checks it. "
            "This cannot be undone."
        ),
        required=True,
    )


class ReissueForm(forms.Form):
    """Two steps: the name is entered and previewed (old -> new), then confirmed."""

    holder_name = forms.CharField(label=_("Corrected name on the certificate"), max_length=200)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, current_name: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.current_name = current_name

    def clean_holder_name(self) -> str:
        name = " ".join(self.cleaned_data["holder_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the name as it should appear."))
        if name == self.current_name:
            raise forms.ValidationError(
                _("This is the name the certificate already carries: nothing to correct.")
            )
        return name


class UnfreezeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why must these grades change? (kept on record)"),
        max_length=REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
