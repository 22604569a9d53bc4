"""The privacy pages, under /privacy/ (namespace ``privacy``)."""

from django.urls import path

from platform.privacy import views

app_name = "privacy"

urlpatterns = [
    path("export/", views.export_request, name="export-request"),
    path("export/<int:pk>/download/", views.export_download, name="export-download"),
    path("access-log/", views.access_log, name="access-log"),
]
