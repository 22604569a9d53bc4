"""Who must use a second factor, and whether a session was opened with one.

Staff, program coordinators and cohort instructors see and change other people's work and
grades, so their accounts need a second factor (TOTP with recovery codes, or a passkey);
participants may add one. ``SecondFactorMiddleware`` enforces the rule on every page.
"""

import time

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest

from courses.models import Cohort, Program
from platform.models import User

# allauth's session keys for the log of how the session's user authenticated
# (allauth.account.internal.flows.login); tests use them to stand for a finished log-in.
METHODS_SESSION_KEY = "account_authentication_methods"
METHODS_USER_SESSION_KEY = "account_authentication_methods_user"


def requires_second_factor(user: User) -> bool:
    """Staff, coordinators of any program and instructors of any cohort (one query)."""
    if user.is_staff or user.is_superuser:
        return True
    coordinates = Program.coordinators.through.objects.filter(user_id=OuterRef("pk"))
    teaches = Cohort.instructors.through.objects.filter(user_id=OuterRef("pk"))
    roles = User.objects.filter(Q(Exists(coordinates)) | Q(Exists(teaches)), pk=user.pk)
    return bool(roles.exists())


def has_second_factor(user: User) -> bool:
    """A TOTP app or a passkey (recovery codes only back those up)."""
    factors = Authenticator.objects.filter(user=user)
    return bool(factors.exclude(type=Authenticator.Type.RECOVERY_CODES).exists())


def used_second_factor(request: HttpRequest) -> bool:
    """Whether this session's user proved a second factor in it: a TOTP or recovery code, a
    passkey at log-in, or the code that set the factor up (``record_enrolment``)."""
    records: list[dict[str, object]] = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def record_enrolment(request: HttpRequest, authenticator: Authenticator) -> None:
    """Setting up a TOTP app or a passkey proves it, like using it at log-in would, so the
    session that set it up counts as opened with a second factor."""
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        return
    record_authentication(
        request, authenticator.user, "mfa", id=authenticator.pk, type=authenticator.type
    )


def second_factor_session(user: User) -> dict[str, object]:
    """The session entries of a log-in finished with a second factor, for ``force_login``
    in tests (which bypasses allauth's flow)."""
    record = {"method": "mfa", "at": time.time(), "type": Authenticator.Type.TOTP.value}
    return {METHODS_SESSION_KEY: [record], METHODS_USER_SESSION_KEY: str(user.pk)}
