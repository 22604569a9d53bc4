"""The coordinators' tandem pages (docs/tandems.md): a cohort's overview (pairs, meetings,
reflections, open requests, students), pairing by hand or from the proposal, inviting students,
ending a tandem and closing a request. Staff and the program's coordinators only
(``courses.access.get_cohort_for_coordinator``); everyone else gets a 404.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.access import get_cohort_for_coordinator
from courses.models import Cohort
from courses.tandems import reads, services
from courses.tandems.access import get_partner_request_for_coordinator, get_tandem_for_member
from courses.tandems.forms import InviteStudentForm, PairForm
from platform.types import AuthenticatedHttpRequest


def _cohort_page(
    request: AuthenticatedHttpRequest,
    cohort: Cohort,
    *,
    pair_form: PairForm | None = None,
    invite_form: InviteStudentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    overview = reads.overview_for(cohort)
    return render(
        request,
        "courses/tandems/cohort.html",
        {
            "cohort": cohort,
            "overview": overview,
            "pair_form": pair_form or PairForm(pools=overview.pools),
            "invite_form": invite_form or InviteStudentForm(),
        },
        status=status,
    )


@require_GET
@login_required
def cohort(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _cohort_page(request, get_cohort_for_coordinator(request.user, pk))


@require_POST
@login_required
def pair(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = PairForm(request.POST, pools=reads.overview_for(cohort).pools)
    if form.is_valid():
        try:
            services.pair(cohort=cohort, by=request.user, **form.cleaned_data)
        except services.TandemRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The tandem is paired; both are told."))
            return redirect("tandems:cohort", cohort.pk)
    return _cohort_page(request, cohort, pair_form=form, status=400)


@require_POST
@login_required
def invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = InviteStudentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.invite_student(
                cohort=cohort,
                email=data["email"],
                full_name=data["name"],
                language=data["language"],
                invited_by=request.user,
            )
        except services.TandemRefused as refused:
            form.add_error("email", refused.message)
        else:
            messages.success(request, _("The invitation is on its way."))
            return redirect("tandems:cohort", cohort.pk)
    return _cohort_page(request, cohort, invite_form=form, status=400)


def _proposal_page(
    request: AuthenticatedHttpRequest, cohort: Cohort, *, refusal: str = "", status: int = 200
) -> HttpResponse:
    proposals = [(pool, reads.proposal_for(pool)) for pool in reads.overview_for(cohort).pools]
    return render(
        request,
        "courses/tandems/proposal.html",
        {
            "cohort": cohort,
            "proposals": proposals,
            "anything": any(pairs for _pool, pairs in proposals),
            "refusal": refusal,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def proposal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The matching's pairs for who is still free; the coordinator ticks those to confirm
    (all or nothing: if one cannot be paired any more, none is)."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    if request.method == "GET":
        return _proposal_page(request, cohort)
    chosen = _chosen_pairs(cohort, request.POST.getlist("pairs"))
    if not chosen:
        return _proposal_page(
            request, cohort, refusal=_("Please tick at least one pair."), status=400
        )
    try:
        with transaction.atomic():
            for pool, proposed in chosen:
                services.pair(
                    cohort=cohort,
                    module=pool.module,
                    senior=proposed.senior,
                    student=proposed.student,
                    by=request.user,
                )
    except services.TandemRefused as refused:
        return _proposal_page(request, cohort, refusal=refused.message, status=400)
    messages.success(
        request,
        ngettext("%(n)d tandem is paired.", "%(n)d tandems are paired.", len(chosen))
        % {"n": len(chosen)},
    )
    return redirect("tandems:cohort", cohort.pk)


def _chosen_pairs(cohort: Cohort, values: list[str]) -> list[tuple[Any, Any]]:
    """The ticked pairs, as the proposal still makes them now (a pair no longer proposed, e.g.
    paired by hand meanwhile, is left out and nothing is paired on a stale page)."""
    wanted = set(values)
    return [
        (pool, proposed)
        for pool in reads.overview_for(cohort).pools
        for proposed in reads.proposal_for(pool)
        if proposed.value in wanted
    ]


@require_POST
@login_required
def end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    tandem = get_tandem_for_member(request.user, pk)
    try:
        services.end_tandem(tandem=tandem, by=request.user)
    except services.TandemRefused as refused:
        raise PermissionDenied(refused.message) from refused
    messages.success(request, _("The tandem has ended; its log is kept. Pair both anew below."))
    return redirect("tandems:cohort", tandem.cohort_id)


@require_POST
@login_required
def close_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partner_request = get_partner_request_for_coordinator(request.user, pk)
    try:
        services.close_partner_request(request=partner_request, by=request.user)
    except services.TandemRefused as refused:
        messages.error(request, refused.message)
    return redirect("tandems:cohort", partner_request.tandem.cohort_id)
