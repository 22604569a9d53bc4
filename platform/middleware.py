"""The user's preferred language wins over the browser's; the language switcher remembers it.

Order of precedence for the interface language (see docs/i18n.md):

1. a logged-in user's ``preferred_language`` (``platform.models.User``), when set;
2. otherwise whatever ``LocaleMiddleware`` chose: the language cookie set by the switcher,
   then the browser's ``Accept-Language``, then ``settings.LANGUAGE_CODE``.

``UserLanguageMiddleware`` must come after ``AuthenticationMiddleware`` (it needs
``request.user``) and, like every middleware, after ``LocaleMiddleware`` (whose
``process_response`` then reports the language actually used in ``Content-Language``).

It also makes the switcher in the header (Django's ``set_language`` view, ``/i18n/setlang/``)
persistent for logged-in users: when that view accepts a language (it sets the language cookie),
the choice is stored in ``preferred_language`` as well, so it follows the user to other browsers
and devices. No URL change is needed: the view stays Django's own.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

from platform.models import User

SET_LANGUAGE_VIEW = "set_language"


def supported_language(code: str | None) -> str | None:
    """``code`` as one of ``settings.LANGUAGES`` (``"de-AT"`` -> ``"de"``), else None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class UserLanguageMiddleware:
    """Activate the logged-in user's preferred language; remember the switcher's choice."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not hasattr(request, "user"):
            raise ImproperlyConfigured(
                "platform.middleware.UserLanguageMiddleware needs request.user: place it after "
                "django.contrib.auth.middleware.AuthenticationMiddleware in MIDDLEWARE."
            )
        # Without a session cookie nobody is logged in: leave the session (and the user) unread,
        # which spares cookie-less API and JSON requests a session lookup and a Vary: Cookie.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = request.user
            if isinstance(user, User) and user.is_authenticated:
                preferred = supported_language(user.preferred_language)
                if preferred:
                    translation.activate(preferred)
                    request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if request.method == "POST":
            self._remember_switch(request, response)
        return response

    @staticmethod
    def _remember_switch(request: HttpRequest, response: HttpResponseBase) -> None:
        """Store the language the switcher accepted (it set the cookie) as the preference."""
        match = request.resolver_match
        if match is None or match.view_name != SET_LANGUAGE_VIEW:
            return
        cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        chosen = supported_language(cookie.value if cookie is not None else None)
        user = request.user
        if not (isinstance(user, User) and user.is_authenticated):
            return  # anonymous visitors keep just the cookie
        if chosen and chosen != user.preferred_language:
            user.preferred_language = chosen
            user.save(update_fields=["preferred_language"])
