"""Forms of the profile page (``platform.accounts.profile``)."""

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platform.models import API_TOKEN_DAYS, User


def _one_line(value: str) -> str:
    return " ".join(value.split())


class ProfileForm(forms.ModelForm[User]):
    """Names and language. The legal name is read-only once a certificate carries it: from then
    on only a coordinator's re-issue changes it (``reissue_certificate``), so a certificate and
    the account never disagree without a record of why."""

    class Meta:
        model = User
        fields = ["display_name", "legal_name", "preferred_language"]

    def __init__(self, *args: Any, legal_name_locked: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["preferred_language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("As my browser says")), *settings.LANGUAGES]
        if legal_name_locked:
            self.fields["legal_name"].disabled = True

    def clean_display_name(self) -> str:
        return _one_line(self.cleaned_data["display_name"])

    def clean_legal_name(self) -> str:
        return _one_line(self.cleaned_data["legal_name"])


EXPIRY_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    (str(API_TOKEN_DAYS), _("180 days")),
    ("365", _("one year")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “grading script on my laptop”."),
    )
    read_only = forms.BooleanField(
        label=_("Read only"),
        required=False,
        help_text=_("The token can read but not change anything (no uploads, no grading)."),
    )
    expires_in = forms.TypedChoiceField(
        label=_("Expires after"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial=str(API_TOKEN_DAYS),
    )

    def clean_name(self) -> str:
        name = _one_line(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name

    @property
    def expires_at(self) -> dt.datetime:
        return timezone.now() + dt.timedelta(days=self.cleaned_data["expires_in"])
