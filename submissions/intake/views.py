"""Intake pages that are not the participant's own: a coordinator purges a finished cohort's data
files. The upload itself is the participant's assignment page (``submissions.views``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from courses.access import get_cohort_for_coordinator
from platform.types import AuthenticatedHttpRequest
from submissions.exceptions import SubmissionError
from submissions.intake.forms import PurgeForm
from submissions.intake.services import purge_cohort_data


@require_http_methods(["GET", "POST"])
@login_required
def purge_data(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A coordinator deletes a finished cohort's data files (data minimisation), with a reason."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = PurgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            purge = purge_cohort_data(
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
