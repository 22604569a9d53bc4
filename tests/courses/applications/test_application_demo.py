"""The demo has applications to screen, in both languages and every state."""

from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from courses.demo import catalog
from courses.demo.applications import PROGRAM
from courses.models import Application, Cohort, Enrollment
from platform.models import OutgoingMail

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_cohort_with_applications_in_every_state(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())
    cohort = Cohort.objects.get(program__slug=PROGRAM, applications_open=True)
    states = Counter(Application.objects.filter(cohort=cohort).values_list("status", flat=True))
    assert states == {
        "submitted": 6,
        "admitted": 2,
        "waitlisted": 2,
        "offered": 1,
        "rejected": 1,
        "unconfirmed": 1,
    }
    assert set(Application.objects.values_list("language", flat=True)) == {"de", "en"}
    # The mails are records only: nothing went out to the demo's addresses.
    assert mail.outbox == []
    assert not OutgoingMail.objects.due().exists()
    # The applicants are people of their own: no coordinator or instructor of the demo is one.
    staff = [u.username for u in catalog.DEMO_USERS if u.role != catalog.Role.PARTICIPANT]
    assert not Enrollment.objects.filter(user__username__in=staff).exists()
    # Loading again changes nothing.
    call_command("load_demo", stdout=StringIO())
    assert Application.objects.count() == 13
