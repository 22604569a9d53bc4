from django.urls import path

from courses import freeze_views, views

app_name = "courses"
urlpatterns = [
    path("programs/<slug:slug>/", views.program_detail, name="program"),
    path("assignments/<int:pk>/starter.ipynb", views.starter_download, name="starter"),
    path("certificates/<str:code>/", views.certificate_detail, name="certificate"),
    path("cohorts/<int:pk>/module-results/", views.module_results, name="module-results"),
    path("enrollments/<int:pk>/grade-freeze/", freeze_views.grade_freeze, name="grade-freeze"),
]
