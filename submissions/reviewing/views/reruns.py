"""Grading again: one attempt, or an assignment's latest attempts (or only the failed ones).
A grader's action from the grading screen and the assignment page; every run is kept
(``submissions.services.rerun_grading``, docs/grading.md)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from courses.access import get_assignment_for_instructor, require_assignment_manager
from platform.types import AuthenticatedHttpRequest
from submissions import services
from submissions.access import get_submission_for_grader


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
