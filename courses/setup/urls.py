from django.urls import path

from courses.setup import views

app_name = "setup"
urlpatterns = [
    path("setup/", views.index, name="index"),
    path("setup/programs/new/", views.program_new, name="program-new"),
    path("setup/programs/<int:pk>/", views.program_edit, name="program"),
    path("setup/programs/<int:pk>/modules/", views.modules, name="modules"),
    path("setup/programs/<int:pk>/modules/<int:module_pk>/", views.module_edit, name="module"),
    path(
        "setup/programs/<int:pk>/modules/<int:module_pk>/move/",
        views.module_move,
        name="module-move",
    ),
    path(
        "setup/programs/<int:pk>/modules/<int:module_pk>/delete/",
        views.module_delete,
        name="module-delete",
    ),
    path("setup/programs/<int:pk>/cohorts/new/", views.cohort_new, name="cohort-new"),
    path("setup/cohorts/<int:pk>/", views.cohort_edit, name="cohort"),
    path("setup/cohorts/<int:pk>/copy/", views.cohort_copy, name="cohort-copy"),
    path("setup/programs/<int:pk>/policy/", views.policy, name="policy"),
    path("setup/programs/<int:pk>/policy/draft/", views.policy_draft, name="policy-draft"),
    path("setup/programs/<int:pk>/policy/preview/", views.policy_preview, name="policy-preview"),
    path("setup/programs/<int:pk>/policy/publish/", views.policy_publish, name="policy-publish"),
]
