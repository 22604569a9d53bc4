"""The home page (dashboard), the composition root's only page of its own.

``platform.urls`` and this module compose the apps; platform's models and libraries never
import ``courses`` or ``submissions`` (dependencies point submissions -> courses -> platform).
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from courses.models import Application, Certificate, CertificateRequest, Cohort, Enrollment, Program
from courses.progress import progress_for
from platform.types import AuthenticatedHttpRequest
from submissions.models import Submission


@require_GET
@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    enrollments = list(
        Enrollment.objects.current()
        .filter(user=request.user)
        .select_related("cohort__program__institution")
        .order_by("cohort__program__title")
    )
    taught = (
        Cohort.objects.taught_by(request.user)
        .select_related("program")
        .annotate(
            awaiting_review=Count(
                "enrollments__submissions",
                filter=Q(enrollments__submissions__status=Submission.Status.GRADED)
                & ~Q(enrollments__submissions__review__state="released"),
            )
        )
    )
    coordinated = (
        Cohort.objects.filter(program__in=Program.objects.coordinated_by(request.user))
        .select_related("program")
        .annotate(
            applications_to_screen=Count(
                "applications", filter=Q(applications__status=Application.Status.SUBMITTED)
            )
        )
        .order_by("program__title", "-starts_on")
    )
    certificates = Certificate.objects.filter(user=request.user).select_related("program")
    awaiting_approval = (
        CertificateRequest.objects.pending().filter(user=request.user).select_related("program")
    )
    return render(
        request,
        "platform/home.html",
        {
            "progress": progress_for(enrollments, now=timezone.now()),
            "taught_cohorts": taught,
            "coordinated_cohorts": coordinated,
            "certificates": certificates,
            "awaiting_approval": awaiting_approval,
        },
    )
