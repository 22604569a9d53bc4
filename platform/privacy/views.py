"""The pages of ``platform.privacy`` under /privacy/ (namespace ``privacy``; docs/privacy.md)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from platform.blobs import blob_response
from platform.models import DataExport, FileAccess
from platform.privacy.access import get_export_for_owner
from platform.privacy.services import ExportAlreadyRunning, record_export_download, request_export
from platform.types import AuthenticatedHttpRequest

PER_PAGE = 50


@require_POST
@login_required
def export_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        request_export(user=request.user)
    except ExportAlreadyRunning:
        messages.error(request, _("Your previous export is still being prepared."))
    else:
        messages.success(
            request, _("Your export is being prepared. Reload this page in a few minutes.")
        )
    return redirect(reverse("profile") + "#data-export-heading")


@require_GET
@login_required
@never_cache
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    export = get_export_for_owner(request.user, pk)
    if not export.is_downloadable:
        return render(request, "platform/privacy/export_gone.html", {"export": export}, status=410)
    return archive_response(export)


def archive_response(export: DataExport) -> HttpResponseBase:
    """The export's zip (pages and API alike), its download recorded on the row."""
    record_export_download(export)
    return blob_response(
        export.sha256,
        filename=f"my-data-{export.requested_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )


@require_GET
@login_required
@never_cache
def access_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    entries = FileAccess.objects.about(request.user).select_related("submission__assignment")
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "retention_days": settings.ACCESS_LOG_DAYS}
    return render(request, "platform/privacy/access_log.html", context)
