"""Request types for views, so a view's signature says what it may rely on."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from platform.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User
