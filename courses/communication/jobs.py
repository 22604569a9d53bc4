"""Periodic job of communication (``platform.schedule``): deadline reminders."""

from datetime import timedelta

from courses.communication.reminders import send_deadline_reminders
from platform.schedule import periodic


@periodic("deadline-reminders", every=timedelta(minutes=15))
def deadline_reminders() -> int:
    return send_deadline_reminders()
