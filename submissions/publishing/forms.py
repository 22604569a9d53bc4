"""Forms of publishing: publish or replace an assignment's notebook, import an nbgrader course."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from courses.exceptions import PublishError
from courses.nbgrader_import import folder_in_archive
from courses.services import NotebookSources
from submissions.intake.forms import MultipleFileField
from submissions.publishing.course_files import folder_course_files


class PublishForm(forms.Form):
    """Publish an assignment from an nbgrader-format source notebook, or from several (chosen
    together, or the assignment folder as a zip: one assignment whose points add up), or
    (``replace``) draft the next version of the module's assignment with that short name: then
    empty dates and attempts keep the assignment's (docs/grading.md, "Replacing a published
    notebook"). The other files of a zipped folder are its course files (``folder_files``);
    ``skipped``: files of the zip outside the notebooks' folder, not published, for the page."""

    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(label=_("Short name (used in file names)"), max_length=50)
    source = MultipleFileField(
        label=_("nbgrader source notebooks (.ipynb, or the assignment folder as .zip)"),
        help_text=_(
            "With solutions and hidden tests; they stay on the server. Several notebooks make one "
            "assignment whose points add up. nbgrader's AUTOTEST directives become tests: the "
            "notebook runs once in the grading sandbox first."
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

    skipped: list[str]
    # The other files of a zipped assignment folder: course files of the version.
    folder_files: list[tuple[str, bytes]]

    def clean_source(self) -> NotebookSources:
        """One notebook's bytes, or the named notebooks of several files or of a zip."""
        files = self.cleaned_data["source"]
        self.skipped, self.folder_files = [], []
        limit = settings.NOTEBOOK_MAX_BYTES
        if not files:
            raise forms.ValidationError(_("Choose the source notebook."), code="required")
        if len(files) == 1 and (files[0].name or "").lower().endswith(".zip"):
            archive = files[0].read()
            try:
                folder = folder_in_archive(archive, max_notebook_bytes=limit)
                self.folder_files = folder_course_files(archive, folder)
            except PublishError as error:
                raise forms.ValidationError(error.message) from None
            self.skipped = [name for name in folder.other_files if folder.in_folder(name) is None]
            return folder.notebooks
        if len(files) == 1:
            data: bytes = files[0].read(limit + 1)
            return data
        names = [upload.name or "" for upload in files]
        wrong = [name for name in names if not name.endswith(".ipynb")]
        if wrong:
            raise forms.ValidationError(
                _("Choose notebooks (.ipynb) only, or one zip: %(names)s")
                % {"names": ", ".join(wrong)}
            )
        return [(name, upload.read(limit + 1)) for name, upload in zip(names, files, strict=True)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_at") and data.get("due_at") and data["due_at"] < data["opens_at"]:
            raise forms.ValidationError(_("The due date must come after the opening date."))
        if data.get("replace") and not isinstance(data.get("source", b""), bytes):
            self.add_error(
                "source", _("Replace an assignment's notebook with one notebook (.ipynb).")
            )
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
