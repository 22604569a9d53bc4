"""URLs of intake that are not the participant's own pages: a coordinator's purge of a finished
cohort's data files. (Uploading is the participant's assignment page, ``submissions.views``.)

``urlpatterns`` are included into the ``submissions`` namespace by ``submissions.urls``.
"""

from django.urls import path

from submissions.intake import views

urlpatterns = [
    path("cohorts/<int:pk>/purge-data/", views.purge_data, name="purge-data"),
]
