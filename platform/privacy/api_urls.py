"""The privacy API, under /api/v1/data-exports/."""

from django.urls import path

from platform.privacy import api

app_name = "privacy-api"

urlpatterns = [
    path("data-exports/", api.exports, name="exports"),
    path("data-exports/<int:pk>/download/", api.export_download, name="export-download"),
]
