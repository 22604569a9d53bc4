from django.urls import path

from submissions import api
from submissions.gradebook import urls as gradebook_urls
from submissions.late import urls as late_urls
from submissions.publishing import urls as publishing_urls
from submissions.reviewing import api_urls as reviewing_api_urls

app_name = "submissions-api"
urlpatterns = [
    path("assignments/", api.my_assignments, name="assignments"),
    path("assignments/<int:pk>/submissions/", api.upload_attempt, name="upload"),
    path("submissions/<int:pk>/", api.submission_status, name="submission"),
    path("submissions/<int:pk>/notebook/", api.submission_notebook, name="notebook"),
    path("submissions/<int:pk>/rendered/", api.submission_rendered, name="rendered"),
    path("submissions/<int:pk>/files/<int:file_pk>/", api.submission_data_file, name="data-file"),
]
# The feature packages' endpoints, under the same namespace (docs/architecture.md).
urlpatterns += (
    reviewing_api_urls.urlpatterns
    + late_urls.api_urlpatterns
    + gradebook_urls.api_urlpatterns
    + publishing_urls.api_urlpatterns
)
