"""The graders' lists and what surrounds them: the queue, a cohort's attempts, leases, release
to N, review settings, allocation.

The grading screen itself is ``views.grading.grade``; it takes the lease these views renew,
give back and break.
"""

from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.access import (
    assignment_manager_refusal,
    get_cohort_for_instructor,
    get_enrollment_in_cohort,
    require_assignment_manager,
)
from courses.models import Assignment
from platform.models import User
from platform.types import AuthenticatedHttpRequest
from submissions.access import (
    get_assignment_for_grading,
    get_submission_for_coordinator,
    get_submission_for_grader,
    is_grader_of,
    require_grading_cohorts,
    require_identity_revealer,
)
from submissions.exceptions import SubmissionError
from submissions.models import GraderShare, GradingRun, Submission
from submissions.reviewing import allocation, anonymity, leases, states
from submissions.reviewing.anonymity import participant_label
from submissions.reviewing.forms.queue import AllocationForm, QueueFilterForm, ReviewSettingsForm
from submissions.reviewing.queue import QueueFilter, queue_for, row_state, take_next

QUEUE_PAGE_SIZE = 50


def filter_form(user: User, data: QueryDict | None) -> QueueFilterForm:
    """The queue's filter form; unbound (the defaults) when no filter was given."""
    fields = set(QueueFilterForm.base_fields)
    bound = data is not None and any(key in fields for key in data)
    return QueueFilterForm(
        data if bound else None,
        user=user,
        mine_by_default=allocation.allocation_is_on_for(user),
    )


def grade_url(submission_pk: int, filters: QueueFilter) -> str:
    return f"{reverse('submissions:grade', args=[submission_pk])}?{filters.querystring()}"


@require_GET
@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_grading_cohorts(request.user)
    form = filter_form(request.user, request.GET)
    filters = form.queue_filter()
    page = Paginator(queue_for(request.user, filters), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for row in page.object_list:
        row.queue_state = row_state(row)  # type: ignore[attr-defined]
        row.shown_name = participant_label(row)  # type: ignore[attr-defined]
        lease = getattr(row, "lease", None)
        row.current_lease = lease if lease is not None and lease.is_valid() else None  # type: ignore[attr-defined]
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "query": filters.querystring(),
        "query_items": parse_qsl(filters.querystring()),
    }
    return render(request, "submissions/queue.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def queue_next(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Lease the next ungraded submission of the (filtered) queue and open it."""
    require_grading_cohorts(request.user)
    filters = filter_form(request.user, request.POST).queue_filter()
    picked = take_next(request.user, filters)
    if picked is None:
        messages.info(request, _("Nothing left to grade here. Well done!"))
        return redirect(f"{reverse('submissions:queue')}?{filters.querystring()}")
    return redirect(grade_url(picked[0].pk, filters))


@require_POST
@login_required
def lease_renew(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The open grading screen's ping: keep the lease, or say it is gone (htmx fragment)."""
    submission = get_submission_for_grader(request.user, pk)
    context: dict[str, object] = {"submission": submission}
    try:
        context["lease"] = leases.renew_lease(
            grader=request.user, submission=submission, token=request.POST.get("token", "")
        )
    except SubmissionError as error:
        context["lease_lost"] = error.message
    if request.htmx:
        return render(request, "submissions/grade.html#lease", context)
    if "lease_lost" in context:
        messages.error(request, str(context["lease_lost"]))
    return redirect("submissions:grade", pk=submission.pk)


@require_POST
@login_required
def lease_release(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Leave the grading screen: give the lease back and return to the queue."""
    submission = get_submission_for_grader(request.user, pk)
    leases.release_lease(
        grader=request.user, submission=submission, token=request.POST.get("token", "")
    )
    filters = filter_form(request.user, request.POST).queue_filter()
    return redirect(f"{reverse('submissions:queue')}?{filters.querystring()}")


@require_POST
@login_required
def lease_break(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_coordinator(request.user, pk)
    leases.break_lease(actor=request.user, submission=submission)
    messages.success(request, _("The lease was broken; the submission is free again."))
    if is_grader_of(request.user, submission):
        return redirect("submissions:grade", pk=submission.pk)
    return redirect("submissions:queue")


@require_http_methods(["GET", "POST"])
@login_required
def release_ready(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show how many ready reviews would be released to how many participants; release them."""
    assignment = get_assignment_for_grading(request.user, pk)
    reviews = list(states.ready_reviews(user=request.user, assignment=assignment))
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("reviews") if v.isdigit()]
        if not ids:
            messages.error(request, _("There was nothing to release."))
            return redirect("submissions:release-ready", pk=assignment.pk)
        result = states.release_ready_reviews(
            actor=request.user, assignment=assignment, review_ids=ids
        )
        messages.success(
            request,
            ngettext(
                "Released to %(n)d participant.",
                "Released to %(n)d participants.",
                result.participants,
            )
            % {"n": result.participants},
        )
        if result.skipped:
            messages.warning(
                request,
                ngettext(
                    "%(n)d review waits for the next release: %(reasons)s",
                    "%(n)d reviews wait for the next release: %(reasons)s",
                    result.skipped,
                )
                % {"n": result.skipped, "reasons": " ".join(result.reasons)},
            )
        return redirect("submissions:release-ready", pk=assignment.pk)
    for review in reviews:
        review.shown_name = participant_label(review.submission)  # type: ignore[attr-defined]
    participants = len({r.submission.participant_id for r in reviews})
    return render(
        request,
        "submissions/release_ready.html",
        {"assignment": assignment, "reviews": reviews, "participants": participants},
    )


@require_http_methods(["GET", "POST"])
@login_required
def review_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Posting policy and anonymous grading of an assignment, its grading rules (warnings,
    deleted cells) and a hint per test cell; the coordinator's reveal. Everyone who grades a
    cohort of it sees them; changing them reaches every cohort (``require_assignment_manager``)."""
    assignment = get_assignment_for_grading(request.user, pk)
    if request.method == "POST":
        require_assignment_manager(request.user, assignment)
    rules = assignment.settings
    test_cells = [c["grade_id"] for c in assignment.grade_cells if c["kind"] == "autograded"]
    initial = {
        "posting_policy": rules.posting_policy,
        "anonymous_grading": rules.anonymous_grading,
        "ignore_stderr_warnings": rules.ignore_stderr_warnings,
        "restore_missing_cells": rules.restore_missing_cells,
        **{f"hint_{n}": rules.hint_for(grade_id) for n, grade_id in enumerate(test_cells)},
    }
    form = ReviewSettingsForm(request.POST or None, initial=initial, test_cells=test_cells)
    if request.method == "POST" and form.is_valid():
        try:
            anonymity.set_review_settings(
                actor=request.user,
                assignment=assignment,
                posting_policy=form.cleaned_data["posting_policy"],
                anonymous_grading=form.cleaned_data["anonymous_grading"],
                ignore_stderr_warnings=form.cleaned_data["ignore_stderr_warnings"],
                restore_missing_cells=form.cleaned_data["restore_missing_cells"],
                # Hints of cells a later version dropped are kept, unseen, until it returns.
                test_hints={
                    **{k: v for k, v in rules.test_hints.items() if k not in test_cells},
                    **form.hints(),
                },
            )
        except SubmissionError as error:
            form.add_error("anonymous_grading", error.message)
        else:
            messages.success(request, _("Review settings saved."))
            return redirect("submissions:review-settings", pk=assignment.pk)
    context = {
        "assignment": assignment,
        "form": form,
        "can_reveal": assignment.module.program.is_coordinated_by(request.user),
        "settings_refusal": assignment_manager_refusal(request.user, assignment),
    }
    return render(
        request, "submissions/review_settings.html", context, status=400 if form.errors else 200
    )


@require_POST
@login_required
def reveal_identities(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_grading(request.user, pk)
    require_identity_revealer(request.user, assignment)
    try:
        anonymity.reveal_identities(actor=request.user, assignment=assignment)
    except SubmissionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Identities are revealed to the graders; this is recorded."))
    return redirect("submissions:review-settings", pk=assignment.pk)


@require_http_methods(["GET", "POST"])
@login_required
def allocation_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors see how a cohort's participants are allocated; coordinators set weights."""
    cohort = get_cohort_for_instructor(request.user, pk)
    can_edit = cohort.program.is_coordinated_by(request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(_("Only coordinators set up allocation."))
    instructors = list(cohort.instructors.order_by("username"))
    shares = {s.grader_id: s.weight for s in GraderShare.objects.filter(cohort=cohort)}
    initial = {f"weight_{i.pk}": shares.get(i.pk, 0) for i in instructors}
    form = AllocationForm(request.POST or None, instructors=instructors, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            summary = allocation.set_grader_weights(
                actor=request.user, cohort=cohort, weights=form.weights()
            )
        except SubmissionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Allocation saved; %(n)d participant was allocated.",
                    "Allocation saved; %(n)d participants were allocated.",
                    summary.moved,
                )
                % {"n": summary.moved},
            )
            return redirect("submissions:allocation", pk=cohort.pk)
    counts = allocation.allocation_counts(cohort)
    context = {
        "cohort": cohort,
        "form": form,
        "rows": [(i, field, counts.get(i.pk, 0)) for i, field in form.rows()],
        "enabled": bool(shares),
        "can_edit": can_edit,
    }
    return render(
        request, "submissions/allocation.html", context, status=400 if form.errors else 200
    )


@require_GET
@login_required
def cohort_submissions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every attempt of a cohort, newest attempt first, for its graders; ``?enrollment=<id>``
    narrows it to one participant (the progress matrix links here), leaving out work
    graded anonymously while identities are hidden, so the filter reveals no pseudonym."""
    cohort = get_cohort_for_instructor(request.user, pk)
    submissions = Submission.objects.filter(enrollment__cohort=cohort)
    enrollment = request.GET.get("enrollment", "")
    shown = None
    if enrollment.isdigit():
        shown = get_enrollment_in_cohort(cohort, int(enrollment))
        submissions = submissions.filter(participant_id=shown.user_id).exclude(
            assignment__settings__anonymous_grading=True,
            assignment__settings__identities_revealed_at__isnull=True,
        )
    submissions = (
        submissions.select_related(
            "assignment__module", "assignment__settings", "participant", "review"
        )
        .prefetch_related(
            Prefetch(
                "grading_runs",
                queryset=GradingRun.objects.latest_per_submission(),
                to_attr="latest_runs",
            )
        )
        .order_by(
            "assignment__module__order", "assignment__order", "participant__username", "-attempt_no"
        )
    )
    modules = cohort.program.modules.prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.prefetch_related("publish_checks"))
    )
    return render(
        request,
        "submissions/cohort_submissions.html",
        {"cohort": cohort, "submissions": submissions, "modules": modules, "shown": shown},
    )
