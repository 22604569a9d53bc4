"""URLs of the grading queue, leases, release to N, review settings and allocation.

Included into the ``submissions`` namespace by ``submissions.urls``.
"""

from django.urls import path

from submissions import queue_views, views

urlpatterns = [
    path("grading/", queue_views.queue, name="queue"),
    path("grading/next/", queue_views.queue_next, name="queue-next"),
    path("submissions/<int:pk>/lease/renew/", queue_views.lease_renew, name="lease-renew"),
    path("submissions/<int:pk>/lease/release/", queue_views.lease_release, name="lease-release"),
    path("submissions/<int:pk>/lease/break/", queue_views.lease_break, name="lease-break"),
    path("submissions/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("assignments/<int:pk>/release-ready/", queue_views.release_ready, name="release-ready"),
    path(
        "assignments/<int:pk>/review-settings/",
        queue_views.review_settings,
        name="review-settings",
    ),
    path(
        "assignments/<int:pk>/reveal-identities/",
        queue_views.reveal_identities,
        name="reveal-identities",
    ),
    path("cohorts/<int:pk>/allocation/", queue_views.allocation_settings, name="allocation"),
]
