"""The catalogue's filters: GET parameters, so a filtered list is a link and works without
JavaScript."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Format, Institution, Language


class CatalogueFilterForm(forms.Form):
    """Institution (by slug), language, format, "open for applications now". A value that is
    no choice is a form error and that filter is left out; the others still apply."""

    institution = forms.ChoiceField(required=False, label=_("Institution"))
    language = forms.ChoiceField(
        choices=[("", _("any language")), *Language.choices], required=False, label=_("Language")
    )
    format = forms.ChoiceField(
        choices=[("", _("any format")), *Format.choices], required=False, label=_("Format")
    )
    open = forms.BooleanField(required=False, label=_("Open for applications now"))

    def __init__(self, *args: Any, institutions: list[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [  # type: ignore[attr-defined]
            ("", _("all institutions")),
            *((i.slug, i.name) for i in institutions),
        ]

    def filters(self) -> dict[str, Any]:
        """The valid filters, by field name (empty ones left out)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value}
