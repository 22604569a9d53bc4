"""URLs of reviewing's REST endpoints: the queue and its leases, reviews and release, comments
on cells and regrade requests.

Added to the ``submissions-api`` namespace by ``submissions.api_urls``, so the names stay
``submissions-api:review`` and so on.
"""

from django.urls import path

from submissions.reviewing.api import queue, regrades, reruns, review

urlpatterns = [
    # The grading queue and its leases (submissions.reviewing.api.queue).
    path("grading/queue/", queue.queue_list, name="queue"),
    path("grading/next/", queue.queue_take_next, name="queue-next"),
    path("submissions/<int:pk>/lease/", queue.lease_take, name="lease"),
    path("submissions/<int:pk>/lease/renew/", queue.lease_renew, name="lease-renew"),
    path("submissions/<int:pk>/lease/release/", queue.lease_release, name="lease-release"),
    path("submissions/<int:pk>/lease/break/", queue.lease_break, name="lease-break"),
    path("submissions/<int:pk>/review/", review.submission_review, name="review"),
    # grading again (submissions.reviewing.api.reruns)
    path("submissions/<int:pk>/regrade/", reruns.regrade_submission, name="regrade"),
    path("assignments/<int:pk>/regrade/", reruns.regrade_assignment, name="regrade-assignment"),
    path("submissions/<int:pk>/release/", review.release_submission, name="release"),
    # comments on cells and regrade requests (submissions/reviewing/api/regrades.py)
    path("submissions/<int:pk>/comments/", regrades.submission_comments, name="comments"),
    path(
        "submissions/<int:pk>/regrade-requests/",
        regrades.submission_regrade_requests,
        name="regrade-requests",
    ),
    path("regrade-requests/", regrades.handled_regrade_requests, name="handled-regrades"),
    path(
        "regrade-requests/<int:pk>/resolve/",
        regrades.resolve_regrade_request,
        name="resolve-regrade",
    ),
]
