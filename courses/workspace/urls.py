from django.urls import path

from courses.workspace import views

app_name = "workspace"
urlpatterns = [
    path("cohorts/<int:pk>/progress/", views.matrix, name="matrix"),
]
