from django.urls import path

from submissions import gradebook_views, late_views, publish_views, review_views, views
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
    path("modules/<int:pk>/publish/", publish_views.publish, name="publish"),
    path("modules/<int:pk>/import/", views.import_course, name="import-course"),
    path("assignments/<int:pk>/publish-check/", publish_views.publish_check, name="publish-check"),
    path(
        "assignments/<int:pk>/versions/<int:number>/confirm/",
        publish_views.confirm_version,
        name="confirm-version",
    ),
    path("cohorts/<int:pk>/submissions/", views.cohort_submissions, name="cohort"),
    path("cohorts/<int:pk>/gradebook/", views.gradebook, name="gradebook"),
    path("cohorts/<int:pk>/gradebook.csv", views.gradebook_export, name="gradebook-csv"),
    path("assignments/<int:pk>/analytics/", gradebook_views.assignment_analytics, name="analytics"),
    path("assignments/<int:pk>/export.zip", gradebook_views.assignment_export, name="export-zip"),
    path("cohorts/<int:pk>/purge-data/", views.purge_data, name="purge-data"),
    # late work: the late policy, cohort and personal extensions (submissions/late_views.py)
    path("assignments/<int:pk>/late-work/", late_views.late_work, name="late-work"),
    path("assignments/<int:pk>/late-work/policy/", late_views.late_policy_save, name="late-policy"),
    path(
        "assignments/<int:pk>/late-work/extensions/",
        late_views.extension_grant,
        name="extension-grant",
    ),
    path(
        "assignments/<int:pk>/late-work/personal-extensions/",
        late_views.personal_extension_grant,
        name="personal-extension-grant",
    ),
    path(
        "assignments/<int:pk>/late-work/personal-extensions/<int:extension_pk>/revoke/",
        late_views.personal_extension_revoke,
        name="personal-extension-revoke",
    ),
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
