"""Enforce the second factor for the roles that need one (``policy.requires_second_factor``).

A user of such a role

* without a TOTP app or passkey is sent to the second-factor pages, and may use nothing else
  (log-out, language switch and re-authentication aside) until one is set up;
* with one, whose session was not opened with it (a session from before the role was given,
  or one made past allauth's log-in), is logged out and asked to log in again.

The API is left to its tokens (``platform.api.HashedTokenAuthentication``); a session that
fails the rule gets a 403 there instead of a redirect. Static files are served before any
view, so they never reach this check.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from platform.accounts.policy import has_second_factor, requires_second_factor, used_second_factor

# Views a user who still has to set up a second factor may open.
SET_UP_VIEWS = frozenset(
    {
        "logout",
        "account_logout",
        "login",
        "account_login",
        "account_reauthenticate",
        "set_language",
    }
)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        user = request.user
        if not user.is_authenticated or used_second_factor(request):
            return None
        if not requires_second_factor(user):
            return None
        api = request.path.startswith("/api/")
        if has_second_factor(user):
            if api:
                return _refused()
            logout(request)
            messages.info(request, _("Please log in again, with your second factor."))
            return _go(request, redirect_to_login(request.get_full_path()).url)
        match = request.resolver_match
        name = match.url_name if match else None
        if name in SET_UP_VIEWS or (name or "").startswith("mfa_"):
            return None
        if api:
            return _refused()
        messages.info(
            request,
            _(
                "Your role needs a second factor for logging in. Please set one up: an "
                "authenticator app or a passkey."
            ),
        )
        return _go(request, "mfa_index")


def _go(request: HttpRequest, to: str) -> HttpResponseBase:
    url = redirect(to).url
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)


def _refused() -> JsonResponse:
    return JsonResponse(
        {"detail": _("This account needs a session opened with a second factor, or a token.")},
        status=403,
    )
