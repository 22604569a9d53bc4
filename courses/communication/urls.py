from django.urls import path

from courses.communication import views

app_name = "communication"
urlpatterns = [
    path("cohorts/<int:pk>/announcements/", views.cohort_announcements, name="cohort"),
    path("programs/<slug:slug>/announcements/", views.program_announcements, name="program"),
    path("programs/<slug:slug>/reminders/", views.program_reminders, name="reminders"),
    path("announcements/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
]
