"""Account records made outside allauth's pages: a known address for an account the site
creates, the demo's second factors, and the code of the moment for ``manage.py totp_code``
(docs/accounts.md)."""

import time

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt, encrypt
from django.db import transaction

from platform.models import User


@transaction.atomic
def record_known_address(user: User) -> None:
    """Record ``user.email`` as the account's verified primary address, for accounts the site
    makes from an address it has already mailed (an accepted application, an invitation), so
    log-in by e-mail and password reset find it. Nothing happens when another account holds
    the address verified (allauth keeps those unique) or the user has none."""
    if not user.email:
        return
    taken = EmailAddress.objects.filter(email__iexact=user.email, verified=True)
    if taken.exclude(user=user).exists():
        return
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        address = EmailAddress(user=user, email=user.email)
    address.verified = True
    address.save()
    address.set_as_primary()


class NoAuthenticatorApp(Exception):
    """The user has no TOTP authenticator app set up."""


@transaction.atomic
def set_up_totp(*, user: User, secret: str, recovery_seed: str) -> list[str]:
    """Give ``user`` a TOTP app with ``secret`` (base32) and recovery codes derived from
    ``recovery_seed``; return the recovery codes not yet used.

    Idempotent: an account that has a TOTP app keeps it and its used codes, so running the
    demo's loader again neither changes the printed secret nor revives a used code."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
        )
    codes, _created = Authenticator.objects.get_or_create(
        user=user,
        type=Authenticator.Type.RECOVERY_CODES,
        defaults={"data": {"seed": encrypt(recovery_seed), "used_mask": 0}},
    )
    unused: list[str] = RecoveryCodes(codes).get_unused_codes()
    return unused


def current_totp_code(user: User) -> str:
    """The code ``user``'s authenticator app shows now (what a phone would show)."""
    app = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if app is None:
        raise NoAuthenticatorApp(user.username)
    secret = decrypt(app.data["secret"])
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return str(format_hotp_value(hotp_value(secret, counter)))
