"""Forms of the tandem pages: the 400s live here, the rules in ``services``."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from courses.enrolment.forms import InvitationPasswordForm
from courses.models import Enrollment, LanguageLevel, Module, TandemMeeting
from courses.tandems.reads import LANGUAGE_NAMES, ModulePool, language_name
from courses.tandems.services import REFLECTION_MAX_CHARS
from platform.models import User

LANGUAGE_ROWS = 4
MAX_INTERESTS = 20


class StudentJoinForm(InvitationPasswordForm):
    """Django's set-password form with the project's validators, as for enrolment invitations."""


class ProfileForm(forms.Form):
    """Up to four languages with a level each, interests separated by commas, availability."""

    interests = forms.CharField(
        label=_("Interests"),
        help_text=_("Separated by commas, e.g. hiking, opera, cooking"),
        max_length=500,
        required=False,
    )
    availability = forms.CharField(
        label=_("When you can meet"),
        help_text=_("e.g. weekday afternoons, not in August"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = sorted(((c, language_name(c)) for c in LANGUAGE_NAMES), key=lambda p: p[1])
        for n in range(1, LANGUAGE_ROWS + 1):
            self.fields[f"language_{n}"] = forms.ChoiceField(
                label=_("Language %(n)d") % {"n": n},
                choices=[("", "—"), *names],
                required=False,
            )
            self.fields[f"level_{n}"] = forms.ChoiceField(
                label=_("Level of language %(n)d") % {"n": n},
                choices=[("", "—"), *LanguageLevel.choices],
                required=False,
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"language_{n}"], self[f"level_{n}"]) for n in range(1, LANGUAGE_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        languages = []
        for n in range(1, LANGUAGE_ROWS + 1):
            code, level = data.get(f"language_{n}"), data.get(f"level_{n}")
            if code and not level:
                self.add_error(f"level_{n}", _("Please choose how well you speak it."))
            elif level and not code:
                self.add_error(f"language_{n}", _("Please choose the language."))
            elif code and level:
                languages.append((code, level))
        data["languages"] = languages
        tags = [t.strip() for t in data.get("interests", "").split(",") if t.strip()]
        if len(tags) > MAX_INTERESTS:
            self.add_error(
                "interests", _("At most %(n)d interests, please.") % {"n": MAX_INTERESTS}
            )
        data["interest_list"] = tags
        return data

    @classmethod
    def initial_for(
        cls, languages: list[list[str]], interests: list[str], availability: str
    ) -> dict[str, str]:
        initial = {"interests": ", ".join(interests), "availability": availability}
        for n, (code, level) in enumerate(languages[:LANGUAGE_ROWS], start=1):
            initial[f"language_{n}"], initial[f"level_{n}"] = code, level
        return initial


class MeetingForm(forms.ModelForm[TandemMeeting]):
    class Meta:
        model = TandemMeeting
        fields = ["met_on", "minutes", "topic", "note"]
        widgets = {
            "met_on": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"note": _("Seen only by the two of you and the program's coordinators.")}


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your reflection"),
        max_length=REFLECTION_MAX_CHARS,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )


class GradeReflectionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("pass", _("passed")), ("not_yet", _("not yet"))],
        widget=forms.RadioSelect,
    )
    feedback = forms.CharField(
        label=_("Feedback for the participant"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PartnerRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why would you like a new partner?"),
        help_text=_("Only the program's coordinators read this."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        user = obj.user if isinstance(obj, Enrollment) else obj
        return f"{user.full_name} ({user.email})"


class PairForm(forms.Form):
    module = forms.ModelChoiceField(label=_("Module"), queryset=Module.objects.none())
    senior = PersonChoice(label=_("Participant"), queryset=Enrollment.objects.none())
    student = PersonChoice(label=_("Student"), queryset=User.objects.none())

    def __init__(self, *args: Any, pools: Sequence[ModulePool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields  # ModelChoiceFields: their querysets are set here
        fields["module"].queryset = Module.objects.filter(pk__in=[p.module.pk for p in pools])
        fields["senior"].queryset = Enrollment.objects.filter(
            pk__in={e.pk for p in pools for e in p.seniors}
        ).select_related("user")
        fields["student"].queryset = User.objects.filter(
            pk__in={u.pk for p in pools for u in p.students}
        )
        if len(pools) == 1:
            self.fields["module"].initial = pools[0].module.pk


class InviteStudentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    language = forms.ChoiceField(
        label=_("Language of the e-mails"), choices=settings.LANGUAGES, initial="en"
    )
