"""Forms of the courses app (validation at the edge; the services hold the rules)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort, Enrollment, Module
from platform.text_limits import REASON_CHARS


class ModuleResultForm(forms.Form):
    """A coordinator's result for one participant in a module without assignments."""

    enrollment = forms.ModelChoiceField(queryset=Enrollment.objects.none(), label=_("Participant"))
    module = forms.ModelChoiceField(queryset=Module.objects.none(), label=_("Module"))
    passed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("yes", _("passed")), ("no", _("not passed"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    percent = forms.DecimalField(
        label=_("Grade (%)"),
        required=False,
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Optional. A certificate states a grade, so give one if nothing else does."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. the training's date and place, or who assessed it."),
    )

    def __init__(self, *args: Any, cohort: Cohort, modules: list[Module], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enrollments = self.fields["enrollment"]
        assert isinstance(enrollments, forms.ModelChoiceField)
        enrollments.queryset = (
            Enrollment.objects.current()
            .filter(cohort=cohort)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__username")
        )
        enrollments.label_from_instance = lambda e: e.user.full_name  # type: ignore[method-assign, assignment]
        module_field = self.fields["module"]
        assert isinstance(module_field, forms.ModelChoiceField)
        module_field.queryset = Module.objects.filter(pk__in=[m.pk for m in modules])
