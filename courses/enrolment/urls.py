from django.urls import path

from courses.enrolment import api, views

app_name = "enrolment"
urlpatterns = [
    path("invitations/<str:token>/", views.accept, name="accept"),
    path("cohorts/<int:pk>/enrolment/", views.cohort, name="cohort"),
    path("cohorts/<int:pk>/enrolment/invite/", views.direct, name="direct"),
    path("cohorts/<int:pk>/enrolment/bulk/", views.bulk_upload, name="bulk"),
    path("cohorts/<int:pk>/enrolment/bulk/confirm/", views.bulk_confirm, name="bulk-confirm"),
    path("cohorts/<int:pk>/enrolment/<int:enrollment_pk>/", views.person, name="person"),
    path(
        "cohorts/<int:pk>/enrolment/<int:enrollment_pk>/status/",
        views.change_status,
        name="status",
    ),
    path("cohorts/<int:pk>/enrolment/<int:enrollment_pk>/fee/", views.change_fee, name="fee"),
    path(
        "cohorts/<int:pk>/enrolment/<int:enrollment_pk>/invitation/resend/",
        views.resend,
        name="resend",
    ),
    path(
        "cohorts/<int:pk>/enrolment/<int:enrollment_pk>/invitation/revoke/",
        views.revoke,
        name="revoke",
    ),
]

# Added to the ``courses-api`` namespace by courses/api_urls.py (under /api/v1/).
api_urlpatterns = [
    path("cohorts/<int:pk>/enrollments/", api.enrollments, name="enrollments"),
    path(
        "cohorts/<int:pk>/enrollments/<int:enrollment_pk>/status/",
        api.change_status,
        name="enrollment-status",
    ),
    path(
        "cohorts/<int:pk>/enrollments/<int:enrollment_pk>/fee/",
        api.change_fee,
        name="enrollment-fee",
    ),
    path("cohorts/<int:pk>/invitations/", api.invitations, name="invitations"),
    path(
        "cohorts/<int:pk>/enrollments/<int:enrollment_pk>/invitation/resend/",
        api.resend,
        name="invitation-resend",
    ),
    path(
        "cohorts/<int:pk>/enrollments/<int:enrollment_pk>/invitation/revoke/",
        api.revoke,
        name="invitation-revoke",
    ),
]
