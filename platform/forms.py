"""Log-in forms with throttling (``platform.ratelimit``): the site's and the admin's.

Both log-in pages use the same policy, so the admin is no side door for guessing passwords.
"""

import math
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import ngettext

from platform.ratelimit import (
    LoginRefused,
    guard_login,
    record_login_failure,
    record_login_success,
)


def refusal_message(refusal: LoginRefused) -> str:
    """Tell the person how long to wait, and whether it is their account or their network."""
    if refusal.reason == "account":
        minutes = math.ceil(refusal.wait_seconds / 60)
        return ngettext(
            "Too many failed log-ins for this account. Please wait %(minutes)d minute "
            "and try again.",
            "Too many failed log-ins for this account. Please wait %(minutes)d minutes "
            "and try again.",
            minutes,
        ) % {"minutes": minutes}
    return ngettext(
        "Too many failed log-ins from your network. Please wait %(seconds)d second and try again.",
        "Too many failed log-ins from your network. Please wait %(seconds)d seconds and try again.",
        refusal.wait_seconds,
    ) % {"seconds": refusal.wait_seconds}


class ThrottledAuthenticationForm(AuthenticationForm):
    """The log-in form; a refused attempt never gets its password checked."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if not (username and self.cleaned_data.get("password")):
            # No password gets checked (the fields say what is missing), so nothing counts: an
            # empty password must not pass for a success that forgives the account's failures.
            return super().clean()
        try:
            guard_login(request=self.request, username=username)
        except LoginRefused as refusal:
            raise forms.ValidationError(refusal_message(refusal), code="throttled") from None
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_login_failure(request=self.request, username=username)
            raise
        record_login_success(request=self.request, username=username)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's log-in form (staff only), throttled like the site's."""
