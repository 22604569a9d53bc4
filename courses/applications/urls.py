from django.urls import path

from courses.applications import api, screening_views, views

app_name = "applications"
urlpatterns = [
    # The applicant's pages (no log-in).
    path("apply/<int:cohort>/", views.apply, name="apply"),
    path("apply/<int:cohort>/sent/", views.sent, name="sent"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/<str:version>/", views.privacy, name="privacy-version"),
    path("applications/confirm/<str:token>/", views.confirm, name="confirm"),
    path("applications/new-link/", views.new_link, name="new-link"),
    path("applications/link-sent/", views.link_sent, name="link-sent"),
    path("applications/status/<str:token>/", views.status, name="status"),
    path("applications/status/<str:token>/withdraw/", views.withdraw, name="withdraw"),
    path(
        "applications/status/<str:token>/offer/accept/",
        views.offer_response,
        {"choice": "accept"},
        name="offer-accept",
    ),
    path(
        "applications/status/<str:token>/offer/decline/",
        views.offer_response,
        {"choice": "decline"},
        name="offer-decline",
    ),
    # The coordinators' screening.
    path("cohorts/<int:pk>/applications/", screening_views.cohort_applications, name="screening"),
    path("cohorts/<int:pk>/applications/bulk/", screening_views.bulk_decide, name="bulk"),
    path(
        "cohorts/<int:pk>/applications/offer-places/",
        screening_views.offer_places,
        name="offer-places",
    ),
    path(
        "cohorts/<int:pk>/applications/<int:application_pk>/",
        screening_views.application_detail,
        name="detail",
    ),
    path(
        "cohorts/<int:pk>/applications/<int:application_pk>/decide/",
        screening_views.decide,
        name="decide",
    ),
    path(
        "cohorts/<int:pk>/applications/<int:application_pk>/notes/",
        screening_views.save_notes,
        name="notes",
    ),
    path(
        "cohorts/<int:pk>/applications/<int:application_pk>/move/",
        screening_views.move,
        name="move",
    ),
    path(
        "cohorts/<int:pk>/applications/<int:application_pk>/attachment/",
        screening_views.attachment,
        name="attachment",
    ),
]

# Added to ``courses.api_urls`` (namespace ``courses-api``).
api_urlpatterns = [
    path("applications/", api.application_list, name="applications"),
    path("applications/<int:pk>/", api.application_detail, name="application"),
    path("applications/<int:pk>/decide/", api.decide, name="application-decide"),
]
