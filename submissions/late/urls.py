"""URLs of late work: the late policy, cohort and personal extensions.

``urlpatterns`` are included into the ``submissions`` namespace by ``submissions.urls``,
``api_urlpatterns`` into ``submissions-api`` by ``submissions.api_urls``.
"""

from django.urls import path

from submissions.late import api, views

urlpatterns = [
    path("assignments/<int:pk>/late-work/", views.late_work, name="late-work"),
    path("assignments/<int:pk>/late-work/policy/", views.late_policy_save, name="late-policy"),
    path(
        "assignments/<int:pk>/late-work/extensions/",
        views.extension_grant,
        name="extension-grant",
    ),
    path(
        "assignments/<int:pk>/late-work/personal-extensions/",
        views.personal_extension_grant,
        name="personal-extension-grant",
    ),
    path(
        "assignments/<int:pk>/late-work/personal-extensions/<int:extension_pk>/revoke/",
        views.personal_extension_revoke,
        name="personal-extension-revoke",
    ),
]

api_urlpatterns = [
    path("assignments/<int:pk>/late-policy/", api.late_policy, name="late-policy"),
    path("assignments/<int:pk>/extensions/", api.extensions, name="extensions"),
    path(
        "assignments/<int:pk>/extensions/<int:extension_pk>/",
        api.personal_extension,
        name="personal-extension",
    ),
]
