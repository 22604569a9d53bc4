"""The admin's log-in is the site's: allauth's form, its second factor, its throttling."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


def admin_login(request: HttpRequest) -> HttpResponse:
    """Send the admin's log-in page to the site's, coming back to where the admin was going.

    Someone already logged in who is not staff would loop between the two pages; the site's
    home page is where they belong."""
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if request.user.is_authenticated:
        return redirect(target if request.user.is_staff else "home")
    return redirect_to_login(target)
