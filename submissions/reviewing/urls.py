"""URLs of reviewing's pages: the grading screen, the queue and its leases, release to N,
review settings, allocation, grading again, rubrics, comments on cells and regrade requests.

Added to the ``submissions`` namespace by ``submissions.urls``, so the names stay
``submissions:grade`` and so on (the API's are in ``api_urls``).
"""

from django.urls import path

from submissions.reviewing.views import grading, queue, reruns, review

urlpatterns = [
    path("submissions/<int:pk>/grade/", grading.grade, name="grade"),
    path("submissions/<int:pk>/release/", grading.release, name="release"),
    path("grading/", queue.queue, name="queue"),
    path("cohorts/<int:pk>/submissions/", queue.cohort_submissions, name="cohort"),
    path("grading/next/", queue.queue_next, name="queue-next"),
    path("submissions/<int:pk>/lease/renew/", queue.lease_renew, name="lease-renew"),
    path("submissions/<int:pk>/lease/release/", queue.lease_release, name="lease-release"),
    path("submissions/<int:pk>/lease/break/", queue.lease_break, name="lease-break"),
    path("submissions/<int:pk>/reopen/", grading.reopen, name="reopen"),
    # grading again (submissions.reviewing.views.reruns)
    path("submissions/<int:pk>/regrade/", reruns.regrade, name="regrade"),
    path("assignments/<int:pk>/regrade/", reruns.regrade_assignment, name="regrade-assignment"),
    path("assignments/<int:pk>/release-ready/", queue.release_ready, name="release-ready"),
    path(
        "assignments/<int:pk>/review-settings/",
        queue.review_settings,
        name="review-settings",
    ),
    path(
        "assignments/<int:pk>/reveal-identities/",
        queue.reveal_identities,
        name="reveal-identities",
    ),
    path("cohorts/<int:pk>/allocation/", queue.allocation_settings, name="allocation"),
    # rubrics, comments on cells, regrade requests
    path("assignments/<int:pk>/rubric/", review.rubric_edit, name="rubric"),
    path("assignments/<int:pk>/rubric/save/", review.rubric_save, name="rubric-save"),
    path(
        "assignments/<int:pk>/comment-bank/",
        review.comment_bank_save,
        name="comment-bank-save",
    ),
    path(
        "assignments/<int:pk>/regrade-window/",
        review.regrade_window_save,
        name="regrade-window-save",
    ),
    path("submissions/<int:pk>/rubric/", review.rubric_score, name="rubric-score"),
    path("submissions/<int:pk>/comments/", review.cell_comment_add, name="cell-comment-add"),
    path(
        "submissions/<int:pk>/comments/<int:comment_pk>/delete/",
        review.cell_comment_delete,
        name="cell-comment-delete",
    ),
    path(
        "submissions/<int:pk>/regrade-requests/",
        review.regrade_request_create,
        name="regrade-request",
    ),
    path("regrade-requests/", review.regrade_list, name="regrade-list"),
    path(
        "regrade-requests/<int:pk>/resolve/",
        review.regrade_resolve,
        name="regrade-resolve",
    ),
]
