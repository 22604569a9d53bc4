"""The home page (dashboard), the composition root's only page of its own.

``platform.urls`` and this module compose the apps; platform's models and libraries never
import ``courses`` or ``submissions`` (dependencies point submissions -> courses -> platform).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from courses.models import Certificate, CertificateRequest, Cohort, Enrollment, Session
from courses.progress import progress_for
from platform.home import coordinator_numbers, instructor_week
from platform.types import AuthenticatedHttpRequest


@require_GET
@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    enrollments = list(
        Enrollment.objects.current()
        .filter(user=request.user)
        .select_related("cohort__program__institution")
        .order_by("cohort__program__title")
    )
    certificates = Certificate.objects.filter(user=request.user).select_related("program")
    awaiting_approval = (
        CertificateRequest.objects.pending().filter(user=request.user).select_related("program")
    )
    now = timezone.now()
    return render(
        request,
        "platform/home.html",
        {
            "progress": progress_for(enrollments, now=now),
            "week": instructor_week(request.user, now=now),
            "coordinated": coordinator_numbers(request.user, now=now),
            "certificates": certificates,
            "awaiting_approval": awaiting_approval,
            "client_cohorts": Cohort.objects.filter(client_contact=request.user).select_related(
                "program"
            ),
            "sessions": Session.objects.for_participant(request.user)
            .upcoming(now)
            .select_related("module", "cohort__program")[:5],
        },
    )
