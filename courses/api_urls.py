from django.urls import path

from courses import api

app_name = "courses-api"
urlpatterns = [
    path("progress/", api.my_progress, name="progress"),
    path("certificates/", api.my_certificates, name="certificates"),
    path("verify/<str:code>/", api.verify_certificate, name="verify"),
]
