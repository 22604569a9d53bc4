"""The platform's own periodic jobs (``platform.schedule``)."""

from datetime import timedelta

from platform.mail import deliver_due_mail
from platform.schedule import periodic


@periodic("deliver-due-mail", every=timedelta(minutes=1))
def deliver_mail() -> int:
    return deliver_due_mail()
