from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Announcement, Enrollment, ReminderSetting


class AnnouncementForm(forms.Form):
    """An announcement; ``participants`` (a cohort's active enrolments) adds the choice of one
    participant instead of the whole cohort."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8})
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=Announcement.Format.choices,
        initial=Announcement.Format.PLAIN,
        widget=forms.RadioSelect,
    )
    to = forms.ModelChoiceField(
        label=_("To"),
        queryset=Enrollment.objects.none(),
        required=False,
        empty_label=_("everyone active in the cohort"),
    )

    def __init__(self, *args: object, participants: "object | None" = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if participants is None:
            del self.fields["to"]
        else:
            to = self.fields["to"]
            assert isinstance(to, forms.ModelChoiceField)
            to.queryset = participants
            to.label_from_instance = lambda e: e.user.full_name  # type: ignore[method-assign]


class ReminderSettingForm(forms.ModelForm[ReminderSetting]):
    class Meta:
        model = ReminderSetting
        fields = ["days_before"]
        widgets = {"days_before": forms.NumberInput(attrs={"min": 0, "max": 60})}

    def clean_days_before(self) -> int:
        days: int = self.cleaned_data["days_before"]
        if days > 60:
            raise forms.ValidationError(_("At most 60 days."))
        return days
