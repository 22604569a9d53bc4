from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from platform.text_limits import COMMENT_CHARS, FEEDBACK_CHARS
from submissions.models import Submission


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
