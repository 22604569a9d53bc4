"""The privacy API, under /api/v1/privacy/."""

from django.urls import path

from platform.privacy import api

urlpatterns = [
    path("privacy/exports/", api.exports, name="api-data-exports"),
    path(
        "privacy/exports/<int:pk>/download/", api.export_download, name="api-data-export-download"
    ),
]
