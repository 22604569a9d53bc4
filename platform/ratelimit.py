"""Rate limits, counted in a store every server process shares.

Documented in docs/architecture.md ("Rate limits and log-in throttling"):

* ``hit``/``peek``/``reset``: a counter per key in a fixed window that starts with the key's
  first hit. On Redis (``REDIS_URL``) it is ``SET NX EX`` + ``INCR`` in one ``MULTI``; otherwise
  a ``RateCounter`` row raised with ``UPDATE … SET count = count + 1``, which the database
  serializes. Either way no increment is lost between processes (Django's cache ``incr`` on the
  database cache is a get followed by a set, and loses them).
"""

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from platform.models import RateCounter


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
    expired = When(expires_at__lte=now, then=Value(1))
    raise_count = RateCounter.objects.filter(key=key).update(
        # Both right-hand sides read the row as it was before this update.
        count=Case(expired, default=F("count") + 1),
        expires_at=Case(When(expires_at__lte=now, then=Value(ends)), default=F("expires_at")),
    )
    if not raise_count:
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
