from django.urls import path

from courses.tandems import api, coordinator_views, views

app_name = "tandems"
urlpatterns = [
    path("tandems/", views.mine, name="mine"),
    path("tandems/profile/", views.profile, name="profile"),
    path("tandems/join/<str:token>/", views.join, name="join"),
    path("tandems/<int:pk>/", views.detail, name="detail"),
    path("tandems/<int:pk>/meetings/", views.log_meeting, name="log-meeting"),
    path(
        "tandems/<int:pk>/meetings/<int:meeting_pk>/delete/",
        views.delete_meeting,
        name="delete-meeting",
    ),
    path("tandems/<int:pk>/reflection/", views.reflection, name="reflection"),
    path("tandems/<int:pk>/reflection/draft/", views.reflection_draft, name="reflection-draft"),
    path("tandems/<int:pk>/reflection/grade/", views.grade_reflection, name="grade"),
    path("tandems/<int:pk>/new-partner/", views.request_partner, name="new-partner"),
    path("tandems/<int:pk>/end/", coordinator_views.end, name="end"),
    path("tandems/requests/<int:pk>/close/", coordinator_views.close_request, name="close-request"),
    path("tandems/cohorts/<int:pk>/", coordinator_views.cohort, name="cohort"),
    path("tandems/cohorts/<int:pk>/pair/", coordinator_views.pair, name="pair"),
    path("tandems/cohorts/<int:pk>/proposal/", coordinator_views.proposal, name="proposal"),
    path("tandems/cohorts/<int:pk>/invite/", coordinator_views.invite, name="invite"),
    path("tandems/cohorts/<int:pk>/reflections/", views.reflections, name="reflections"),
]

api_urlpatterns = [
    path("tandems/", api.my_tandems, name="tandems"),
    path("tandems/<int:pk>/", api.tandem, name="tandem"),
    path("tandems/<int:pk>/meetings/", api.meetings, name="tandem-meetings"),
]
