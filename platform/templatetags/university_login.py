"""``{% university_providers as providers %}``: the configured university log-ins (OpenID
Connect), for the log-in button. Without ``OIDC_SERVER_URL`` it is empty and asks nothing of the
database, so the log-in page stays as cheap as before."""

from typing import Any

from allauth.socialaccount.adapter import get_adapter
from django import template

from platform.accounts.sso import sso_enabled

register = template.Library()


@register.simple_tag(takes_context=True)
def university_providers(context: dict[str, Any]) -> list[Any]:
    if not sso_enabled():
        return []
    providers = get_adapter().list_providers(context["request"])
    return [provider for provider in providers if provider.id == "openid_connect"]
