"""A small per-address rate limit for public pages (certificate verification).

It counts through ``platform.ratelimit``, in the store every server process shares.

The HTML views use the ``throttled`` decorator; the REST API's ``SharedThrottle`` counts on
the same counter, so the page, the status document, the credential check and the API share one
budget per address: adding an endpoint adds no guessing capacity.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platform.ratelimit import client_address, hit

# The budget of every public verification endpoint, per address and minute.
VERIFY_PER_MINUTE = 30


def over_limit(scope: str, request: HttpRequest, *, per_minute: int) -> bool:
    """Count this request; True once the address has made more than ``per_minute`` requests
    in the current minute.

    Counting per address and minute in the cache is enough to make guessing certificate codes
    (60 bits each) hopeless while a person checking a few certificates is never slowed down.
    """
    count = hit(f"throttle:{scope}:{client_address(request)}", window=60)
    return count.count > per_minute


def throttled(
    scope: str, *, per_minute: int
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Answer 429 once an address has made ``per_minute`` requests in the current minute."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if over_limit(scope, request, per_minute=per_minute):
                response = render(request, "429.html", status=429)
                response["Retry-After"] = "60"
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
