"""The forms of applications: the public form (with its attachment's checks), the screening
list's filter, decisions, notes (docs/applications.md)."""

import io
import zipfile
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from courses.applications.services import Decision
from courses.models import Application
from platform.models import PrivacyNotice

# The largest attachment accepted (a CV): 5 MB.
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
NAME_CHARS = 200
TEXT_CHARS = 5_000
MESSAGE_CHARS = 10_000
NOTES_CHARS = 10_000

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def attachment_kind(upload: UploadedFile[bytes]) -> str:
    """``pdf``, ``odt`` or ``docx`` when the file's bytes are what its extension claims; else
    an empty string. The browser's content type is not trusted."""
    name = (upload.name or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if extension == "pdf":
        return "pdf" if head.startswith(b"%PDF-") else ""
    if extension not in ("odt", "docx") or not head.startswith(b"PK\x03\x04"):
        return ""
    try:
        data = upload.read()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if extension == "odt":
                ok = "mimetype" in names and archive.read("mimetype").strip() == ODT_MIMETYPE
            else:
                ok = "word/document.xml" in names and "[Content_Types].xml" in names
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        ok = False
    finally:
        upload.seek(0)
    return extension if ok else ""


class ApplicationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=NAME_CHARS)
    email = forms.EmailField(label=_("E-mail address"))
    organisation = forms.CharField(label=_("Organisation"), max_length=NAME_CHARS, required=False)
    prior_knowledge = forms.CharField(
        label=_("Prior knowledge"),
        max_length=TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you already know of the program's subjects (courses, work, projects)."),
    )
    motivation = forms.CharField(
        label=_("Motivation"),
        max_length=TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Why you would like to take part, and what you hope to do with it."),
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=_("A CV, say: PDF, ODT or DOCX, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.odt,.docx"}),
    )
    privacy_version = forms.CharField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_(
            "I agree that my data is processed as the privacy notice above describes, to decide "
            "on my application."
        )
    )

    def __init__(self, *args: Any, notice: PrivacyNotice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notice = notice
        self.fields["privacy_version"].initial = notice.version

    def clean_attachment(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data.get("attachment")
        if not upload:
            return None
        if (upload.size or 0) > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; at most %(limit)s are accepted. Please choose it again."),
                params={
                    "size": filesizeformat(upload.size or 0),
                    "limit": filesizeformat(ATTACHMENT_MAX_BYTES),
                },
            )
        if not attachment_kind(upload):
            raise forms.ValidationError(
                _(
                    "Only PDF, ODT or DOCX documents are accepted, and the file's content must "
                    "match its name. Please choose the file again."
                )
            )
        return upload

    def clean_privacy_version(self) -> str:
        version: str = self.cleaned_data["privacy_version"]
        if version != self.notice.version:
            raise forms.ValidationError(
                _("The privacy notice has changed meanwhile; please read it and agree again.")
            )
        return version


class ScreeningFilterForm(forms.Form):
    SORTS = {
        "date": ("confirmed_at", "pk"),
        "-date": ("-confirmed_at", "-pk"),
        "name": ("full_name", "pk"),
        "status": ("status", "confirmed_at", "pk"),
    }
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all"))]
        + [(value, label) for value, label in Application.Status.choices if value != "unconfirmed"],
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Name, e-mail address or organisation"),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("date", _("date (oldest first)")),
            ("-date", _("date (newest first)")),
            ("name", _("name")),
            ("status", _("status")),
        ],
    )

    def ordering(self) -> tuple[str, ...]:
        return self.SORTS[self.cleaned_data.get("sort") or "date"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(d.value, d.value) for d in Decision], widget=forms.HiddenInput
    )
    message = forms.CharField(
        label=_("Message to the applicant"),
        max_length=MESSAGE_CHARS,
        widget=forms.Textarea(attrs={"rows": 10}),
    )

    def decision_value(self) -> Decision:
        return Decision(self.cleaned_data["decision"])

    def decision_value_or_none(self) -> Decision | None:
        """The decision the form was sent for, even when the form is invalid."""
        value = self.data.get("decision")
        return Decision(value) if value in {d.value for d in Decision} else None


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Office notes"),
        max_length=NOTES_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only coordinators see these notes."),
    )


class BulkDecisionForm(forms.Form):
    """Wait-list or reject several applications with one message."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.WAITLIST.value, _("wait-list")),
            (Decision.REJECT.value, _("reject")),
        ],
    )
    message = forms.CharField(
        label=_("Message to each applicant"),
        max_length=MESSAGE_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Empty: each applicant gets the default message in their own language."),
    )
    selected = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args: Any, applications: list[Application], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        selected = self.fields["selected"]
        assert isinstance(selected, forms.TypedMultipleChoiceField)
        selected.choices = [(a.pk, a.full_name) for a in applications]
        selected.error_messages["required"] = _("Select at least one application.")
