from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from courses.certificates import views as certificate_views
from platform import views
from platform.accounts import views as account_views
from platform.observability import views as observability_views

urlpatterns = [
    path("", views.home, name="home"),
    # Probes and the monitoring (docs/operations.md, "Health, metrics and logs").
    path("healthz", observability_views.healthz, name="healthz"),
    path("readyz", observability_views.readyz, name="readyz"),
    path("metrics", observability_views.metrics, name="metrics"),
    # allauth's log-in and log-out under the names the site has always used (docs/accounts.md).
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("accounts/", include("platform.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/login/", account_views.admin_login, name="admin-login"),
    path("notifications/", include("platform.notifications.urls")),
    path("privacy/", include("platform.privacy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("verify/", certificate_views.verify_lookup, name="verify-lookup"),
    path("verify/<str:code>/", certificate_views.verify, name="verify"),
    path("", include("courses.urls")),
    path("", include("courses.enrolment.urls")),
    path("", include("courses.applications.urls")),
    path("", include("courses.catalogue.urls")),
    path("", include("courses.certificates.urls")),
    path("", include("courses.communication.urls")),
    path("", include("courses.setup.urls")),
    path("", include("courses.sessions.urls")),
    path("", include("courses.clients.urls")),
    path("", include("courses.workspace.urls")),
    path("", include("courses.tandems.urls")),
    path("", include("submissions.urls")),
    path("api/v1/", include("courses.api_urls")),
    path("api/v1/", include("submissions.api_urls")),
    path("api/v1/", include("platform.privacy.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]

# JSON under /api/, Django's pages elsewhere (platform/api_errors.py).
handler400 = "platform.api_errors.bad_request"
handler403 = "platform.api_errors.permission_denied"
handler404 = "platform.api_errors.page_not_found"
handler500 = "platform.api_errors.server_error"
