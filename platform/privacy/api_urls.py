"""The privacy API, under /api/v1/data-exports/."""

from django.urls import path

from platform.privacy import api

urlpatterns = [
    path("data-exports/", api.exports, name="api-data-exports"),
    path("data-exports/<int:pk>/download/", api.export_download, name="api-data-export-download"),
]
