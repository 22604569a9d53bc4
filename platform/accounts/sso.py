"""University single sign-on (OpenID Connect through allauth): who a university log-in may be.

The policy (docs/profile-and-sso.md):

- A university log-in reaches a platform account through the university account it was
  connected to before, or else through an e-mail address that the university asserts as
  verified (``email_verified``) and that an account here has. An address the university does not
  vouch for never connects anything: otherwise whoever controls a university account could
  claim any address and take over the account that has it.
- Nobody gets an account by logging in: accounts come from admission, invitation or the office.
  A person holding an invitation already has an account with the invited address, so the
  verified address covers them. Everyone else is refused with a page that says what to do.
- The university confirmed the address, so the platform's own record of it counts as confirmed
  as well (allauth would otherwise treat the account as possibly squatted and wipe its
  password; here accounts are only ever made by the office, so there is nothing to wipe).
"""

from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render

from platform.models import User

REFUSED_TEMPLATE = "socialaccount/refused.html"


def sso_enabled() -> bool:
    """Whether a university log-in is configured (``OIDC_SERVER_URL``)."""
    return bool(settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS"))


def asserted_addresses(sociallogin: SocialLogin) -> tuple[list[str], list[str]]:
    """The e-mail addresses the university sent: (verified, unverified)."""
    verified = [address.email for address in sociallogin.email_addresses if address.verified]
    unverified = [address.email for address in sociallogin.email_addresses if not address.verified]
    return verified, unverified


def refusal(
    request: HttpRequest, sociallogin: SocialLogin, *, shared: str = ""
) -> ImmediateHttpResponse:
    """The page that says why a university log-in found no account (403). It never says whether
    an account has an address the university did not vouch for. ``shared``: the verified
    address belongs to several accounts here, so none is picked."""
    verified, unverified = asserted_addresses(sociallogin)
    context = {"provider_name": sociallogin.provider.name, "verified": verified, "shared": shared}
    context["unverified"] = [] if verified else unverified
    return ImmediateHttpResponse(render(request, REFUSED_TEMPLATE, context, status=403))


def confirm_address(user: User, email: str) -> None:
    """Record ``email`` as a confirmed address of ``user`` (the university vouched for it)."""
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(
            user=user,
            email=email,
            verified=True,
            primary=not EmailAddress.objects.filter(user=user, primary=True).exists(),
        )
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


class UniversityAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    """No sign-up through a university log-in; connection only by a verified address."""

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.is_existing:
            # allauth records the address it matched an account by (None: by a connection).
            matched = getattr(sociallogin, "_did_authenticate_by_email", None)
            user = sociallogin.user
            if matched and isinstance(user, User):
                # Matched by address rather than by an earlier connection. Two accounts with
                # the address (an old one and a new one, say): picking one would be a guess.
                if len({owner.pk for owner in filter_users_by_email(matched)}) > 1:
                    raise refusal(request, sociallogin, shared=matched)
                # Only verified addresses are ever matched (allauth's email authentication
                # reads just those), so confirming the address here repeats the university.
                with transaction.atomic():
                    confirm_address(user, matched)
            return
        if sociallogin.state.get("process") == "connect" and request.user.is_authenticated:
            return  # a logged-in person connects their own university account
        raise refusal(request, sociallogin)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False
