"""The site's allauth adapters: who may sign up, how mail goes out, how log-ins are throttled."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from platform.mail import queue_mail
from platform.ratelimit import peer_address


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    """allauth's account flows, fitted to the site."""

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's rate limits (``ACCOUNT_RATE_LIMITS``: log-ins 30 a minute per
        address) and the session list count and show: the platform's, so that behind nginx
        (``BEHIND_PROXY``) each client has a budget of its own instead of the whole cohort
        sharing the proxy's (docs/operations.md, "Rate limits, log-in throttling and the proxy";
        found by the load test, bench/README.md)."""
        return peer_address(request) or super().get_client_ip(request)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """No public sign-up: people get an account by application or invitation.

        Single sign-on asks the same question through its own adapter
        (``SOCIALACCOUNT_ADAPTER``), which may answer yes for an invited person; this one,
        for the site's own sign-up form, always answers no.
        """
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Through the outgoing-mail queue, so a reset or verification mail that the mail
        server refuses is retried by the worker instead of being lost."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        message = self.render_mail(template_prefix, email, {**ctx, **context})
        queue_mail(
            to=email,
            subject=str(message.subject),
            body=str(message.body),
            topic=template_prefix.rsplit("/", 1)[-1].replace("_", " "),
        )

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Password log-ins are throttled once, by ``platform.ratelimit`` (the log-in form's
        lockout per account and slow-down per address), not a second time by allauth's
        ``login_failed`` limit, whose smaller numbers would pre-empt the site's policy."""


class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    """allauth's second factor; the authenticator app shows the site's name and the user's."""

    def get_totp_label(self, user: Any) -> str:
        return str(user.get_username())
