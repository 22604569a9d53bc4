from django.urls import path

from courses.applications import views

app_name = "applications"
urlpatterns = [
    path("apply/<int:cohort>/", views.apply, name="apply"),
]
