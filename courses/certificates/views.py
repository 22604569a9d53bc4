"""Certificate pages for their holders, and the public side of certificates and credentials.

* ``certificate_detail``, ``certificate_pdf`` and ``certificate_credential``: the holder's page,
  PDF and Open Badges 3.0 credential; anyone else gets a 404 (``get_certificate_for_holder``).
* ``verify`` and ``verify_lookup``: the public verification page of a code (no login, throttled).
* ``issuer_profile``: the issuer's public key document at its stable URL, no login.
* ``credential_status``: what a credential's ``credentialStatus`` points to (public, throttled).
* ``verify_credential``: POST a credential, get the verdict as JSON (public, throttled).
"""

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from courses.access import get_certificate_for_holder, get_certificate_for_verification
from courses.certificates.credentials import build, keys
from courses.certificates.credentials import verify as verification
from courses.certificates.pdf.render import render_certificate_pdf
from courses.certificates.qr import certificate_qr_svg
from courses.models import Certificate, Institution
from courses.throttle import throttled
from platform.types import AuthenticatedHttpRequest


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _json(data: Any, *, status: int = 200, content_type: str = "application/json") -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        status=status,
        content_type=f"{content_type}; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


@require_GET
@login_required
def certificate_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    certificate = get_certificate_for_holder(request.user, code)
    verify_url = request.build_absolute_uri(reverse("verify", args=[certificate.code]))
    return render(
        request,
        "courses/certificates/detail.html",
        {
            "certificate": certificate,
            "verify_url": verify_url,
            "qr_svg": certificate_qr_svg(certificate),
        },
    )


@require_GET
@never_cache
@throttled("verify", per_minute=30)
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: anyone with the code sees whether the certificate is valid. No login needed."""
    certificate = get_certificate_for_verification(code)
    return render(request, "courses/certificates/verify.html", {"certificate": certificate})


@require_GET
@throttled("verify", per_minute=30)
def verify_lookup(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("verify", code=code.upper().replace(" ", ""))
    return render(request, "courses/certificates/verify_lookup.html")


@require_GET
@login_required
@never_cache
def certificate_pdf(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The holder's certificate as a PDF; ``?lang=de|en`` overrides the holder's preferred language, else the program's."""
    certificate = get_certificate_for_holder(request.user, code)
    data = render_certificate_pdf(
        certificate, language=request.GET.get("lang") or certificate.user.preferred_language or None
    )
    return _attachment(
        HttpResponse(data, content_type="application/pdf"), f"certificate-{certificate.code}.pdf"
    )


@require_GET
@login_required
@never_cache
def certificate_credential(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The holder's signed Open Badges 3.0 credential (only while the certificate is valid)."""
    certificate = get_certificate_for_holder(request.user, code)
    if certificate.status != Certificate.Status.ISSUED:
        # A revoked or superseded certificate gets no freshly signed credential; credentials
        # downloaded earlier now verify as revoked/superseded.
        return HttpResponse(
            "This certificate is no longer valid, so no credential is issued for it.\n",
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    credential = build.issue_credential(certificate)
    return _attachment(
        HttpResponse(
            build.credential_bytes(credential),
            content_type=f"{build.CREDENTIAL_MEDIA_TYPE}; charset=utf-8",
        ),
        f"certificate-{certificate.code}.credential.json",
    )


@require_GET
@cache_control(public=True, max_age=3600)
def issuer_profile(request: HttpRequest, slug: str) -> HttpResponse:
    """The issuer's Profile with its public key (Multikey): public, stable, cacheable."""
    institution = get_object_or_404(Institution, slug=slug)
    response = _json(keys.issuer_document(institution), content_type="application/ld+json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@never_cache
@throttled("verify", per_minute=30)
def credential_status(request: HttpRequest, code: str) -> HttpResponse:
    """A certificate's status for its credential's ``credentialStatus`` (no personal data)."""
    certificate = get_certificate_for_verification(code)
    response = _json(build.status_document(certificate))
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt  # a public, read-only check that no session or cookie grants anything to
@require_POST
@never_cache
@throttled("verify", per_minute=30)
def verify_credential(request: HttpRequest) -> HttpResponse:
    """POST a credential (JSON body, or a file in the form field ``credential``): the verdict.

    200 with ``{"valid": true|false, "reason": …, "checks": […]}`` for anything that could be
    read; 400 when nothing was sent; 413 when it is far too large to be one of ours.
    """
    upload = request.FILES.get("credential")
    if upload is not None:
        if upload.size is not None and upload.size > verification.MAX_CREDENTIAL_BYTES:
            return _json({"valid": False, "reason": "The credential is too large."}, status=413)
        body = upload.read()
    else:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > verification.MAX_CREDENTIAL_BYTES:
            return _json({"valid": False, "reason": "The credential is too large."}, status=413)
        body = request.body
    if not body.strip():
        return _json(
            {"valid": False, "reason": "Send a credential as the request body."}, status=400
        )
    result = verification.verify_credential(body)
    return _json(result.as_dict())
