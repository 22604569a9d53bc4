from django.urls import path

from submissions import gradebook_views, views
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
    path("modules/<int:pk>/publish/", views.publish, name="publish"),
    path("modules/<int:pk>/import/", views.import_course, name="import-course"),
    path("assignments/<int:pk>/publish-check/", views.publish_check, name="publish-check"),
    path("cohorts/<int:pk>/submissions/", views.cohort_submissions, name="cohort"),
    path("cohorts/<int:pk>/gradebook/", views.gradebook, name="gradebook"),
    path("cohorts/<int:pk>/gradebook.csv", views.gradebook_export, name="gradebook-csv"),
    path("assignments/<int:pk>/analytics/", gradebook_views.assignment_analytics, name="analytics"),
    path("assignments/<int:pk>/export.zip", gradebook_views.assignment_export, name="export-zip"),
    path("cohorts/<int:pk>/purge-data/", views.purge_data, name="purge-data"),
]
urlpatterns += queue_urlpatterns
