"""URLs of certificate downloads, the issuer's key document, credential verification and the
coordinators' register and actions (namespace ``certificates``).

Included at the site root by ``platform.urls``. The paths of ``issuer`` and ``status`` are
written into signed credentials: they must never change. The certificate's own page
(``courses:certificate``) and the grade freeze (``courses:grade-freeze``) keep their names in
``courses.urls``, the public verification page (``verify``, ``verify-lookup``) in
``platform.urls``; their views are in this package too.
"""

from django.urls import path

from courses.certificates import coordinator_views, views

app_name = "certificates"
urlpatterns = [
    path("certificates/<str:code>/certificate.pdf", views.certificate_pdf, name="pdf"),
    path(
        "certificates/<str:code>/credential.json",
        views.certificate_credential,
        name="credential",
    ),
    path("issuer/<slug:slug>/", views.issuer_profile, name="issuer"),
    path("credentials/status/<str:code>/", views.credential_status, name="status"),
    path("credentials/verify/", views.verify_credential, name="verify"),
]

urlpatterns += [
    path("cohorts/certificates/", coordinator_views.cohort_index, name="cohorts"),
    path("cohorts/<int:pk>/certificates/", coordinator_views.cohort_certificates, name="cohort"),
    path(
        "cohorts/<int:pk>/certificates.csv", coordinator_views.register_export, name="register-csv"
    ),
    path(
        "cohorts/<int:pk>/enrollments/<int:enrollment_pk>/issue/",
        coordinator_views.issue,
        name="issue",
    ),
    path(
        "cohorts/<int:pk>/certificate-requests/<int:request_pk>/approve/",
        coordinator_views.approve,
        name="approve",
    ),
    path(
        "cohorts/<int:pk>/certificates/<int:certificate_pk>/revoke/",
        coordinator_views.revoke,
        name="revoke",
    ),
    path(
        "cohorts/<int:pk>/certificates/<int:certificate_pk>/reissue/",
        coordinator_views.reissue,
        name="reissue",
    ),
]
