"""The log-in form: allauth's, behind the site's lockout and slow-down (``platform.ratelimit``)."""

import math
from typing import Any

from allauth.account.forms import LoginForm
from allauth.account.models import EmailAddress
from django import forms
from django.utils.translation import ngettext

from platform.models import User
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


def account_key(login: str) -> str:
    """The name a log-in attempt counts against: the account's user name whether the person
    typed it or one of the account's e-mail addresses, so both ways share one lockout."""
    login = login.strip()
    if "@" in login:
        owner = (
            EmailAddress.objects.filter(email__iexact=login)
            .values_list("user__username", flat=True)
            .first()
        )
        if owner is None:
            owner = (
                User.objects.filter(email__iexact=login).values_list("username", flat=True).first()
            )
        if owner is not None:
            return str(owner)
    return login


class ThrottledLoginForm(LoginForm):  # type: ignore[misc]  # allauth is untyped
    """allauth's log-in form (user name or e-mail); a refused attempt never gets its password
    checked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Password managers fill the account's name here, whichever of the two it is.
        self.fields["login"].widget.attrs["autocomplete"] = "username"

    def clean(self) -> dict[str, Any]:
        login = self.cleaned_data.get("login")
        if not (login and self.cleaned_data.get("password")):
            # No password gets checked (the fields say what is missing), so nothing counts: an
            # empty password must not pass for a success that forgives the account's failures.
            return super().clean()  # type: ignore[no-any-return]
        key = account_key(login)
        try:
            guard_login(request=self.request, username=key)
        except LoginRefused as refusal:
            raise forms.ValidationError(refusal_message(refusal), code="throttled") from None
        try:
            cleaned: dict[str, Any] = super().clean()
        except forms.ValidationError:
            record_login_failure(request=self.request, username=key)
            raise
        record_login_success(request=self.request, username=key)
        return cleaned
