from django.urls import path

from submissions import gradebook_views, late_views, publish_views, views
from submissions.reviewing import urls as reviewing_urls

app_name = "submissions"
urlpatterns = [
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/upload/", views.upload, name="upload"),
    path("submissions/<int:pk>/", views.submission_detail, name="detail"),
    path("submissions/<int:pk>/notebook/", views.notebook_view, name="notebook"),
    path("submissions/<int:pk>/download/", views.notebook_download, name="download"),
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
]
# reviewing: the grading screen, queue, leases, rubrics, comments, regrades (submissions/reviewing/)
urlpatterns += reviewing_urls.urlpatterns
