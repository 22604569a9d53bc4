from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from courses.access import get_cohort_for_instructor
from courses.workspace.matrix import SORTS, matrix_for
from platform.types import AuthenticatedHttpRequest


@require_GET
@login_required
def matrix(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Modules × participants of a cohort, sortable by name, progress or risk (``?sort=``),
    optionally only those at risk (``?at_risk=1``); for the cohort's graders."""
    cohort = get_cohort_for_instructor(request.user, pk)
    sort = request.GET.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    only_at_risk = request.GET.get("at_risk") == "1"
    return render(
        request,
        "courses/workspace/matrix.html",
        {
            "cohort": cohort,
            "matrix": matrix_for(cohort, now=timezone.now(), sort=sort, only_at_risk=only_at_risk),
            "sort": sort,
            "sorts": SORTS,
            "only_at_risk": only_at_risk,
        },
    )
