"""Second factors set up outside the pages: the demo's staff accounts, and the code of the
moment for ``manage.py totp_code`` (docs/accounts.md, "The demo's second factor")."""

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt, encrypt
from django.db import transaction

from platform.models import User


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
