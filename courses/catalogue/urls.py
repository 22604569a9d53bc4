from django.urls import path

from courses.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("catalogue/", views.catalogue, name="list"),
    path("catalogue/<slug:slug>/", views.program, name="program"),
]
