"""Forms of intake: the upload of an attempt (notebook, data files, data card) and the purge of a
cohort's data files."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from platform.text_limits import COMMENT_CHARS, REASON_CHARS
from submissions.intake.services import DataCardInput
from submissions.models import DataCard


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by the service, not here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class UploadForm(forms.Form):
    notebook = forms.FileField(
        label=_("Notebook (.ipynb)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".ipynb,application/x-ipynb+json"}),
    )
    data_files = MultipleFileField(
        label=_("Your own data files (optional)"),
        required=False,
        help_text=_("CSV, TSV, Parquet, Excel, JSON, text or images, as the assignment allows."),
    )
    source = forms.CharField(
        label=_("Where does the data come from?"), max_length=500, required=False
    )
    licence = forms.CharField(label=_("Licence or terms of use"), max_length=200, required=False)
    personal_data = forms.ChoiceField(
        label=_("Does it contain personal data?"),
        choices=DataCard.PersonalData.choices,
        initial=DataCard.PersonalData.NO,
        required=False,
    )
    notes = forms.CharField(
        label=_("Anything else graders should know"),
        max_length=COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, notebooks: int = 1, **kwargs: Any) -> None:
        """``notebooks``: how many the assignment has; several are handed in as one zip."""
        super().__init__(*args, **kwargs)
        if notebooks > 1:
            field = self.fields["notebook"]
            field.label = _("The assignment folder with all its notebooks (.zip)")
            field.widget.attrs["accept"] = ".zip,application/zip"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("data_files") and not (data.get("source") and data.get("licence")):
            raise forms.ValidationError(
                _("Please fill in where your data comes from and its licence."), code="data_card"
            )
        return data

    def data_card(self) -> DataCardInput | None:
        return DataCardInput.from_upload(self.cleaned_data)


class DraftNotebookForm(forms.Form):
    """One notebook put into the draft of a multi-notebook attempt, named as the assignment
    names it."""

    notebook = forms.FileField(
        label=_("A notebook of the assignment (.ipynb)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".ipynb,application/x-ipynb+json"}),
    )


class PurgeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the audit record)"),
        max_length=REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the data files' contents are deleted for good."), required=True
    )
