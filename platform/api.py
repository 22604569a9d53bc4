"""REST plumbing shared by the apps: hashed-token authentication.

Request parsing and the shape of every error answer live in ``platform.api_errors`` (this module
is imported while DRF itself loads, so it cannot import ``rest_framework.views``).
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from platform.models import ApiToken, User


def api_user(request: Request) -> User:
    """The authenticated user of an API request (views require authentication by default)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise exceptions.NotAuthenticated()
    return user


class HashedTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``; the token is looked up by its SHA-256."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode().lower() not in {"bearer", "token"}:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'.")
        try:
            raw_key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = ApiToken.objects.matching(raw_key).select_related("user").first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired token.")
        if token.read_only and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied("This token may only read.")
        token.last_used_at = timezone.now()
        token.save(update_fields=["last_used_at"])
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class HashedTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "platform.api.HashedTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}
