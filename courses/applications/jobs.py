"""Periodic job of applications (``platform.schedule``): offers from the wait list that were
not answered in time expire, and their places go to the next in line."""

from datetime import timedelta

from courses.applications.services import expire_offers
from platform.schedule import periodic


@periodic("expire-application-offers", every=timedelta(minutes=15))
def expire_application_offers() -> int:
    return expire_offers()
