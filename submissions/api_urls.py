from django.urls import path

from submissions import api, late_api
from submissions.reviewing import api_urls as reviewing_api_urls

app_name = "submissions-api"
urlpatterns = [
    path("assignments/", api.my_assignments, name="assignments"),
    path("assignments/<int:pk>/submissions/", api.upload_attempt, name="upload"),
    path("submissions/<int:pk>/", api.submission_status, name="submission"),
    path("modules/<int:pk>/assignments/", api.publish_assignment, name="publish"),
    path("assignments/<int:pk>/publish-check/", api.publish_check_report, name="publish-check"),
    path("assignments/<int:pk>/source/", api.replace_source, name="source"),
    path("submissions/<int:pk>/regrade/", api.regrade_submission, name="regrade"),
    path("assignments/<int:pk>/regrade/", api.regrade_assignment, name="regrade-assignment"),
    # late work: the late policy, cohort and personal extensions (submissions/late_api.py)
    path("assignments/<int:pk>/late-policy/", late_api.late_policy, name="late-policy"),
    path("assignments/<int:pk>/extensions/", late_api.extensions, name="extensions"),
    path(
        "assignments/<int:pk>/extensions/<int:extension_pk>/",
        late_api.personal_extension,
        name="personal-extension",
    ),
    path("submissions/<int:pk>/notebook/", api.submission_notebook, name="notebook"),
    path("submissions/<int:pk>/rendered/", api.submission_rendered, name="rendered"),
    path("submissions/<int:pk>/files/<int:file_pk>/", api.submission_data_file, name="data-file"),
]
# reviewing: queue, leases, reviews, release, comments, regrade requests (submissions/reviewing/)
urlpatterns += reviewing_api_urls.urlpatterns
