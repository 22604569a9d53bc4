"""Forms of the grading queue and its settings: filters, review settings, allocation weights."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Assignment, Cohort, Module, Program
from platform.models import User
from submissions.models import HINT_LIMIT, PostingPolicy
from submissions.reviewing.queue import QueueFilter, QueueState, grading_cohorts


class QueueFilterForm(forms.Form):
    """Filters of the queue, limited to what the user grades: a foreign id is a form error."""

    program = forms.ModelChoiceField(
        queryset=Program.objects.none(), required=False, label=_("Program"), empty_label=_("all")
    )
    module = forms.ModelChoiceField(
        queryset=Module.objects.none(), required=False, label=_("Module"), empty_label=_("all")
    )
    assignment = forms.ModelChoiceField(
        queryset=Assignment.objects.none(),
        required=False,
        label=_("Assignment"),
        empty_label=_("all"),
    )
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(), required=False, label=_("Cohort"), empty_label=_("all")
    )
    state = forms.ChoiceField(
        choices=[("", _("any state")), *QueueState.choices], required=False, label=_("State")
    )
    who = forms.ChoiceField(
        choices=[("mine", _("mine")), ("all", _("everyone's"))], required=False, label=_("Whose")
    )
    order = forms.ChoiceField(
        choices=[("oldest", _("oldest first")), ("newest", _("newest first"))],
        required=False,
        label=_("Order"),
    )

    def __init__(self, *args: Any, user: User, mine_by_default: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cohorts = grading_cohorts(user)
        programs = Program.objects.filter(cohorts__in=cohorts).distinct()
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["module"].queryset = Module.objects.filter(  # type: ignore[attr-defined]
            program__in=programs
        ).select_related("program")
        self.fields["assignment"].queryset = (  # type: ignore[attr-defined]
            Assignment.objects.published().filter(module__program__in=programs)
        )
        self.fields["cohort"].queryset = cohorts.select_related("program")  # type: ignore[attr-defined]
        self.mine_by_default = mine_by_default

    def queue_filter(self) -> QueueFilter:
        """The validated filter; the defaults when the form is unbound or invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        who = data.get("who") or ("mine" if self.mine_by_default else "all")

        def pk(name: str) -> int | None:
            value = data.get(name)
            return value.pk if value is not None else None

        return QueueFilter(
            program=pk("program"),
            module=pk("module"),
            assignment=pk("assignment"),
            cohort=pk("cohort"),
            state=data.get("state") or "",
            mine=who == "mine",
            newest_first=data.get("order") == "newest",
        )


class ReviewSettingsForm(forms.Form):
    posting_policy = forms.ChoiceField(
        choices=PostingPolicy.choices,
        label=_("When participants see autograde results"),
        widget=forms.RadioSelect,
    )
    anonymous_grading = forms.BooleanField(
        required=False,
        label=_("Grade anonymously (graders see pseudonyms until a coordinator reveals names)"),
    )
    ignore_stderr_warnings = forms.BooleanField(
        required=False,
        label=_(
            "A Python warning on standard error does not fail a test (off: nbgrader's rule, any "
            "output on standard error fails it)"
        ),
    )
    restore_missing_cells = forms.BooleanField(
        required=False,
        label=_(
            "Put deleted graded cells back and grade them (off: nbgrader's default, a deleted "
            "cell scores 0 and is flagged for the graders)"
        ),
    )

    def __init__(self, *args: Any, test_cells: list[str], **kwargs: Any) -> None:
        """``test_cells``: the grade ids of the assignment's autograded cells, one hint each."""
        super().__init__(*args, **kwargs)
        self.test_cells = test_cells
        for position, grade_id in enumerate(test_cells):
            self.fields[f"hint_{position}"] = forms.CharField(
                label=grade_id,
                required=False,
                max_length=HINT_LIMIT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def hint_fields(self) -> list[forms.BoundField]:
        return [self[f"hint_{position}"] for position in range(len(self.test_cells))]

    def hints(self) -> dict[str, str]:
        """grade id -> hint, without the empty ones."""
        return {
            grade_id: hint
            for position, grade_id in enumerate(self.test_cells)
            if (hint := self.cleaned_data[f"hint_{position}"].strip())
        }


class AllocationForm(forms.Form):
    """One weight per instructor of the cohort; 0 means no share."""

    def __init__(self, *args: Any, instructors: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instructors = instructors
        for instructor in instructors:
            self.fields[f"weight_{instructor.pk}"] = forms.IntegerField(
                label=instructor.full_name, min_value=0, max_value=100, initial=0
            )

    def weights(self) -> dict[User, int]:
        return {i: self.cleaned_data[f"weight_{i.pk}"] for i in self.instructors}

    def rows(self) -> list[tuple[User, forms.BoundField]]:
        return [(i, self[f"weight_{i.pk}"]) for i in self.instructors]
