from django.urls import path

from submissions import api, queue_api, regrade_api, review_api
from submissions.gradebook import urls as gradebook_urls
from submissions.late import urls as late_urls
from submissions.publishing import urls as publishing_urls

app_name = "submissions-api"
urlpatterns = [
    path("assignments/", api.my_assignments, name="assignments"),
    path("assignments/<int:pk>/submissions/", api.upload_attempt, name="upload"),
    path("submissions/<int:pk>/", api.submission_status, name="submission"),
    path("submissions/<int:pk>/regrade/", api.regrade_submission, name="regrade"),
    path("assignments/<int:pk>/regrade/", api.regrade_assignment, name="regrade-assignment"),
    path("submissions/<int:pk>/notebook/", api.submission_notebook, name="notebook"),
    path("submissions/<int:pk>/rendered/", api.submission_rendered, name="rendered"),
    path("submissions/<int:pk>/files/<int:file_pk>/", api.submission_data_file, name="data-file"),
    # The grading queue and its leases (submissions.queue_api).
    path("grading/queue/", queue_api.queue_list, name="queue"),
    path("grading/next/", queue_api.queue_take_next, name="queue-next"),
    path("submissions/<int:pk>/lease/", queue_api.lease_take, name="lease"),
    path("submissions/<int:pk>/lease/renew/", queue_api.lease_renew, name="lease-renew"),
    path("submissions/<int:pk>/lease/release/", queue_api.lease_release, name="lease-release"),
    path("submissions/<int:pk>/lease/break/", queue_api.lease_break, name="lease-break"),
    path("submissions/<int:pk>/review/", review_api.submission_review, name="review"),
    path("submissions/<int:pk>/release/", review_api.release_submission, name="release"),
    # comments on cells and regrade requests (submissions/regrade_api.py)
    path("submissions/<int:pk>/comments/", regrade_api.submission_comments, name="comments"),
    path(
        "submissions/<int:pk>/regrade-requests/",
        regrade_api.submission_regrade_requests,
        name="regrade-requests",
    ),
    path("regrade-requests/", regrade_api.handled_regrade_requests, name="handled-regrades"),
    path(
        "regrade-requests/<int:pk>/resolve/",
        regrade_api.resolve_regrade_request,
        name="resolve-regrade",
    ),
]
# The feature packages' endpoints, under the same namespace (docs/architecture.md).
urlpatterns += (
    late_urls.api_urlpatterns + gradebook_urls.api_urlpatterns + publishing_urls.api_urlpatterns
)
