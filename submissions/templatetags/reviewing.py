"""What the review panels of the grading screen and the participant's page need.

The panels are partials of ``grade.html`` and ``submission_detail.html``; each asks for its
data here (``{% grading_review as rv %}``), so a panel renders alone (htmx) from the submission
only. A view that re-renders a panel with errors puts the bound form in the context
(``rubric_form``, ``comment_form``, ``regrade`` with ``resolve_form``, ``regrade_form``), and
the tag uses it (docs/review.md, "The grading screen and its panels").
"""

from collections import defaultdict
from typing import Any

from django import template

from submissions.models import CellComment, RegradeRequest, Review, Submission
from submissions.reviewing import comments, regrades, rubrics
from submissions.reviewing.anonymity import participant_label
from submissions.reviewing.forms.review import (
    CellCommentForm,
    RegradeRequestForm,
    RegradeResolveForm,
    RubricScoreForm,
)

register = template.Library()


@register.filter
def shown_participant(submission: Submission) -> str:
    """The participant's name, or their pseudonym while the assignment is graded anonymously."""
    return participant_label(submission)


def _review(submission: Submission) -> Review | None:
    return Review.objects.filter(submission=submission).first()


@register.simple_tag(takes_context=True)
def grading_review(context: template.Context) -> dict[str, Any]:
    """Rubric, comment bank, cell comments, regrade requests and freeze state for graders.

    Computed once per page: the panels share the result through the page's base context.
    """
    cached = context.dicts[0].get("_grading_review")
    if cached is not None and not any(
        k in context for k in ("rubric_form", "comment_form", "resolve_form")
    ):
        return cached  # type: ignore[no-any-return]
    result = _grading_review(context)
    context.dicts[0]["_grading_review"] = result
    return result


def _grading_review(context: template.Context) -> dict[str, Any]:
    submission: Submission = context["submission"]
    user = context["request"].user
    review = _review(submission)
    version = rubrics.current_version(submission.assignment)
    scores = (
        {s.criterion_key: s for s in review.rubric_scores.select_related("version")}
        if review
        else {}
    )
    rubric_form = context.get("rubric_form") or (
        RubricScoreForm(version=version, scores=scores) if version else None
    )
    bank: dict[str, list[str]] = defaultdict(list)
    rubric = rubrics.rubric_of(submission.assignment)
    for entry in rubric.comment_bank.all() if rubric else []:
        bank[entry.criterion_key].append(entry.text)
    cells = comments.notebook_cells(submission)
    requests = list(
        RegradeRequest.objects.filter(submission=submission).select_related(
            "requested_by", "handler", "resolved_by", "submission__enrollment__cohort"
        )
    )
    on_old_version = version is not None and any(
        s.version_id != version.pk for s in scores.values()
    )
    return {
        "version": version,
        "rubric_form": rubric_form,
        "flagged": [s for s in scores.values() if s.flag],
        "on_old_version": on_old_version,
        "bank_general": bank.get("", []),
        "bank": dict(bank),
        "cells": cells,
        "comment_form": context.get("comment_form") or CellCommentForm(cells=cells),
        "comments": list(
            CellComment.objects.filter(review__submission=submission).select_related("author")
        ),
        "requests": [
            (
                r,
                regrades.can_resolve(user, r) and r.is_open,
                context.get("resolve_form")
                if context.get("regrade") == r
                else RegradeResolveForm(auto_id=f"id_r{r.pk}_%s"),
            )
            for r in requests
        ],
        "frozen": submission.enrollment.grades_frozen,
        "is_coordinator": user.is_coordinator,
    }


@register.simple_tag(takes_context=True)
def participant_review(context: template.Context) -> dict[str, Any]:
    """The participant's regrade requests, the request form while the window is open, and
    the comments on their cells, all only after release."""
    submission: Submission = context["submission"]
    review = _review(submission)
    if review is None or not review.is_released:
        return {"released": False}
    own = submission.participant_id == context["request"].user.pk
    targets = regrades.targets_for(review) if own else []
    window_open = regrades.window_is_open(review)
    return {
        "released": True,
        "rubric_scores": _scores_with_titles(review),
        "requests": list(RegradeRequest.objects.filter(submission=submission)),
        "window_open": window_open,
        "window_closes": regrades.window_closes_at(review),
        "regrade_form": context.get("regrade_form")
        or (RegradeRequestForm(targets=targets) if window_open and targets else None),
        "comment_count": CellComment.objects.filter(review=review).count(),
    }


def _scores_with_titles(review: Review) -> list[tuple[str, str, Any, str]]:
    """(criterion, level, points, comment) of the rubric scores, in the rubric's order."""
    version = rubrics.current_version(review.submission.assignment)
    scores = {s.criterion_key: s for s in review.rubric_scores.all()}
    rows = []
    for criterion in version.criteria.all() if version else []:
        score = scores.get(criterion.key)
        if score is None:
            continue
        level = next((lv.title for lv in criterion.levels.all() if lv.key == score.level_key), "")
        rows.append((criterion.title, level, score.points, score.comment))
    return rows


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """``mapping[key]`` or an empty list: the comment bank entries of one criterion."""
    return mapping.get(key, [])
