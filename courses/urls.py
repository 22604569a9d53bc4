from django.urls import path

from courses import views
from courses.certificates import freeze_views
from courses.certificates import views as certificate_views

app_name = "courses"
urlpatterns = [
    path("programs/<slug:slug>/", views.program_detail, name="program"),
    path("assignments/<int:pk>/starter.ipynb", views.starter_download, name="starter"),
    path("assignments/<int:pk>/release.zip", views.release_zip_download, name="release-zip"),
    path(
        "assignments/<int:pk>/course-files/<path:path>",
        views.course_file_download,
        name="course-file",
    ),
    path("certificates/<str:code>/", certificate_views.certificate_detail, name="certificate"),
    path("cohorts/<int:pk>/module-results/", views.module_results, name="module-results"),
    path("enrollments/<int:pk>/grade-freeze/", freeze_views.grade_freeze, name="grade-freeze"),
]
