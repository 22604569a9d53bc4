"""The e-mail choices form: one checkbox per kind of notification."""

from typing import Any

from django import forms

from platform.models import NotificationKind


class EmailChoicesForm(forms.Form):
    """One optional checkbox per kind, named after the kind; unchecked means in-app only."""

    def __init__(self, *args: Any, initial_choices: dict[NotificationKind, bool], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label, required=False, initial=initial_choices[kind]
            )

    def choices(self) -> dict[NotificationKind, bool]:
        return {kind: bool(self.cleaned_data[kind.value]) for kind in NotificationKind}
