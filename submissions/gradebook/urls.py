"""URLs of the gradebook: a cohort's gradebook (page, CSV, JSON), an assignment's analytics
and its zip export.

``urlpatterns`` are included into the ``submissions`` namespace by ``submissions.urls``,
``api_urlpatterns`` into ``submissions-api`` by ``submissions.api_urls``.
"""

from django.urls import path

from submissions.gradebook import api, views

urlpatterns = [
    path("cohorts/<int:pk>/gradebook/", views.gradebook, name="gradebook"),
    path("cohorts/<int:pk>/gradebook.csv", views.gradebook_export, name="gradebook-csv"),
    path("assignments/<int:pk>/analytics/", views.assignment_analytics, name="analytics"),
    path("assignments/<int:pk>/export.zip", views.assignment_export, name="export-zip"),
]

api_urlpatterns = [
    path("cohorts/<int:pk>/gradebook/", api.cohort_gradebook, name="gradebook"),
    path("cohorts/<int:pk>/gradebook.csv", api.cohort_gradebook_csv, name="gradebook-csv"),
]
