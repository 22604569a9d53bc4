"""Participant and instructor pages for attempts: upload, status, notebook, grading, release."""

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.middleware.csp import get_nonce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from courses.access import (
    assignment_manager_refusal,
    get_assignment_for_instructor,
    get_assignment_for_user,
    get_cohort_for_coordinator,
    get_cohort_for_instructor,
    get_enrollment_for_participant,
    get_module_for_publisher,
    require_assignment_manager,
)
from courses.exceptions import CoursesError
from courses.models import Assignment, Enrollment
from courses.nbgrader_import import due_dates, sources_in_archive
from platform.blobs import open_blob, read_blob
from platform.models import User
from platform.types import AuthenticatedHttpRequest
from submissions import cell_comments, services
from submissions.access import get_submission_for_grader, get_submission_for_viewer, is_grader_of
from submissions.exceptions import DataFilesInvalid, LeaseHeld, SubmissionError
from submissions.forms import ImportCourseForm, PurgeForm, ReviewForm, UploadForm
from submissions.frame import NOTEBOOK_CSP
from submissions.gradebook import gradebook_csv, gradebook_for, render_rows
from submissions.models import (
    DataCard,
    GradingLease,
    GradingRun,
    RenderedNotebook,
    Review,
    Submission,
)
from submissions.polling import grading_interval, poll_interval
from submissions.queue_views import filter_form, grade_url
from submissions.rendering import render_document
from submissions.reviewing import leases, states
from submissions.reviewing.anonymity import participant_label
from submissions.reviewing.queue import QueueFilter, take_next


@require_GET
@login_required
def assignment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    return _assignment_page(request, assignment_pk=assignment.pk, form=UploadForm())


def _assignment_page(
    request: AuthenticatedHttpRequest, *, assignment_pk: int, form: UploadForm, status: int = 200
) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, assignment_pk)
    attempts = Submission.objects.of_participant(request.user).filter(assignment=assignment)
    teaches = assignment.module.program.is_graded_by(request.user)
    context = {
        "assignment": assignment,
        "attempts": attempts,
        "form": form,
        # The program page is the participant's progress: linked for participants only.
        "enrolled": Enrollment.objects.current()
        .filter(user=request.user, cohort__program_id=assignment.module.program_id)
        .exists(),
        "teaches": teaches,
        "settings_refusal": assignment_manager_refusal(request.user, assignment) if teaches else "",
    }
    template = "submissions/assignment_detail.html"
    if request.htmx and request.method == "POST":
        return render(request, f"{template}#upload", context)
    return render(request, template, context, status=status)


@require_POST
@login_required
def upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    enrollment = get_enrollment_for_participant(request.user, assignment)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            submission = services.submit_attempt(
                participant=request.user,
                enrollment=enrollment,
                assignment=assignment,
                upload=form.cleaned_data["notebook"],
                data_files=form.cleaned_data["data_files"],
                data_card=form.data_card(),
            )
        except DataFilesInvalid as error:
            form.add_error("data_files", error.message)
        except SubmissionError as error:
            form.add_error("notebook", error.message)
        else:
            messages.success(request, _("Your notebook was received and is being graded."))
            if request.htmx:
                return HttpResponseClientRedirect(submission.get_absolute_url())
            return redirect(submission)
    # Refused uploads are a 400 for plain forms; htmx only swaps 2xx, so it gets a 200.
    return _assignment_page(
        request, assignment_pk=pk, form=form, status=200 if request.htmx else 400
    )


@require_GET
@login_required
def submission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_viewer(request.user, pk)
    part = request.GET.get("part")
    if request.htmx and part in {"notebook", "grading"}:
        context = _submission_context(request, submission, part=part)
        return render(request, f"submissions/submission_detail.html#{part}", context)
    context = _submission_context(request, submission)
    return render(request, "submissions/submission_detail.html", context)


def _submission_context(
    request: AuthenticatedHttpRequest, submission: Submission, *, part: str | None = None
) -> dict[str, object]:
    """What the page shows; for one polled region (``part``) only what that region needs,
    since an open page asks for it up to four times a second (``submissions.polling``)."""
    context: dict[str, object] = {"submission": submission}
    if part in {None, "grading"}:
        context.update(_grading_context(request.user, submission))
    if part in {None, "notebook"}:
        context.update(_notebook_context(submission))
    if part is None:
        context["data_files"] = submission.data_files.all()
        context["data_card"] = DataCard.objects.filter(submission=submission).first()
    return context


def _grading_context(user: User, submission: Submission) -> dict[str, object]:
    grader = is_grader_of(user, submission)
    run = submission.latest_run()
    review = Review.objects.filter(submission=submission).prefetch_related("scores").first()
    released = review is not None and review.is_released
    # The posting policy: autograde results at once, or only with the released review.
    autograde_visible = grader or released or submission.assignment.settings.shows_autograde_at_once
    return {
        "run": run,
        "autograde_visible": autograde_visible,
        # A queued or running run has no results yet: no query for them while polling.
        "results": run.results.all() if run and not run.is_active and autograde_visible else [],
        "review": review if (grader or released) else None,
        "released": released,
        "is_grader": grader,
        # None once settled: the region stops polling.
        "grading_poll": None
        if submission.is_settled
        else grading_interval(run, submission.submitted_at),
    }


def _notebook_context(submission: Submission) -> dict[str, object]:
    # A notebook not rendered by this renderer version yet (e.g. after an upgrade) is queued.
    rendered = services.rendered_notebook_of(submission) or services.request_rendering(
        notebook_sha256=submission.notebook_sha256
    )
    settled = rendered.status != RenderedNotebook.Status.PENDING
    return {
        "rendered": rendered,
        "render_settled": settled,
        # A render requested later than the upload (after an upgrade) starts its own clock.
        "notebook_poll": None
        if settled
        else poll_interval(max(submission.submitted_at, rendered.created_at)),
    }


@require_GET
@login_required
@never_cache
@csp_override(NOTEBOOK_CSP)
def notebook_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The rendered notebook, for a sandboxed iframe only: no script can run, nothing loads."""
    submission = get_submission_for_viewer(request.user, pk)
    rendered = services.rendered_notebook_of(submission)
    if rendered is not None and rendered.status == RenderedNotebook.Status.OK:
        fragment = read_blob(rendered.html_sha256).decode()
    elif rendered is not None and rendered.status == RenderedNotebook.Status.FAILED:
        fragment = (
            "<p>"
            + _("This notebook could not be rendered. Download it to open it in Jupyter.")
            + "</p>"
        )
    else:
        fragment = "<p>" + _("The notebook is being rendered…") + "</p>"
    fragment = cell_comments.in_notebook(request.user, submission, fragment)
    document = render_document(
        fragment,
        style_nonce=str(get_nonce(request)),
        title=submission.original_filename,
        language=get_language(),
    )
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Referrer-Policy"] = "no-referrer"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@require_GET
@login_required
@never_cache
def notebook_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    submission = get_submission_for_viewer(request.user, pk)
    response = FileResponse(
        open_blob(submission.notebook_sha256),
        as_attachment=True,
        filename=f"{submission.assignment.slug}-attempt-{submission.attempt_no}.ipynb",
        content_type="application/octet-stream",
    )
    return response


@require_http_methods(["GET", "POST"])
@login_required
def grade(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The grading screen. Opening it leases the submission to the grader (read-only for
    everyone else meanwhile); saving needs that lease. ``action`` is save, next or ready."""
    submission = get_submission_for_grader(request.user, pk)
    review = Review.objects.filter(submission=submission).prefetch_related("scores").first()
    initial: dict[str, object] = {"feedback": review.feedback if review else ""}
    for score in review.scores.all() if review else []:
        initial[f"points__{score.grade_id}"] = score.points
        initial[f"comment__{score.grade_id}"] = score.comment
    form = ReviewForm(request.POST or None, submission=submission, initial=initial)
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
    lease, held = _lease_for_screen(request.user, submission)
    if held is not None:
        for field in form.fields.values():
            field.widget.attrs["readonly"] = True
    context = {
        **_submission_context(request, submission),
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
    return render(request, "submissions/grade.html", context, status=400 if form.errors else 200)


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


@require_GET
@login_required
def cohort_submissions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_instructor(request.user, pk)
    submissions = (
        Submission.objects.filter(enrollment__cohort=cohort)
        .select_related("assignment__module", "assignment__settings", "participant", "review")
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
        {"cohort": cohort, "submissions": submissions, "modules": modules},
    )


@require_GET
@login_required
@never_cache
def data_file_download(
    request: AuthenticatedHttpRequest, pk: int, file_pk: int
) -> HttpResponseBase:
    submission = get_submission_for_viewer(request.user, pk)
    data_file = get_object_or_404(submission.data_files, pk=file_pk)
    if not data_file.is_available:
        return render(
            request, "submissions/data_file_purged.html", {"data_file": data_file}, status=410
        )
    return FileResponse(
        open_blob(data_file.sha256),
        as_attachment=True,
        filename=data_file.name,
        content_type="application/octet-stream",
    )


@require_http_methods(["GET", "POST"])
@login_required
def purge_data(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A coordinator deletes a finished cohort's data files (data minimisation), with a reason."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = PurgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            purge = services.purge_cohort_data(
                actor=request.user, cohort=cohort, reason=form.cleaned_data["reason"]
            )
        except SubmissionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d data file was purged.", "%(n)d data files were purged.", purge.files
                )
                % {"n": purge.files},
            )
            return redirect("submissions:purge-data", pk=cohort.pk)
    context = {"cohort": cohort, "form": form, "purges": cohort.data_purges.select_related("actor")}
    return render(
        request, "submissions/purge_data.html", context, status=400 if form.errors else 200
    )


@require_POST
@login_required
def regrade(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_grader(request.user, pk)
    runs = services.rerun_grading(actor=request.user, submissions=[submission])
    if runs:
        messages.success(request, _("Grading again; the earlier result stays in the history."))
    else:
        messages.info(request, _("This attempt is already being graded."))
    return redirect("submissions:grade", pk=submission.pk)


@require_POST
@login_required
def regrade_assignment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Grade again every latest attempt of an assignment: that reaches every cohort, so only
    someone who grades them all may (``require_assignment_manager``)."""
    assignment = get_assignment_for_instructor(request.user, pk)
    require_assignment_manager(request.user, assignment)
    targets = services.regrade_targets(
        grader=request.user,
        assignment=assignment,
        only_failed=bool(request.POST.get("only_failed")),
    )
    runs = services.rerun_grading(actor=request.user, submissions=targets)
    messages.success(
        request,
        ngettext(
            "%(n)d attempt is being graded again.",
            "%(n)d attempts are being graded again.",
            len(runs),
        )
        % {"n": len(runs)},
    )
    return redirect("submissions:assignment", pk=assignment.pk)


@require_http_methods(["GET", "POST"])
@login_required
def import_course(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Import an nbgrader course (zip of its source notebooks, optional gradebook) into a module."""
    module = get_module_for_publisher(request.user, pk)
    form = ImportCourseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            sources = sources_in_archive(form.cleaned_data["archive"].read())
            due = _uploaded_due_dates(form.cleaned_data["gradebook"])
            checks = services.import_nbgrader_course(module=module, sources=sources, due=due)
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d assignment imported; its check is running.",
                    "%(n)d assignments imported; their checks are running.",
                    len(checks),
                )
                % {"n": len(checks)},
            )
            return (
                redirect("submissions:publish-check", pk=checks[-1].assignment_id)
                if checks
                else redirect("home")
            )
    return render(
        request,
        "submissions/import_course.html",
        {"module": module, "form": form},
        status=400 if form.errors else 200,
    )


def _uploaded_due_dates(upload: Any) -> dict[str, Any]:
    if not upload:
        return {}
    with tempfile.NamedTemporaryFile(suffix=".db") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return due_dates(Path(handle.name))


@require_GET
@login_required
def gradebook(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_instructor(request.user, pk)
    book = gradebook_for(cohort)
    return render(request, "submissions/gradebook.html", {"book": book, "rows": render_rows(book)})


@require_GET
@login_required
@never_cache
def gradebook_export(request: AuthenticatedHttpRequest, pk: int) -> StreamingHttpResponse:
    cohort = get_cohort_for_instructor(request.user, pk)
    response = StreamingHttpResponse(
        gradebook_csv(gradebook_for(cohort)), content_type="text/csv; charset=utf-8"
    )
    filename = f"gradebook-{cohort.program.slug}-{slugify(cohort.name)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
