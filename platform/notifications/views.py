"""The notification pages: the list (newest first), opening one, "mark all read", and the
e-mail choices. Every page is the signed-in person's own; another person's notification is 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from platform.models import Notification
from platform.notifications import services
from platform.notifications.forms import EmailChoicesForm
from platform.types import AuthenticatedHttpRequest

PAGE_SIZE = 25


@never_cache
@login_required
@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "platform/notifications/list.html", {"page": page})


@never_cache
@login_required
@require_GET
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.mark_read(notification=notification)
    # Notifications are written by the platform's own code, always with a path; checked
    # anyway, so a stored value can never send anyone to another site.
    if not url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect("notifications:list")
    return redirect(notification.url)


@login_required
@require_POST
def notification_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Which kinds of notification also come by e-mail."""
    initial = services.email_choices(request.user)
    form = EmailChoicesForm(
        request.POST if request.method == "POST" else None, initial_choices=initial
    )
    if request.method == "POST" and form.is_valid():
        services.set_email_choices(user=request.user, choices=form.choices())
        messages.success(request, _("Your e-mail choices are saved."))
        return redirect("notifications:settings")
    return render(request, "platform/notifications/settings.html", {"form": form})
