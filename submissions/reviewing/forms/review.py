"""Forms of the review screens: the rubric editor, the comment bank, scoring with a rubric,
comments on cells, regrade requests and their resolution."""

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort
from platform.text_limits import COMMENT_CHARS, FEEDBACK_CHARS, REASON_CHARS
from submissions.models import (
    AssignmentSettings,
    RegradeRequest,
    RubricCriterion,
    RubricScore,
    RubricVersion,
    Submission,
)
from submissions.reviewing.comments import CellSummary
from submissions.reviewing.regrades import RegradeTarget
from submissions.reviewing.rubrics import BankEntryInput, CriterionInput, LevelInput, ScoreInput

POINTS = {"max_digits": 8, "decimal_places": 2, "min_value": Decimal(0)}
KEY_WIDGET = forms.HiddenInput()


class CriterionForm(forms.Form):
    key = forms.CharField(required=False, max_length=32, widget=KEY_WIDGET)
    title = forms.CharField(label=_("Criterion"), max_length=200)
    description = forms.CharField(
        label=_("What it looks at"),
        required=False,
        max_length=REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LevelForm(forms.Form):
    key = forms.CharField(required=False, max_length=32, widget=KEY_WIDGET)
    title = forms.CharField(label=_("Level"), max_length=200)
    min_points = forms.DecimalField(label=_("Points"), **POINTS)  # type: ignore[arg-type]
    max_points = forms.DecimalField(
        label=_("up to (for a range)"),
        required=False,
        help_text=_("Leave empty for fixed points."),
        **POINTS,  # type: ignore[arg-type]
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=REASON_CHARS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_points"), data.get("max_points")
        if low is not None and high is not None and high < low:
            self.add_error("max_points", _("The range must end at or above where it starts."))
        return data


CriterionFormSet = formset_factory(CriterionForm, extra=1, can_delete=True, max_num=50)
LevelFormSet = formset_factory(LevelForm, extra=2, can_delete=True, max_num=20)


class RubricEditor:
    """The criteria formset and, per criterion, a formset of its levels (prefix
    ``levels-<n>``). Blank extra rows are ignored, so "add" is simply filling a blank row."""

    def __init__(self, data: Any = None, *, version: RubricVersion | None = None) -> None:
        initial = []
        level_initial: list[list[dict[str, Any]]] = []
        # A bound editor takes everything from the posted data (keys included): comparing it
        # with the stored version would make an unchanged criterion look like a blank row.
        if version is not None and data is None:
            for criterion in version.criteria.all():
                initial.append(
                    {
                        "key": criterion.key,
                        "title": criterion.title,
                        "description": criterion.description,
                    }
                )
                level_initial.append(
                    [
                        {
                            "key": lv.key,
                            "title": lv.title,
                            "min_points": lv.min_points,
                            "max_points": lv.max_points if lv.is_range else None,
                            "description": lv.description,
                        }
                        for lv in criterion.levels.all()
                    ]
                )
        self.criteria = CriterionFormSet(data, initial=initial or None, prefix="criteria")
        self.levels = [
            LevelFormSet(
                data,
                initial=(level_initial[i] if i < len(level_initial) else None),
                prefix=f"levels-{i}",
            )
            for i in range(len(self.criteria.forms))
        ]
        self.errors: list[str] = []

    def rows(self) -> list[tuple[forms.Form, BaseFormSet[LevelForm]]]:
        return list(zip(self.criteria.forms, self.levels, strict=True))

    def is_valid(self) -> bool:
        valid = self.criteria.is_valid() and all(levels.is_valid() for levels in self.levels)
        if valid and not self.to_inputs():
            self.errors.append(str(_("A rubric needs at least one criterion.")))
        return valid and not self.errors

    def to_inputs(self) -> list[CriterionInput]:
        criteria = []
        for form, levels in self.rows():
            if _deleted(form) or not form.cleaned_data.get("title"):
                continue  # removed, or a blank row
            kept = [
                LevelInput(
                    key=lv.cleaned_data.get("key", ""),
                    title=lv.cleaned_data["title"],
                    min_points=lv.cleaned_data["min_points"],
                    max_points=lv.cleaned_data["max_points"]
                    if lv.cleaned_data.get("max_points") is not None
                    else lv.cleaned_data["min_points"],
                    description=lv.cleaned_data.get("description", ""),
                )
                for lv in levels.forms
                if lv.cleaned_data.get("title") and not _deleted(lv)
            ]
            if not kept:
                title = form.cleaned_data["title"]
                message = _("“%(criterion)s” needs at least one level.") % {"criterion": title}
                if str(message) not in self.errors:
                    self.errors.append(str(message))
            criteria.append(
                CriterionInput(
                    key=form.cleaned_data.get("key", ""),
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data.get("description", ""),
                    levels=tuple(kept),
                )
            )
        return criteria


def _deleted(form: forms.Form) -> bool:
    return bool(getattr(form, "cleaned_data", {}).get("DELETE"))


class CommentBankEntryForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=COMMENT_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )
    criterion_key = forms.ChoiceField(label=_("For"), required=False)

    def __init__(self, *args: Any, criteria: list[RubricCriterion] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", _("any criterion"))] + [(c.key, c.title) for c in criteria or []]
        self.fields["criterion_key"].choices = choices  # type: ignore[attr-defined]


CommentBankFormSet = formset_factory(CommentBankEntryForm, extra=2, can_delete=True, max_num=200)


def comment_bank_formset(
    data: Any = None, *, version: RubricVersion | None, entries: list[dict[str, str]]
) -> BaseFormSet[CommentBankEntryForm]:
    criteria = list(version.criteria.all()) if version else []
    return CommentBankFormSet(
        data, initial=entries or None, prefix="bank", form_kwargs={"criteria": criteria}
    )


def bank_inputs(formset: BaseFormSet[CommentBankEntryForm]) -> list[BankEntryInput]:
    return [
        BankEntryInput(text=f.cleaned_data["text"], criterion_key=f.cleaned_data["criterion_key"])
        for f in formset.forms
        if f.cleaned_data.get("text") and not f.cleaned_data.get("DELETE")
    ]


class RegradeWindowForm(forms.ModelForm[AssignmentSettings]):
    class Meta:
        model = AssignmentSettings
        fields = ["regrade_window_days"]


class RubricScoreForm(forms.Form):
    """One level (and, for a range, points) and a comment per criterion of the current
    version; removed criteria still on the review can be dismissed."""

    def __init__(
        self,
        *args: Any,
        version: RubricVersion,
        scores: dict[str, RubricScore],
        **kwargs: Any,
    ) -> None:
        initial = kwargs.pop("initial", None) or {}
        for key, score in scores.items():
            initial.setdefault(f"level__{key}", score.level_key)
            initial.setdefault(f"points__{key}", score.points)
            initial.setdefault(f"comment__{key}", score.comment)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.version = version
        self.criteria = list(version.criteria.all())
        self.scores = scores
        for criterion in self.criteria:
            key = criterion.key
            self.fields[f"level__{key}"] = forms.ChoiceField(
                label=criterion.title,
                choices=[
                    (
                        lv.key,
                        f"{lv.title} ({lv.min_points.normalize()}–{lv.max_points.normalize()})"
                        if lv.is_range
                        else f"{lv.title} ({lv.max_points.normalize()})",
                    )
                    for lv in criterion.levels.all()
                ],
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"points__{key}"] = forms.DecimalField(
                label=_("Points within the range"),
                required=False,
                **POINTS,  # type: ignore[arg-type]
            )
            self.fields[f"comment__{key}"] = forms.CharField(
                label=_("Comment on %(criterion)s") % {"criterion": criterion.title},
                required=False,
                max_length=COMMENT_CHARS,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        known = {c.key for c in self.criteria}
        self.removed = [s for key, s in scores.items() if key not in known]
        for score in self.removed:
            self.fields[f"dismiss__{score.criterion_key}"] = forms.BooleanField(
                label=_("Seen; remove it from this review"), required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for criterion in self.criteria:
            key = criterion.key
            if data.get(f"comment__{key}") and not data.get(f"level__{key}"):
                self.add_error(f"level__{key}", _("Choose a level to save the comment with it."))
        return data

    def choices(self) -> dict[str, ScoreInput]:
        return {
            c.key: ScoreInput(
                level_key=self.cleaned_data[f"level__{c.key}"],
                points=self.cleaned_data.get(f"points__{c.key}"),
                comment=self.cleaned_data.get(f"comment__{c.key}", ""),
            )
            for c in self.criteria
            if self.cleaned_data.get(f"level__{c.key}")
        }

    def dismissed(self) -> list[str]:
        return [
            s.criterion_key
            for s in self.removed
            if self.cleaned_data.get(f"dismiss__{s.criterion_key}")
        ]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "criterion": c,
                "level": self[f"level__{c.key}"],
                "points": self[f"points__{c.key}"],
                "comment": self[f"comment__{c.key}"],
                "score": self.scores.get(c.key),
                "has_range": any(lv.is_range for lv in c.levels.all()),
            }
            for c in self.criteria
        ]

    def removed_rows(self) -> list[tuple[RubricScore, forms.BoundField]]:
        return [(s, self[f"dismiss__{s.criterion_key}"]) for s in self.removed]


class CellCommentForm(forms.Form):
    cell = forms.TypedChoiceField(label=_("Cell"), coerce=int)
    line = forms.IntegerField(label=_("Line (optional)"), required=False, min_value=1)
    text = forms.CharField(
        label=_("Comment"), max_length=COMMENT_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, cells: list[CellSummary], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cell"].choices = [  # type: ignore[attr-defined]
            (c.number, f"{c.number}: {c.first_line or c.cell_type}") for c in cells
        ]


class RegradeRequestForm(forms.Form):
    target = forms.ChoiceField(label=_("What should be looked at again?"))
    reason = forms.CharField(
        label=_("Why?"), max_length=COMMENT_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, targets: list[RegradeTarget], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = {t.value: t for t in targets}
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            (t.value, f"{t.label} ({t.points.normalize()}/{t.max_points.normalize()})")
            for t in targets
        ]

    def chosen(self) -> RegradeTarget:
        return self.targets[self.cleaned_data["target"]]


class RegradeFilterForm(forms.Form):
    """Narrow the regrade list to a cohort and to whose turn an open request is; only the
    cohorts of requests the user handles are offered, so a foreign id is a form error."""

    ESCALATED, WITH_GRADER = "escalated", "with_grader"

    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(), required=False, label=_("Cohort"), empty_label=_("all")
    )
    state = forms.ChoiceField(
        choices=[
            ("", _("every open request")),
            (ESCALATED, _("escalated to the coordinators")),
            (WITH_GRADER, _("with the grader")),
        ],
        required=False,
        label=_("Open requests"),
    )

    def __init__(self, *args: Any, handled: QuerySet[RegradeRequest], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = (  # type: ignore[attr-defined]
            Cohort.objects.filter(pk__in=handled.values("submission__enrollment__cohort_id"))
            .select_related("program")
            .order_by("program__title", "-starts_on", "pk")
        )

    def narrow(
        self, handled: QuerySet[RegradeRequest]
    ) -> tuple[QuerySet[RegradeRequest], QuerySet[RegradeRequest]]:
        """The open and the resolved requests as filtered (unfiltered when the form is not
        valid: the page shows its errors)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("cohort") is not None:
            handled = handled.filter(submission__enrollment__cohort=data["cohort"])
        open_ = handled.filter(state=RegradeRequest.State.OPEN)
        if data.get("state") == self.ESCALATED:
            open_ = open_.filter(escalated_at__isnull=False)
        elif data.get("state") == self.WITH_GRADER:
            open_ = open_.filter(escalated_at__isnull=True)
        return open_, handled.exclude(state=RegradeRequest.State.OPEN)


class RegradeResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept with new points")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    points = forms.DecimalField(label=_("New points"), required=False, **POINTS)  # type: ignore[arg-type]
    note = forms.CharField(
        label=_("Note to the participant"),
        max_length=COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "accept" and data.get("points") is None:
            self.add_error("points", _("Give the new points when you accept."))
        return data


class ReviewForm(forms.Form):
    """Points and a comment per manually graded cell, plus overall feedback."""

    feedback = forms.CharField(
        label=_("Overall feedback"),
        max_length=FEEDBACK_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args: Any, submission: Submission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The cells of the version the attempt was made for (docs/grading.md).
        self.manual_cells = submission.manual_grade_cells()
        for cell in self.manual_cells:
            grade_id = cell["grade_id"]
            self.fields[f"points__{grade_id}"] = forms.DecimalField(
                label=_("Points for %(cell)s (max %(max)s)")
                % {"cell": grade_id, "max": cell["points"]},
                min_value=Decimal(0),
                max_value=Decimal(cell["points"]),
                decimal_places=2,
                required=True,
            )
            self.fields[f"comment__{grade_id}"] = forms.CharField(
                label=_("Comment on %(cell)s") % {"cell": grade_id},
                max_length=COMMENT_CHARS,
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )

    def points(self) -> dict[str, Decimal]:
        return {
            c["grade_id"]: self.cleaned_data[f"points__{c['grade_id']}"] for c in self.manual_cells
        }

    def comments(self) -> dict[str, str]:
        return {
            c["grade_id"]: self.cleaned_data[f"comment__{c['grade_id']}"] for c in self.manual_cells
        }

    def cell_fields(self) -> list[tuple[dict[str, Any], forms.BoundField, forms.BoundField]]:
        return [
            (c, self[f"points__{c['grade_id']}"], self[f"comment__{c['grade_id']}"])
            for c in self.manual_cells
        ]
