from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from platform.text_limits import COMMENT_CHARS, REASON_CHARS
from submissions.models import DataCard
from submissions.services import DataCardInput


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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("data_files") and not (data.get("source") and data.get("licence")):
            raise forms.ValidationError(
                _("Please fill in where your data comes from and its licence."), code="data_card"
            )
        return data

    def data_card(self) -> DataCardInput | None:
        return DataCardInput.from_upload(self.cleaned_data)


class PurgeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the audit record)"),
        max_length=REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the data files' contents are deleted for good."), required=True
    )


class PublishForm(forms.Form):
    """Publish an assignment from an nbgrader-format source notebook, or (``replace``) draft
    the next version of the module's assignment with that short name: then empty dates and
    attempts keep the assignment's (docs/grading.md, "Replacing a published notebook")."""

    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(label=_("Short name (used in file names)"), max_length=50)
    source = forms.FileField(
        label=_("nbgrader source notebook (.ipynb)"),
        help_text=_("With solutions and hidden tests; it stays on the server."),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    due_at = forms.DateTimeField(
        label=_("Due"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts allowed"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Empty: 10 for a new assignment, unchanged when replacing a notebook."),
    )
    replace = forms.BooleanField(
        label=_("Replace the notebook of the assignment with this short name"),
        required=False,
        help_text=_(
            "You see what changes before you confirm. Dates and settings left empty stay; "
            "attempts made so far stay graded against the notebook they were made for."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_at") and data.get("due_at") and data["due_at"] < data["opens_at"]:
            raise forms.ValidationError(_("The due date must come after the opening date."))
        return data

    def new_assignment(self) -> dict[str, Any]:
        """The fields of a new assignment (``publish_checked``)."""
        data = self.cleaned_data
        return {
            "slug": data["slug"],
            "title": data["title"],
            "opens_at": data["opens_at"],
            "due_at": data["due_at"],
            "max_attempts": data["max_attempts"] or 10,
        }

    def given_settings(self) -> dict[str, Any]:
        """The settings a replacement changes: the title, and what was filled in."""
        data = self.cleaned_data
        given = {"title": data["title"]}
        return given | {
            k: data[k] for k in ("opens_at", "due_at", "max_attempts") if data[k] is not None
        }


class ImportCourseForm(forms.Form):
    archive = forms.FileField(
        label=_("nbgrader course (.zip)"),
        help_text=_("A zip of the course directory, or of its source/ folder."),
    )
    gradebook = forms.FileField(
        label=_("gradebook.db (optional)"), required=False, help_text=_("Used for the due dates.")
    )
