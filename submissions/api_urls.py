from django.urls import path

from submissions import api, review_api

app_name = "submissions-api"
urlpatterns = [
    path("assignments/", api.my_assignments, name="assignments"),
    path("assignments/<int:pk>/submissions/", api.upload_attempt, name="upload"),
    path("submissions/<int:pk>/", api.submission_status, name="submission"),
    path("modules/<int:pk>/assignments/", api.publish_assignment, name="publish"),
    path("assignments/<int:pk>/publish-check/", api.publish_check_report, name="publish-check"),
    path("submissions/<int:pk>/regrade/", api.regrade_submission, name="regrade"),
    path("assignments/<int:pk>/regrade/", api.regrade_assignment, name="regrade-assignment"),
    path("submissions/<int:pk>/notebook/", api.submission_notebook, name="notebook"),
    path("submissions/<int:pk>/rendered/", api.submission_rendered, name="rendered"),
    path("submissions/<int:pk>/files/<int:file_pk>/", api.submission_data_file, name="data-file"),
    # reviewing (submissions/review_api.py)
    path("submissions/<int:pk>/comments/", review_api.submission_comments, name="comments"),
    path(
        "submissions/<int:pk>/regrade-requests/",
        review_api.submission_regrade_requests,
        name="regrade-requests",
    ),
    path("regrade-requests/", review_api.handled_regrade_requests, name="handled-regrades"),
    path(
        "regrade-requests/<int:pk>/resolve/",
        review_api.resolve_regrade_request,
        name="resolve-regrade",
    ),
]
