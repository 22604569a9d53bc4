from django.urls import path

from courses.sessions import api, views

app_name = "sessions"
urlpatterns = [
    path("sessions/", views.my_sessions, name="mine"),
    path("cohorts/<int:pk>/sessions/", views.cohort_sessions, name="cohort"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="edit"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="cancel"),
    path("sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("sessions/<int:pk>/attendance/row/", views.attendance_row, name="attendance-row"),
    path("sessions/<int:pk>/register/", views.register, name="register"),
    path("sessions/<int:pk>/unregister/", views.unregister, name="unregister"),
]

api_urlpatterns = [
    path("cohorts/<int:pk>/sessions/", api.cohort_sessions, name="cohort-sessions"),
    path("sessions/", api.my_sessions, name="my-sessions"),
    path("sessions/<int:pk>/", api.session_detail, name="session"),
    path("sessions/<int:pk>/cancel/", api.cancel_session, name="session-cancel"),
    path("sessions/<int:pk>/attendance/", api.session_attendance, name="attendance"),
    path("sessions/<int:pk>/registration/", api.registration, name="registration"),
]
