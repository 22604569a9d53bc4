from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from courses.models import Announcement, Enrollment, ReminderSetting


class ParticipantChoiceField(forms.ModelChoiceField[Enrollment]):
    def label_from_instance(self, obj: Enrollment) -> str:
        return obj.user.full_name


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

    def __init__(
        self,
        data: "QueryDict | None" = None,
        *,
        participants: "QuerySet[Enrollment] | None" = None,
    ) -> None:
        super().__init__(data)
        if participants is not None:
            self.fields["to"] = ParticipantChoiceField(
                label=_("To"),
                queryset=participants,
                required=False,
                empty_label=_("everyone active in the cohort"),
            )


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
