from django.urls import path

from courses.clients import views

app_name = "clients"
urlpatterns = [
    path("cohorts/<int:pk>/client-report/", views.report, name="report"),
    path("programs/<slug:slug>/client-consent/", views.consent, name="consent"),
]
