from django.urls import path

from courses import api, certificate_api

app_name = "courses-api"
urlpatterns = [
    path("progress/", api.my_progress, name="progress"),
    path("certificates/", api.my_certificates, name="certificates"),
    path("certificate-requests/", api.my_certificate_requests, name="certificate-requests"),
    path("verify/<str:code>/", api.verify_certificate, name="verify"),
    path(
        "cohorts/<int:pk>/certificates/",
        certificate_api.cohort_certificates,
        name="cohort-certificates",
    ),
    path(
        "cohorts/<int:pk>/enrollments/<int:enrollment_pk>/certificate/",
        certificate_api.issue,
        name="certificate-issue",
    ),
    path(
        "cohorts/<int:pk>/certificate-requests/<int:request_pk>/approve/",
        certificate_api.approve,
        name="certificate-approve",
    ),
    path(
        "cohorts/<int:pk>/certificates/<int:certificate_pk>/revoke/",
        certificate_api.revoke,
        name="certificate-revoke",
    ),
    path(
        "cohorts/<int:pk>/certificates/<int:certificate_pk>/reissue/",
        certificate_api.reissue,
        name="certificate-reissue",
    ),
]
