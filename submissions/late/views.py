"""An assignment's late work: its late policy, extensions for a cohort or one participant,
and the released grades that do not follow them because a certificate relies on them (frozen)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from courses.access import assignment_manager_refusal, require_assignment_manager
from courses.models import Assignment
from platform.types import AuthenticatedHttpRequest
from submissions.access import get_assignment_for_grading, get_personal_extension_for_grading
from submissions.exceptions import LatePolicyInvalid, SubmissionError
from submissions.late.forms import CohortExtensionForm, LatePolicyForm, PersonalExtensionForm
from submissions.late.report import (
    cohort_extensions,
    cohorts_of,
    frozen_rows,
    participants_of,
    personal_extensions,
    recomputed_message,
    recomputed_rows,
    revoked_extensions,
)
from submissions.late.services import (
    ExtensionGrant,
    LateRecomputation,
    change_late_policy,
    grant_extension,
    revoke_extension,
    stale_frozen_grades,
)
from submissions.reviewing.anonymity import participant_name


def _page(
    request: AuthenticatedHttpRequest,
    assignment: Assignment,
    *,
    policy_form: LatePolicyForm | None = None,
    extension_form: CohortExtensionForm | None = None,
    personal_form: PersonalExtensionForm | None = None,
) -> HttpResponse:
    cohorts = cohorts_of(request.user, assignment)
    grades = stale_frozen_grades(assignment=assignment, cohorts=cohorts)
    context = {
        "assignment": assignment,
        "policy_form": policy_form or LatePolicyForm.for_assignment(assignment),
        "extension_form": extension_form or CohortExtensionForm(cohorts=cohorts),
        "personal_form": personal_form
        or PersonalExtensionForm(participants=participants_of(request.user, assignment)),
        "personal_extensions": personal_extensions(request.user, assignment),
        "extensions": cohort_extensions(request.user, assignment),
        "revoked_extensions": revoked_extensions(request.user, assignment),
        "frozen": frozen_rows(user=request.user, assignment=assignment, grades=grades),
        "can_unfreeze": assignment.module.program.is_coordinated_by(request.user),
        "settings_refusal": assignment_manager_refusal(request.user, assignment),
    }
    invalid = any(form is not None for form in (policy_form, extension_form, personal_form))
    return render(request, "submissions/late_work.html", context, status=400 if invalid else 200)


def _report(
    request: AuthenticatedHttpRequest,
    assignment: Assignment,
    done: str,
    result: LateRecomputation,
) -> HttpResponse:
    """Say what was recomputed and whose grades, and send the user to the page that lists
    what was not."""
    messages.success(request, done)
    rows = recomputed_rows(user=request.user, assignment=assignment, reviews=result.recorded)
    if rows:
        messages.info(request, recomputed_message(rows))
    skipped = frozen_rows(user=request.user, assignment=assignment, grades=result.skipped_frozen)
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(n)d released grade was not recomputed because a certificate relies on it "
                "(frozen); see the list below.",
                "%(n)d released grades were not recomputed because a certificate relies on "
                "them (frozen); see the list below.",
                len(skipped),
            )
            % {"n": len(skipped)},
        )
    return redirect("submissions:late-work", pk=assignment.pk)


@require_GET
@login_required
def late_work(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The late policy, the cohorts' extensions and the frozen grades they did not change."""
    return _page(request, get_assignment_for_grading(request.user, pk))


@require_POST
@login_required
def late_policy_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The late policy and cut-off are the assignment's: they reach every cohort, so only
    someone who grades them all changes them (403 with the reason otherwise)."""
    assignment = get_assignment_for_grading(request.user, pk)
    require_assignment_manager(request.user, assignment)
    form = LatePolicyForm.for_assignment(assignment, request.POST)
    if not form.is_valid():
        return _page(request, assignment, policy_form=form)
    try:
        result = change_late_policy(
            assignment=assignment,
            actor=request.user,
            policy=form.policy(),
            cutoff_at=form.cleaned_data["cutoff_at"],
        )
    except LatePolicyInvalid as error:
        form.add_error(error.field, error.message)
        return _page(request, assignment, policy_form=form)
    done = ngettext(
        "Late policy saved; %(n)d released grade was recomputed.",
        "Late policy saved; %(n)d released grades were recomputed.",
        result.recomputed,
    ) % {"n": result.recomputed}
    return _report(request, assignment, done, result)


def _granted(
    request: AuthenticatedHttpRequest,
    assignment: Assignment,
    form: CohortExtensionForm | PersonalExtensionForm,
    **whom: Any,
) -> ExtensionGrant | None:
    """Grant the extension a valid form describes to ``whom`` (a cohort or an enrolment); on
    refusal the reason is the form's error and the result None."""
    try:
        return grant_extension(
            assignment=assignment,
            granted_by=request.user,
            due_at=form.cleaned_data["due_at"],
            cutoff_at=form.cleaned_data["cutoff_at"],
            reason=form.cleaned_data["reason"],
            **whom,
        )
    except SubmissionError as error:
        form.add_error(None, error.message)
        return None


@require_POST
@login_required
def extension_grant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_grading(request.user, pk)
    form = CohortExtensionForm(request.POST, cohorts=cohorts_of(request.user, assignment))
    if not form.is_valid():
        return _page(request, assignment, extension_form=form)
    result = _granted(request, assignment, form, cohort=form.cleaned_data["cohort"])
    if result is None:
        return _page(request, assignment, extension_form=form)
    done = ngettext(
        "Extension granted to %(cohort)s; %(n)d released grade was recomputed.",
        "Extension granted to %(cohort)s; %(n)d released grades were recomputed.",
        result.recomputed,
    ) % {"cohort": form.cleaned_data["cohort"].name, "n": result.recomputed}
    return _report(request, assignment, done, result)


@require_POST
@login_required
def personal_extension_grant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_grading(request.user, pk)
    participants = participants_of(request.user, assignment)
    form = PersonalExtensionForm(request.POST, participants=participants)
    if not form.is_valid():
        return _page(request, assignment, personal_form=form)
    participant = form.cleaned_data["participant"]
    result = _granted(request, assignment, form, enrollment=participant.enrollment)
    if result is None:
        return _page(request, assignment, personal_form=form)
    done = ngettext(
        "Extension granted to %(participant)s; %(n)d released grade was recomputed.",
        "Extension granted to %(participant)s; %(n)d released grades were recomputed.",
        result.recomputed,
    ) % {"participant": participant.label, "n": result.recomputed}
    return _report(request, assignment, done, result)


@require_POST
@login_required
def personal_extension_revoke(
    request: AuthenticatedHttpRequest, pk: int, extension_pk: int
) -> HttpResponse:
    assignment = get_assignment_for_grading(request.user, pk)
    extension = get_personal_extension_for_grading(request.user, assignment, extension_pk)
    assert extension.enrollment is not None
    name = participant_name(assignment=assignment, participant=extension.enrollment.user)
    try:
        result = revoke_extension(extension=extension, actor=request.user)
    except SubmissionError as error:
        messages.error(request, error.message)
        return redirect("submissions:late-work", pk=assignment.pk)
    done = ngettext(
        "Extension of %(participant)s revoked; %(n)d released grade was recomputed.",
        "Extension of %(participant)s revoked; %(n)d released grades were recomputed.",
        result.recomputed,
    ) % {"participant": name, "n": result.recomputed}
    return _report(request, assignment, done, result)
