"""Forms of publishing: publish or replace an assignment's notebook, import an nbgrader course."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from submissions.intake.forms import MultipleFileField


class PublishForm(forms.Form):
    """Publish an assignment from an nbgrader-format source notebook, or (``replace``) draft
    the next version of the module's assignment with that short name: then empty dates and
    attempts keep the assignment's (docs/grading.md, "Replacing a published notebook")."""

    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(label=_("Short name (used in file names)"), max_length=50)
    source = forms.FileField(
        label=_("nbgrader source notebook (.ipynb)"),
        help_text=_(
            "With solutions and hidden tests; it stays on the server. nbgrader's AUTOTEST "
            "directives become tests: the notebook runs once in the grading sandbox first."
        ),
    )
    course_files = MultipleFileField(
        label=_("Course files (optional)"),
        required=False,
        help_text=_(
            "Images, data and helper modules the notebook reads; they are placed read-only beside "
            "it and participants can download them. A .zip keeps its folders (images/fig.png). "
            "When replacing a notebook, leave this empty to keep the current course files."
        ),
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
