"""Pages and form posts of reviewing beyond the basic grading screen: the rubric editor and
comment bank, scoring with a rubric, comments on cells, and regrade requests."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from courses.access import (
    assignment_manager_refusal,
    get_assignment_for_instructor,
    require_assignment_manager,
)
from courses.models import Assignment
from platform.types import AuthenticatedHttpRequest
from submissions.access import get_submission_for_grader
from submissions.exceptions import SubmissionError
from submissions.late.report import recomputed_message, recomputed_rows
from submissions.models import CellComment, Review, Submission
from submissions.reviewing import comments, regrades, rubrics
from submissions.reviewing.access import (
    get_regrade_for_handler,
    get_submission_for_participant,
)
from submissions.reviewing.anonymity import participant_label
from submissions.reviewing.forms.review import (
    CellCommentForm,
    RegradeFilterForm,
    RegradeRequestForm,
    RegradeResolveForm,
    RegradeWindowForm,
    RubricEditor,
    RubricScoreForm,
    bank_inputs,
    comment_bank_formset,
)
from submissions.reviewing.views import grading
from submissions.views import submission_context


def _bank_entries(assignment: Assignment) -> list[dict[str, str]]:
    rubric = rubrics.rubric_of(assignment)
    if rubric is None:
        return []
    return [{"text": e.text, "criterion_key": e.criterion_key} for e in rubric.comment_bank.all()]


def _rubric_page(
    request: AuthenticatedHttpRequest, assignment: Assignment, **forms: Any
) -> HttpResponse:
    version = rubrics.current_version(assignment)
    context = {
        "assignment": assignment,
        "version": version,
        "in_use": version is not None and version.scores.exists(),
        "released": Review.objects.filter(
            submission__assignment=assignment, state=Review.State.RELEASED
        ).count(),
        "editor": forms.get("editor") or RubricEditor(version=version),
        "bank": forms.get("bank")
        or comment_bank_formset(version=version, entries=_bank_entries(assignment)),
        "window": forms.get("window") or RegradeWindowForm(instance=assignment.settings),
        "settings_refusal": assignment_manager_refusal(request.user, assignment),
    }
    invalid = any(f is not None for f in forms.values())
    return render(
        request, "submissions/review/rubric_edit.html", context, status=400 if invalid else 200
    )


@require_GET
@login_required
def rubric_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The assignment's rubric, comment bank and regrade window: shown to everyone who grades
    a cohort of it; they belong to the assignment, so changing them reaches every cohort and
    needs ``require_assignment_manager`` (403 with the reason)."""
    assignment = get_assignment_for_instructor(request.user, pk)
    return _rubric_page(request, assignment)


@require_POST
@login_required
def rubric_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_instructor(request.user, pk)
    require_assignment_manager(request.user, assignment)
    editor = RubricEditor(request.POST, version=rubrics.current_version(assignment))
    if editor.is_valid():
        try:
            change = rubrics.save_rubric(
                assignment=assignment, actor=request.user, criteria=editor.to_inputs()
            )
        except SubmissionError as error:
            editor.errors.append(error.message)
        else:
            _report_change(request, assignment, change)
            return redirect("submissions:rubric", pk=assignment.pk)
    return _rubric_page(request, assignment, editor=editor)


def _report_change(
    request: AuthenticatedHttpRequest, assignment: Assignment, change: rubrics.RubricChange
) -> None:
    if change.new_version and change.version.number > 1:
        messages.success(
            request,
            ngettext(
                "Saved as version %(v)d; %(n)d review was re-scored.",
                "Saved as version %(v)d; %(n)d reviews were re-scored.",
                change.rescored,
            )
            % {"v": change.version.number, "n": change.rescored},
        )
    else:
        messages.success(request, _("Rubric saved."))
    rows = recomputed_rows(user=request.user, assignment=assignment, reviews=change.recorded)
    if rows:
        messages.info(request, recomputed_message(rows))
    if change.skipped_frozen:
        # As graders see them: a pseudonym while the assignment is graded anonymously.
        names = ", ".join(participant_label(s) for s in change.skipped_frozen)
        messages.warning(
            request,
            _("Not changed because a certificate relies on their grades (frozen): %(names)s")
            % {"names": names},
        )


@require_POST
@login_required
def comment_bank_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_instructor(request.user, pk)
    require_assignment_manager(request.user, assignment)
    version = rubrics.current_version(assignment)
    bank = comment_bank_formset(request.POST, version=version, entries=[])
    if bank.is_valid():
        try:
            rubrics.save_comment_bank(assignment=assignment, entries=bank_inputs(bank))
        except SubmissionError as error:
            bank.non_form_errors().append(error.message)
        else:
            messages.success(request, _("Comment bank saved."))
            return redirect("submissions:rubric", pk=assignment.pk)
    return _rubric_page(request, assignment, bank=bank)


@require_POST
@login_required
def regrade_window_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_instructor(request.user, pk)
    require_assignment_manager(request.user, assignment)
    form = RegradeWindowForm(request.POST, instance=assignment.settings)
    if form.is_valid():
        form.save()
        messages.success(request, _("Regrade window saved."))
        return redirect("submissions:rubric", pk=assignment.pk)
    return _rubric_page(request, assignment, window=form)


@require_POST
@login_required
def rubric_score(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save the levels chosen on the grading screen."""
    submission = get_submission_for_grader(request.user, pk)
    version = rubrics.current_version(submission.assignment)
    if version is None:
        messages.error(request, _("This assignment has no rubric."))
        return redirect("submissions:grade", pk=submission.pk)
    review = Review.objects.filter(submission=submission).first()
    scores = {s.criterion_key: s for s in review.rubric_scores.all()} if review else {}
    form = RubricScoreForm(request.POST, version=version, scores=scores)
    if form.is_valid():
        try:
            rubrics.score_with_rubric(
                grader=request.user,
                submission=submission,
                choices=form.choices(),
                dismiss=form.dismissed(),
            )
        except SubmissionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Rubric scores saved."))
            return redirect("submissions:grade", pk=submission.pk)
    return grading.panel_with_errors(request, submission, "rubric", rubric_form=form)


@require_POST
@login_required
def cell_comment_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_grader(request.user, pk)
    form = CellCommentForm(request.POST, cells=comments.notebook_cells(submission))
    if form.is_valid():
        try:
            comments.add_cell_comment(
                author=request.user,
                submission=submission,
                cell=form.cleaned_data["cell"],
                line=form.cleaned_data["line"],
                text=form.cleaned_data["text"],
            )
        except SubmissionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Comment added."))
            return redirect("submissions:grade", pk=submission.pk)
    return grading.panel_with_errors(request, submission, "cell_comments", comment_form=form)


@require_POST
@login_required
def cell_comment_delete(
    request: AuthenticatedHttpRequest, pk: int, comment_pk: int
) -> HttpResponse:
    submission = get_submission_for_grader(request.user, pk)
    comment = get_object_or_404(CellComment, pk=comment_pk, review__submission=submission)
    comments.delete_cell_comment(comment=comment)
    messages.success(request, _("Comment deleted."))
    return redirect("submissions:grade", pk=submission.pk)


@require_POST
@login_required
def regrade_request_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A participant asks for a criterion or test of their released grade to be regraded."""
    submission = get_submission_for_participant(request.user, pk)
    review = get_object_or_404(Review, submission=submission, state=Review.State.RELEASED)
    form = RegradeRequestForm(request.POST, targets=regrades.targets_for(review))
    if form.is_valid():
        target = form.chosen()
        try:
            regrades.request_regrade(
                participant=request.user,
                submission=submission,
                target=target.target,
                key=target.key,
                reason=form.cleaned_data["reason"],
            )
        except SubmissionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your request was sent to your grader."))
            return redirect("submissions:detail", pk=submission.pk)
    return _attempt_with_errors(request, submission, form)


def _attempt_with_errors(
    request: AuthenticatedHttpRequest, submission: Submission, form: RegradeRequestForm
) -> HttpResponse:
    """The participant's attempt page again with the regrade request and its errors: for htmx
    the released review's region alone (200), else the whole page (400)."""
    if request.htmx:
        context = {"submission": submission, "regrade_form": form}
        return render(request, "submissions/submission_detail.html#participant_review", context)
    context = {**submission_context(request, submission), "regrade_form": form}
    return render(request, "submissions/submission_detail.html", context, status=400)


@require_POST
@login_required
def regrade_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    regrade = get_regrade_for_handler(request.user, pk)
    form = RegradeResolveForm(request.POST)
    if form.is_valid():
        try:
            regrades.resolve_regrade(
                actor=request.user,
                request=regrade,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
                points=form.cleaned_data["points"],
            )
        except SubmissionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Regrade request resolved; the participant is told."))
            return redirect("submissions:grade", pk=regrade.submission_id)
    return grading.panel_with_errors(
        request, regrade.submission, "regrades", regrade=regrade, resolve_form=form
    )


@require_GET
@login_required
def regrade_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open and recent regrade requests this user handles (coordinators: their programs'),
    narrowed by cohort and by whose turn it is (``?cohort=<pk>&state=escalated``)."""
    handled = regrades.requests_for_handler(request.user)
    form = RegradeFilterForm(request.GET or None, handled=handled)
    open_, resolved = form.narrow(handled)
    context = {
        "form": form,
        "open": open_.order_by("-escalated_at", "created_at"),
        "resolved": resolved.order_by("-resolved_at")[:50],
    }
    status = 400 if form.errors else 200
    return render(request, "submissions/review/regrade_list.html", context, status=status)
