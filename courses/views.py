"""Program pages, starter-notebook downloads, certificates and their public verification."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from courses.access import (
    get_assignment_for_user,
    get_certificate_for_holder,
    get_certificate_for_verification,
)
from courses.models import Certificate, CertificateRequest, Enrollment, Program
from courses.progress import progress_for
from courses.throttle import throttled
from platform.blobs import open_blob
from platform.models import User
from platform.types import AuthenticatedHttpRequest


@require_GET
@login_required
def program_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    enrollment = get_object_or_404(
        Enrollment.objects.current().select_related("cohort__program__institution"),
        user=request.user,
        cohort__program__slug=slug,
    )
    [progress] = progress_for([enrollment], now=timezone.now())
    context = {"progress": progress, **certificate_state(request.user, enrollment.cohort.program)}
    return render(request, "courses/program_detail.html", context)


def certificate_state(user: User, program: Program) -> dict[str, object]:
    """What the participant's program page says about the certificate: the valid one, or
    the request awaiting a coordinator's approval."""
    return {
        "certificate": Certificate.objects.issued().filter(user=user, program=program).first(),
        "certificate_request": CertificateRequest.objects.pending()
        .filter(user=user, program=program)
        .first(),
    }


@require_GET
@login_required
def starter_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The release notebook: solutions and hidden tests were removed when it was published."""
    assignment = get_assignment_for_user(request.user, pk)
    return FileResponse(
        open_blob(assignment.release_sha256),
        as_attachment=True,
        filename=f"{assignment.slug}.ipynb",
        content_type="application/x-ipynb+json",
    )


@require_GET
@login_required
def certificate_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    certificate = get_certificate_for_holder(request.user, code)
    verify_url = request.build_absolute_uri(reverse("verify", args=[certificate.code]))
    return render(
        request,
        "courses/certificate_detail.html",
        {"certificate": certificate, "verify_url": verify_url},
    )


@require_GET
@never_cache
@throttled("verify", per_minute=30)
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: anyone with the code sees whether the certificate is valid. No login needed."""
    certificate = get_certificate_for_verification(code)
    return render(request, "courses/verify.html", {"certificate": certificate})


@require_GET
@throttled("verify", per_minute=30)
def verify_lookup(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("verify", code=code.upper().replace(" ", ""))
    return render(request, "courses/verify_lookup.html")
