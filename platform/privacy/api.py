"""The data export over the API: request one, follow it, download it (docs/privacy.md)."""

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from platform.api import api_user
from platform.models import DataExport
from platform.privacy.access import get_export_for_owner
from platform.privacy.services import ExportAlreadyRunning, request_export
from platform.privacy.views import archive_response


class DataExportSerializer(serializers.ModelSerializer[DataExport]):
    class Meta:
        model = DataExport
        fields = ["id", "status", "requested_at", "finished_at", "expires_at", "size"]


@extend_schema(methods=["GET"], responses=DataExportSerializer(many=True))
@extend_schema(methods=["POST"], request=None, responses={201: DataExportSerializer, 409: None})
@api_view(["GET", "POST"])
def exports(request: Request) -> Response:
    """Your exports (GET), or request a new one (POST; 409 while one is being prepared)."""
    user = api_user(request)
    if request.method == "GET":
        return Response(DataExportSerializer(DataExport.objects.of(user), many=True).data)
    try:
        export = request_export(user=user)
    except ExportAlreadyRunning:
        return Response(
            {"detail": "Your previous export is still being prepared."},
            status=status.HTTP_409_CONFLICT,
        )
    return Response(DataExportSerializer(export).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, 410: None})
@api_view(["GET"])
def export_download(request: Request, pk: int) -> HttpResponseBase:
    export = get_export_for_owner(api_user(request), pk)
    if not export.is_downloadable:
        return Response({"detail": "This export has expired."}, status=status.HTTP_410_GONE)
    return archive_response(export)
