"""URLs of publishing: publish a notebook as an assignment, its publish check, confirm a new
version, replace the source notebook, import an nbgrader course.

``urlpatterns`` are included into the ``submissions`` namespace by ``submissions.urls``,
``api_urlpatterns`` into ``submissions-api`` by ``submissions.api_urls``.
"""

from django.urls import path

from submissions.publishing import api, views

urlpatterns = [
    path("modules/<int:pk>/publish/", views.publish, name="publish"),
    path("modules/<int:pk>/import/", views.import_course, name="import-course"),
    path("assignments/<int:pk>/publish-check/", views.publish_check, name="publish-check"),
    path(
        "assignments/<int:pk>/versions/<int:number>/confirm/",
        views.confirm_version,
        name="confirm-version",
    ),
]

api_urlpatterns = [
    path("modules/<int:pk>/assignments/", api.publish_assignment, name="publish"),
    path("assignments/<int:pk>/publish-check/", api.publish_check_report, name="publish-check"),
    path("assignments/<int:pk>/source/", api.replace_source, name="source"),
]
