from django.urls import path

from courses.enrolment import views

app_name = "enrolment"
urlpatterns = [
    path("invitations/<str:token>/", views.accept, name="accept"),
]
