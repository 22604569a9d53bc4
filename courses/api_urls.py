from django.urls import path

from courses import api
from courses.applications.urls import api_urlpatterns as application_api
from courses.certificates import api as certificate_api
from courses.certificates import coordinator_api
from courses.enrolment.urls import api_urlpatterns as enrolment_api
from courses.sessions.urls import api_urlpatterns as session_api

app_name = "courses-api"
urlpatterns = [
    path("progress/", api.my_progress, name="progress"),
    path("certificates/", certificate_api.my_certificates, name="certificates"),
    path(
        "certificate-requests/",
        certificate_api.my_certificate_requests,
        name="certificate-requests",
    ),
    path("verify/<str:code>/", certificate_api.verify_certificate, name="verify"),
    path(
        "cohorts/<int:pk>/certificates/",
        coordinator_api.cohort_certificates,
        name="cohort-certificates",
    ),
    path(
        "cohorts/<int:pk>/enrollments/<int:enrollment_pk>/certificate/",
        coordinator_api.issue,
        name="certificate-issue",
    ),
    path(
        "cohorts/<int:pk>/certificate-requests/<int:request_pk>/approve/",
        coordinator_api.approve,
        name="certificate-approve",
    ),
    path(
        "cohorts/<int:pk>/certificates/<int:certificate_pk>/revoke/",
        coordinator_api.revoke,
        name="certificate-revoke",
    ),
    path(
        "cohorts/<int:pk>/certificates/<int:certificate_pk>/reissue/",
        coordinator_api.reissue,
        name="certificate-reissue",
    ),
    *application_api,
]
urlpatterns += enrolment_api
urlpatterns += session_api
