from django.urls import path

from submissions import views
from submissions.gradebook import urls as gradebook_urls
from submissions.intake import urls as intake_urls
from submissions.late import urls as late_urls
from submissions.publishing import urls as publishing_urls
from submissions.reviewing import urls as reviewing_urls

app_name = "submissions"
urlpatterns = [
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/upload/", views.upload, name="upload"),
    path("assignments/<int:pk>/draft/", views.draft_notebook, name="draft-notebook"),
    path("assignments/<int:pk>/draft/hand-in/", views.draft_hand_in, name="draft-hand-in"),
    path("submissions/<int:pk>/", views.submission_detail, name="detail"),
    path("submissions/<int:pk>/notebook/", views.notebook_view, name="notebook"),
    path("submissions/<int:pk>/download/", views.notebook_download, name="download"),
    path("submissions/<int:pk>/files/<int:file_pk>/", views.data_file_download, name="data-file"),
]
# The feature packages' pages, under the same namespace (docs/architecture.md).
urlpatterns += (
    reviewing_urls.urlpatterns
    + intake_urls.urlpatterns
    + late_urls.urlpatterns
    + gradebook_urls.urlpatterns
    + publishing_urls.urlpatterns
)
