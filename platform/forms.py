"""Log-in with throttling: repeated failures for one account or address pause further tries."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

LOCKOUT_SECONDS = 15 * 60


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed log-ins. Please wait 15 minutes and try again."),
    }

    def _keys(self) -> list[str]:
        username = (self.data.get("username") or "").strip().lower()
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return [f"login-fail:user:{username}", f"login-fail:addr:{address}"]

    def clean(self) -> dict[str, Any]:
        keys = self._keys()
        if any(cache.get(key, 0) >= settings.LOGIN_MAX_FAILURES for key in keys):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            for key in keys:
                cache.add(key, 0, LOCKOUT_SECONDS)
                cache.incr(key)
            raise
