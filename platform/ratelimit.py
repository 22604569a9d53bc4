"""Rate limits and log-in lockouts, counted in a store every server process shares.

Three pieces, documented in docs/architecture.md ("Rate limits and log-in throttling"):

* ``hit``/``peek``/``reset``: a counter per key in a fixed window that starts with the key's
  first hit. On Redis (``REDIS_URL``) it is ``SET NX EX`` + ``INCR`` in one ``MULTI``; otherwise
  a ``RateCounter`` row raised with ``UPDATE … SET count = count + 1``, which the database
  serializes. Either way no increment is lost between processes (Django's cache ``incr`` on the
  database cache is a get followed by a set, and loses them).
* ``client_address``: whom to count a request against; the proxy's header only when
  ``BEHIND_PROXY`` is on.
* The log-in policy (``guard_login``, ``record_login_failure``, ``record_login_success``): a
  real lockout per account, and per address only a slow-down, so a shared address never locks
  out a person who knows their password.
"""

import datetime as dt
import hashlib
import ipaddress
import math
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.http import HttpRequest
from django.utils import timezone

from platform.models import RateCounter

# Failed log-ins are counted over this window, and an account stays locked for its rest.
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True)
class Count:
    """A key's count in its current window and the whole seconds until that window ends."""

    count: int
    retry_after: int


# --- counters ---------------------------------------------------------------------------------


def _redis() -> RedisCache | None:
    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


def _stored(key: str) -> str:
    """``key`` as stored: a very long one (a pasted essay as user name) by its SHA-256."""
    if len(key) <= RateCounter.MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def hit(key: str, *, window: int) -> Count:
    """Count one event for ``key``; the count includes it. A key's window of ``window``
    seconds starts with its first hit; the next hit after it ends starts a new one at 1."""
    key = _stored(key)
    redis = _redis()
    if redis is not None:
        name = redis.make_and_validate_key(key)
        with redis._cache.get_client(name, write=True).pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=window, nx=True)
            pipe.incr(name)
            pipe.ttl(name)
            _, count, ttl = pipe.execute()
        return Count(int(count), max(int(ttl), 1))
    return _hit_database(key, window=window)


@transaction.atomic
def _hit_database(key: str, *, window: int) -> Count:
    now = timezone.now()
    ends = now + dt.timedelta(seconds=window)
    expired = Q(expires_at__lte=now)
    updated = RateCounter.objects.filter(key=key).update(
        # Both right-hand sides read the row as it was before this update.
        count=Case(When(expired, then=Value(1)), default=F("count") + 1),
        expires_at=Case(When(expired, then=Value(ends)), default=F("expires_at")),
    )
    if not updated:
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=key, count=1, expires_at=ends)
        except IntegrityError:  # another process created it first
            RateCounter.objects.filter(key=key).update(count=F("count") + 1)
        else:
            RateCounter.objects.filter(expires_at__lte=now).delete()
    # This transaction holds the row's lock, so it reads exactly its own increment's result.
    count, expires_at = RateCounter.objects.filter(key=key).values_list("count", "expires_at").get()
    return Count(count, _seconds_until(expires_at, now))


def peek(key: str) -> Count:
    """``key``'s count in its current window without counting (0 when it has none)."""
    key = _stored(key)
    redis = _redis()
    if redis is not None:
        name = redis.make_and_validate_key(key)
        with redis._cache.get_client(name).pipeline(transaction=True) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            value, ttl = pipe.execute()
        return Count(int(value or 0), max(int(ttl), 0))
    now = timezone.now()
    row = (
        RateCounter.objects.filter(key=key, expires_at__gt=now)
        .values_list("count", "expires_at")
        .first()
    )
    return Count(row[0], _seconds_until(row[1], now)) if row else Count(0, 0)


def reset(key: str) -> None:
    """Forget ``key``'s count."""
    key = _stored(key)
    redis = _redis()
    if redis is not None:
        redis.delete(key)
    else:
        RateCounter.objects.filter(key=key).delete()


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(math.ceil((moment - now).total_seconds()), 1)


# --- whom a request counts against --------------------------------------------------------------


def peer_address(request: HttpRequest | None) -> str:
    """The client's address as given: ``REMOTE_ADDR``, or with ``BEHIND_PROXY`` the right-most
    ``X-Forwarded-For`` entry (the one our own proxy appended; those left of it can be forged)."""
    if request is None:
        return ""
    address = str(request.META.get("REMOTE_ADDR", ""))
    if settings.BEHIND_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")[-1].strip()
        address = forwarded or address
    return address


def client_address(request: HttpRequest | None) -> str:
    """The address to count a request against.

    ``peer_address``; an IPv6 address counts as its /64, which one host usually has to itself.
    """
    address = peer_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


# --- log-in policy ----------------------------------------------------------------------------


class LoginRefused(Exception):
    """A log-in attempt refused before its password was checked.

    ``reason`` is ``account`` (the account is locked after too many failures) or ``address``
    (the address had too many failures and may try only once per pause).
    """

    def __init__(self, reason: Literal["account", "address"], *, wait_seconds: int) -> None:
        super().__init__(reason, wait_seconds)
        self.reason = reason
        self.wait_seconds = wait_seconds


def _account_key(username: str) -> str:
    return f"login:account:{username.strip().lower()}"


def _address_key(address: str) -> str:
    return f"login:address:{address}"


def guard_login(*, request: HttpRequest | None, username: str) -> None:
    """Call before checking a password; raise ``LoginRefused`` when it must not be checked.

    The attempt counts against the account at once (a success resets it), so concurrent
    guesses cannot all slip under the limit while their passwords are being hashed.
    """
    address = client_address(request)
    if peek(_address_key(address)).count >= settings.LOGIN_ADDRESS_MAX_FAILURES:
        pace = hit(f"login:pace:{address}", window=settings.LOGIN_ADDRESS_PAUSE_SECONDS)
        if pace.count > 1:
            raise LoginRefused("address", wait_seconds=pace.retry_after)
    attempt = hit(_account_key(username), window=LOGIN_FAILURE_WINDOW_SECONDS)
    if attempt.count > settings.LOGIN_MAX_FAILURES:
        raise LoginRefused("account", wait_seconds=attempt.retry_after)


def record_login_failure(*, request: HttpRequest | None, username: str) -> None:
    """A wrong password (or a refused account): the address's count goes up too."""
    hit(_address_key(client_address(request)), window=LOGIN_FAILURE_WINDOW_SECONDS)


def record_login_success(*, request: HttpRequest | None, username: str) -> None:
    """The account's failures are forgotten; the address's are not (anyone can succeed with
    an account of their own)."""
    reset(_account_key(username))
