"""The grading screen and what its buttons do: save (then next or ready), release, reopen.

Opening the screen leases the submission to the grader (docs/review.md, "Leases"); the lease's
own pages are in ``submissions.reviewing.views.queue``.
"""

from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from platform.models import User
from platform.types import AuthenticatedHttpRequest
from submissions.access import get_submission_for_grader
from submissions.exceptions import LeaseHeld, SubmissionError
from submissions.models import GradingLease, GradingRun, Review, Submission
from submissions.reviewing import leases, services, states
from submissions.reviewing.anonymity import participant_label
from submissions.reviewing.forms.review import ReviewForm
from submissions.reviewing.queue import QueueFilter, take_next
from submissions.reviewing.views.queue import filter_form, grade_url
from submissions.views import submission_context


@require_http_methods(["GET", "POST"])
@login_required
def grade(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The grading screen. Opening it leases the submission to the grader (read-only for
    everyone else meanwhile); saving needs that lease. ``action`` is save, next or ready."""
    submission = get_submission_for_grader(request.user, pk)
    form = _review_form(submission, request.POST or None)
    filters = filter_form(request.user, request.POST or request.GET).queue_filter()
    token = request.POST.get("lease_token", "")
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "save")
        try:
            services.save_review(
                grader=request.user,
                submission=submission,
                points=form.points(),
                comments=form.comments(),
                feedback=form.cleaned_data["feedback"],
                lease_token=token,
            )
        except SubmissionError as error:
            form.add_error(None, error.message)
        else:
            return _after_save(request, submission, action=action, token=token, filters=filters)
    status = 400 if form.errors else 200
    return _screen(request, submission, form=form, filters=filters, status=status)


def panel_with_errors(
    request: AuthenticatedHttpRequest, submission: Submission, panel: str, **forms: object
) -> HttpResponse:
    """A panel's form sent with errors (``rubric_form``, ``comment_form``, or ``regrade`` with
    its ``resolve_form``): for htmx the panel alone (200), else the whole grading screen with
    the form and its errors in that panel (400). See docs/review.md, "The grading screen"."""
    if request.htmx:
        context = {"submission": submission, **forms}
        return render(request, f"submissions/grade.html#{panel}", context)
    filters = filter_form(request.user, request.GET).queue_filter()
    form = _review_form(submission, None)
    return _screen(request, submission, form=form, filters=filters, status=400, **forms)


def _review_form(submission: Submission, data: QueryDict | None) -> ReviewForm:
    review = Review.objects.filter(submission=submission).prefetch_related("scores").first()
    initial: dict[str, object] = {"feedback": review.feedback if review else ""}
    for score in review.scores.all() if review else []:
        initial[f"points__{score.grade_id}"] = score.points
        initial[f"comment__{score.grade_id}"] = score.comment
    return ReviewForm(data, submission=submission, initial=initial)


def _screen(
    request: AuthenticatedHttpRequest,
    submission: Submission,
    *,
    form: ReviewForm,
    filters: QueueFilter,
    status: int,
    **panel_forms: object,
) -> HttpResponse:
    lease, held = _lease_for_screen(request.user, submission)
    if held is not None:
        for field in form.fields.values():
            field.widget.attrs["readonly"] = True
    context = {
        **submission_context(request, submission),
        **panel_forms,
        "form": form,
        "lease": lease,
        "held": held,
        "query": filters.querystring(),
        "query_items": parse_qsl(filters.querystring()),
        "participant_label": participant_label(submission),
        "runs": GradingRun.objects.filter(submission=submission)
        .select_related("requested_by")
        .newest_first(),
    }
    return render(request, "submissions/grade.html", context, status=status)


def _lease_for_screen(
    user: User, submission: Submission
) -> tuple[GradingLease | None, LeaseHeld | None]:
    try:
        return leases.take_lease(grader=user, submission=submission), None
    except LeaseHeld as held:
        return None, held


def _after_save(
    request: AuthenticatedHttpRequest,
    submission: Submission,
    *,
    action: str,
    token: str,
    filters: QueueFilter,
) -> HttpResponse:
    if action == "ready":
        try:
            states.mark_ready(grader=request.user, submission=submission, lease_token=token)
        except SubmissionError as error:
            messages.warning(
                request, _("Saved, but not marked ready: %(why)s") % {"why": error.message}
            )
        else:
            messages.success(request, _("Saved and marked ready for release."))
    elif action == "next":
        leases.release_lease(grader=request.user, submission=submission, token=token)
        picked = take_next(request.user, filters, exclude=submission.pk)
        messages.success(request, _("Review saved."))
        if picked is None:
            messages.info(request, _("Nothing left to grade here. Well done!"))
            return redirect(f"{reverse('submissions:queue')}?{filters.querystring()}")
        return redirect(grade_url(picked[0].pk, filters))
    else:
        messages.success(request, _("Review saved."))
    return redirect(grade_url(submission.pk, filters))


@require_POST
@login_required
def release(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_grader(request.user, pk)
    token = request.POST.get("lease_token")
    try:
        services.release_review(grader=request.user, submission=submission, lease_token=token)
    except SubmissionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Grade released to the participant."))
    return redirect("submissions:grade", pk=submission.pk)


@require_POST
@login_required
def reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send a ready review back to draft."""
    submission = get_submission_for_grader(request.user, pk)
    try:
        states.reopen_review(
            grader=request.user,
            submission=submission,
            lease_token=request.POST.get("lease_token", ""),
        )
    except SubmissionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The review is a draft again."))
    return redirect("submissions:grade", pk=submission.pk)
