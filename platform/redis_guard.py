"""When the configured Redis (``REDIS_URL``) does not answer, say why instead of a bare 500
(docs/operations.md, "Fault drills").

Redis holds the cache and every rate-limit counter (log-in throttling, allauth's limits, the
verification endpoint's throttle). Without it those limits cannot be counted, and counting them
nowhere would switch brute-force protection off silently; falling back to the database behind
the operator's back would split the counters between two stores. So a request that needs Redis
while it is down gets a 503 with the reason and ``Retry-After``, the error is logged with the
request id, and ``/readyz`` takes the process out of rotation until Redis is back. Pages that do
not count anything (a participant's results, uploads, grading) keep working.
"""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class RedisUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RedisConnectionError | RedisTimeoutError):
            return None
        logger.error("Redis (REDIS_URL) does not answer: %s", exception)
        response = HttpResponse(
            _(
                "This part of the platform is unavailable for a moment: its shared cache "
                "(Redis) does not answer. Nothing you sent was stored. Please try again in a "
                "minute."
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
