from django.urls import path

from submissions import api

app_name = "submissions-api"
urlpatterns = [
    path("assignments/", api.my_assignments, name="assignments"),
    path("assignments/<int:pk>/submissions/", api.upload_attempt, name="upload"),
    path("submissions/<int:pk>/", api.submission_status, name="submission"),
]
