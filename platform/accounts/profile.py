"""The profile page: names, language, e-mail, university log-in, API tokens, active sessions,
the data export (docs/privacy.md).

Each part that changes something is its own POST view; the page is one template
(templates/platform/profile/profile.html). What the page lets a person change about themselves
and what it leaves to others is in docs/profile-and-sso.md.
"""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions import app_settings as usersessions_settings
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from platform.accounts.profile_forms import ApiTokenForm, ProfileForm
from platform.accounts.sso import sso_enabled
from platform.models import ApiToken, User
from platform.types import AuthenticatedHttpRequest

# More live tokens than anyone needs is a sign of tokens made and forgotten.
MAX_LIVE_TOKENS = 20


def legal_name_locked(user: User) -> bool:
    """Once a certificate has been issued (whatever became of it), it printed the legal name."""
    return user.certificates.exists()


def _page(
    request: AuthenticatedHttpRequest,
    *,
    form: ProfileForm | None = None,
    token_form: ApiTokenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    locked = legal_name_locked(user)
    context: dict[str, Any] = {
        "form": form or ProfileForm(instance=user, legal_name_locked=locked),
        "legal_name_locked": locked,
        "token_form": token_form or ApiTokenForm(),
        "tokens": user.api_tokens.order_by("revoked_at", "-created_at"),
        "addresses": EmailAddress.objects.filter(user=user).order_by("-primary", "email"),
        "sso_enabled": sso_enabled(),
        "university_accounts": SocialAccount.objects.filter(user=user),
        "sessions": sorted(
            UserSession.objects.purge_and_list(user), key=lambda s: s.created_at, reverse=True
        ),
        "track_activity": usersessions_settings.TRACK_ACTIVITY,
        "data_exports": user.data_exports.all()[:5],
    }
    return render(request, "platform/profile/profile.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if request.method != "POST":
        return _page(request)
    form = ProfileForm(request.POST, instance=user, legal_name_locked=legal_name_locked(user))
    if not form.is_valid():
        return _page(request, form=form, status=400)
    with transaction.atomic():
        form.save()
    response = redirect("profile")
    language = user.preferred_language
    if language:
        # The next page is in the chosen language, and so are pages after logging out.
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    messages.success(request, _("Your profile is saved."))
    return response


@never_cache
@login_required
@require_POST
def token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create a token and show it on this response only: it is never stored, so never shown
    again (a reload asks to send the form again and makes another one)."""
    form = ApiTokenForm(request.POST)
    if form.is_valid() and request.user.api_tokens.usable().count() >= MAX_LIVE_TOKENS:
        form.add_error(None, _("You have too many tokens: revoke one you no longer use first."))
    if not form.is_valid():
        return _page(request, token_form=form, status=400)
    token, raw_key = ApiToken.create_for(
        request.user,
        name=form.cleaned_data["name"],
        expires_at=form.expires_at,
        read_only=form.cleaned_data["read_only"],
    )
    return render(
        request, "platform/profile/token_created.html", {"token": token, "raw_key": raw_key}
    )


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect(reverse("profile") + "#api-tokens")
