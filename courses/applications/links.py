"""The signed links in an applicant's e-mails: confirming the address, and the application's
own page (status, withdrawal, answering an offer). No log-in is needed: the signature is the
key, and each link has a maximum age; an expired link leads to a page that sends a new one."""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse

from courses.models import Application

CONFIRM_SALT = "courses.applications.confirm"
STATUS_SALT = "courses.applications.status"
CONFIRM_MAX_AGE = dt.timedelta(days=7)
STATUS_MAX_AGE = dt.timedelta(days=365)


class LinkExpired(Exception):
    """Authentic but too old: ``application`` may ask for a new link."""

    def __init__(self, application: Application) -> None:
        super().__init__(application.pk)
        self.application = application


def confirm_token(application: Application) -> str:
    return signing.dumps(application.pk, salt=CONFIRM_SALT)


def status_token(application: Application) -> str:
    return signing.dumps(application.pk, salt=STATUS_SALT)


def absolute(name: str, token: str) -> str:
    return settings.SITE_URL + reverse(name, args=[token])


def _open(token: str, *, salt: str, max_age: dt.timedelta) -> Application:
    """The application a token names; ``signing.BadSignature`` for a forged or damaged token
    (or a deleted application), ``LinkExpired`` for an authentic one past ``max_age``."""
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        pk = signing.loads(token, salt=salt)
        application = Application.objects.filter(pk=pk).first()
        if application is None:
            raise signing.BadSignature("no such application") from None
        raise LinkExpired(application) from None
    application = Application.objects.select_related("cohort__program").filter(pk=pk).first()
    if application is None:
        raise signing.BadSignature("no such application")
    return application


def open_confirm_token(token: str) -> Application:
    return _open(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)


def open_status_token(token: str) -> Application:
    return _open(token, salt=STATUS_SALT, max_age=STATUS_MAX_AGE)


def any_token(token: str) -> Application:
    """The application behind an expired (or valid) link of either kind, for sending a new
    one; ``signing.BadSignature`` when it is not authentic."""
    for salt in (CONFIRM_SALT, STATUS_SALT):
        try:
            pk = signing.loads(token, salt=salt)
        except signing.BadSignature:
            continue
        application = Application.objects.select_related("cohort__program").filter(pk=pk).first()
        if application is not None:
            return application
    raise signing.BadSignature("not an application link")
