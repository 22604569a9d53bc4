"""Participant and instructor pages for attempts: upload, status, notebook, grading, release."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.middleware.csp import get_nonce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from courses.access import (
    assignment_manager_refusal,
    get_assignment_for_user,
    get_enrollment_for_participant,
)
from courses.models import Assignment, Enrollment
from platform.blobs import blob_response
from platform.models import FileAccess, User
from platform.privacy.services import record_access
from platform.types import AuthenticatedHttpRequest
from submissions import services
from submissions.access import get_notebook_of_submission, get_submission_for_viewer, is_grader_of
from submissions.exceptions import DataFilesInvalid, SubmissionError
from submissions.frame import NOTEBOOK_CSP
from submissions.intake.forms import DraftNotebookForm, UploadForm
from submissions.intake.services import hand_in_draft, put_draft_notebook, submit_attempt
from submissions.models import (
    DataCard,
    DraftNotebook,
    RenderedNotebook,
    Review,
    Submission,
)
from submissions.notebook_results import by_notebook
from submissions.polling import grading_interval, poll_interval
from submissions.rendering import render_document
from submissions.reviewing import comments


@require_GET
@login_required
def assignment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    return _assignment_page(request, assignment_pk=assignment.pk, form=_upload_form(assignment))


def _assignment_page(
    request: AuthenticatedHttpRequest,
    *,
    assignment_pk: int,
    form: UploadForm,
    status: int = 200,
    draft_form: DraftNotebookForm | None = None,
    draft_error: str = "",
) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, assignment_pk)
    attempts = Submission.objects.of_participant(request.user).filter(assignment=assignment)
    teaches = assignment.module.program.is_graded_by(request.user)
    notebooks = assignment.notebook_set()
    drafts = {
        d.name: d
        for d in DraftNotebook.objects.filter(assignment=assignment, participant=request.user)
    }
    context = {
        "assignment": assignment,
        "notebooks": notebooks,
        # Each notebook with what the participant's draft holds of it (multi-notebook only).
        "draft_rows": [(n.name, drafts.get(n.name)) for n in notebooks]
        if len(notebooks) > 1
        else [],
        "draft_form": draft_form or DraftNotebookForm(),
        "draft_error": draft_error,
        "attempts": attempts,
        "course_files": list(assignment.course_files()),
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
    form = _upload_form(assignment, request.POST, request.FILES)
    if form.is_valid():
        try:
            submission = submit_attempt(
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
            if submission.left_out_course_files:
                messages.info(
                    request,
                    _(
                        "Left out of your zip, as they are the assignment's course files (the "
                        "grader uses its own copies): %(files)s"
                    )
                    % {"files": ", ".join(submission.left_out_course_files)},
                )
            replaced = submission.replaced_course_files()
            if replaced:
                messages.info(
                    request,
                    _(
                        "Your own %(files)s replaces the course file of the same name when your "
                        "notebook is graded."
                    )
                    % {"files": ", ".join(replaced)},
                )
            if request.htmx:
                return HttpResponseClientRedirect(submission.get_absolute_url())
            return redirect(submission)
    # Refused uploads are a 400 for plain forms; htmx only swaps 2xx, so it gets a 200.
    return _assignment_page(
        request, assignment_pk=pk, form=form, status=200 if request.htmx else 400
    )


@require_POST
@login_required
def draft_notebook(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Put one notebook into the participant's draft of a multi-notebook attempt."""
    assignment = get_assignment_for_user(request.user, pk)
    enrollment = get_enrollment_for_participant(request.user, assignment)
    form = DraftNotebookForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            put_draft_notebook(
                participant=request.user,
                enrollment=enrollment,
                assignment=assignment,
                upload=form.cleaned_data["notebook"],
            )
        except SubmissionError as error:
            form.add_error("notebook", error.message)
        else:
            return redirect(reverse("submissions:assignment", args=[pk]) + "#draft")
    return _assignment_page(
        request, assignment_pk=pk, form=_upload_form(assignment), draft_form=form, status=400
    )


@require_POST
@login_required
def draft_hand_in(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Hand in the draft as one attempt with all its notebooks."""
    assignment = get_assignment_for_user(request.user, pk)
    enrollment = get_enrollment_for_participant(request.user, assignment)
    try:
        submission = hand_in_draft(
            participant=request.user, enrollment=enrollment, assignment=assignment
        )
    except SubmissionError as error:
        return _assignment_page(
            request,
            assignment_pk=pk,
            form=_upload_form(assignment),
            draft_error=error.message,
            status=400,
        )
    messages.success(request, _("Your notebooks were received and are being graded."))
    return redirect(submission)


def _upload_form(assignment: Assignment, *args: Any) -> UploadForm:
    return UploadForm(*args, notebooks=len(assignment.notebook_set()))


@require_GET
@login_required
def submission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_viewer(request.user, pk)
    part = request.GET.get("part")
    if request.htmx and part in {"notebook", "grading"}:
        context = submission_context(request, submission, part=part)
        return render(request, f"submissions/submission_detail.html#{part}", context)
    context = submission_context(request, submission)
    return render(request, "submissions/submission_detail.html", context)


def submission_context(
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
        context["replaced_course_files"] = submission.replaced_course_files()
        context["data_card"] = DataCard.objects.filter(submission=submission).first()
    return context


def _grading_context(user: User, submission: Submission) -> dict[str, object]:
    grader = is_grader_of(user, submission)
    run = submission.latest_run()
    review = Review.objects.filter(submission=submission).prefetch_related("scores").first()
    released = review is not None and review.is_released
    # The posting policy: autograde results at once, or only with the released review.
    autograde_visible = grader or released or submission.assignment.settings.shows_autograde_at_once
    # A queued or running run has no results yet: no query for them while polling.
    results = run.results.all() if run and not run.is_active and autograde_visible else []
    return {
        "run": run,
        "autograde_visible": autograde_visible,
        "results": results,
        "result_groups": by_notebook(results, submission.grading_copy.grade_cells),
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
    notebooks = submission.notebook_files()
    several = len(notebooks) > 1
    renders = [
        (
            notebook,
            services.rendered_notebook_of(notebook.sha256)
            or services.request_rendering(notebook_sha256=notebook.sha256),
            f"?notebook={notebook.position}" if several else "",
        )
        for notebook in notebooks
    ]
    statuses = {rendered.status for _notebook, rendered, _query in renders}
    pending = [r for _n, r, _q in renders if r.status == RenderedNotebook.Status.PENDING]
    # The region's status: failed if any notebook failed, pending while any is, else ok.
    rendered = next(
        (r for _n, r, _q in renders if r.status == RenderedNotebook.Status.FAILED),
        pending[0] if pending else renders[0][1],
    )
    settled = RenderedNotebook.Status.PENDING not in statuses
    return {
        "rendered": rendered,
        "renders": renders,
        "several": several,
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
    notebook = get_notebook_of_submission(submission, request.GET.get("notebook"))
    rendered = services.rendered_notebook_of(notebook.sha256)
    if rendered is not None and rendered.status == RenderedNotebook.Status.OK:
        record_access(request.user, submission, FileAccess.What.RENDERED)
        fragment = services.rendered_html(submission, rendered)
    elif rendered is not None and rendered.status == RenderedNotebook.Status.FAILED:
        fragment = (
            "<p>"
            + _("This notebook could not be rendered. Download it to open it in Jupyter.")
            + "</p>"
        )
    else:
        fragment = "<p>" + _("The notebook is being rendered…") + "</p>"
    if notebook.position == 0:
        # Comments on cells are on the first notebook (docs/grading.md).
        fragment = comments.in_notebook(request.user, submission, fragment)
    document = render_document(
        fragment,
        style_nonce=str(get_nonce(request)),
        title=notebook.name,
        language=get_language(),
    )
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Referrer-Policy"] = "no-referrer"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@require_GET
@login_required
@never_cache
def notebook_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    submission = get_submission_for_viewer(request.user, pk)
    notebook = get_notebook_of_submission(submission, request.GET.get("notebook"))
    record_access(request.user, submission, FileAccess.What.NOTEBOOK)
    return blob_response(
        notebook.sha256,
        filename=submission.download_name(notebook),
        content_type="application/octet-stream",
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
    record_access(request.user, submission, FileAccess.What.DATA_FILE, files=[data_file.name])
    return blob_response(
        data_file.sha256, filename=data_file.name, content_type="application/octet-stream"
    )
