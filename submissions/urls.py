from django.urls import path

from submissions import review_views, views
from submissions.gradebook import urls as gradebook_urls
from submissions.intake import urls as intake_urls
from submissions.late import urls as late_urls
from submissions.publishing import urls as publishing_urls
from submissions.queue_urls import urlpatterns as queue_urlpatterns

app_name = "submissions"
urlpatterns = [
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/upload/", views.upload, name="upload"),
    path("submissions/<int:pk>/", views.submission_detail, name="detail"),
    path("submissions/<int:pk>/notebook/", views.notebook_view, name="notebook"),
    path("submissions/<int:pk>/download/", views.notebook_download, name="download"),
    path("submissions/<int:pk>/grade/", views.grade, name="grade"),
    path("submissions/<int:pk>/release/", views.release, name="release"),
    path("submissions/<int:pk>/regrade/", views.regrade, name="regrade"),
    path("assignments/<int:pk>/regrade/", views.regrade_assignment, name="regrade-assignment"),
    path("submissions/<int:pk>/files/<int:file_pk>/", views.data_file_download, name="data-file"),
    path("cohorts/<int:pk>/submissions/", views.cohort_submissions, name="cohort"),
    # reviewing: rubrics, comments on cells, regrade requests (submissions/review_views.py)
    path("assignments/<int:pk>/rubric/", review_views.rubric_edit, name="rubric"),
    path("assignments/<int:pk>/rubric/save/", review_views.rubric_save, name="rubric-save"),
    path(
        "assignments/<int:pk>/comment-bank/",
        review_views.comment_bank_save,
        name="comment-bank-save",
    ),
    path(
        "assignments/<int:pk>/regrade-window/",
        review_views.regrade_window_save,
        name="regrade-window-save",
    ),
    path("submissions/<int:pk>/rubric/", review_views.rubric_score, name="rubric-score"),
    path("submissions/<int:pk>/comments/", review_views.cell_comment_add, name="cell-comment-add"),
    path(
        "submissions/<int:pk>/comments/<int:comment_pk>/delete/",
        review_views.cell_comment_delete,
        name="cell-comment-delete",
    ),
    path(
        "submissions/<int:pk>/regrade-requests/",
        review_views.regrade_request_create,
        name="regrade-request",
    ),
    path("regrade-requests/", review_views.regrade_list, name="regrade-list"),
    path(
        "regrade-requests/<int:pk>/resolve/",
        review_views.regrade_resolve,
        name="regrade-resolve",
    ),
]
urlpatterns += queue_urlpatterns
# The feature packages' pages, under the same namespace (docs/architecture.md).
urlpatterns += (
    intake_urls.urlpatterns
    + late_urls.urlpatterns
    + gradebook_urls.urlpatterns
    + publishing_urls.urlpatterns
)
