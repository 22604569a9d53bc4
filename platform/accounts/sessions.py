"""Every log-in is listed among the person's active sessions (``allauth.usersessions``).

allauth records the sessions its own log-in views open; a session opened elsewhere (Django's
log-in view, the admin's, a test's ``force_login``) would otherwise be missing from the profile's
list and survive "log out all other sessions". Recording is idempotent (one row per session key).
"""

from typing import Any

from allauth.usersessions.models import UserSession
from django.http import HttpRequest

from platform.models import User


def record_session(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if not request.META.get("REMOTE_ADDR"):
        return  # no address to show (a test's force_login); nothing a person would look for
    UserSession.objects.create_from_request(request, user=user, session=request.session)
