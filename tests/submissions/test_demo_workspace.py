"""The demo gives the coordinator and the instructor work to see: a grading backlog and
participants at risk, one who missed a deadline and one inactive."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from courses.models import Cohort, Enrollment
from courses.risk import risks_for
from platform.models import User
from tests.helpers import log_in


@pytest.mark.django_db
def test_the_demo_has_a_backlog_and_participants_at_risk(client: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # idempotent
    cohort = Cohort.objects.filter(program__slug="ml-data-science").order_by("starts_on").first()
    assert cohort is not None
    enrollments = list(Enrollment.objects.filter(cohort=cohort).select_related("cohort__program"))
    risks = risks_for(enrollments, now=timezone.now())
    by_user = {r.enrollment.user.username: {x.code for x in r.reasons} for r in risks.values()}
    assert "missed_deadline" in by_user["nina.kowalski"]
    assert "inactive" in by_user["paul.richter"]
    assert "missed_deadline" not in by_user["tobias.keller"]

    log_in(client, User.objects.get(username="j.hoffmann"))
    soup = BeautifulSoup(client.get(reverse("home")).content, "html.parser")
    rows = soup.select("#backlog tbody tr")
    assert rows and all(int(r.select("td")[0].get_text()) == 5 for r in rows)

    log_in(client, User.objects.get(username="k.vogel"))
    soup = BeautifulSoup(client.get(reverse("home")).content, "html.parser")
    at_risk = soup.select_one(f"#cohort-numbers-{cohort.pk} [data-number=at_risk]")
    assert int(at_risk["data-count"]) >= 2
    waiting = soup.select_one(f"#cohort-numbers-{cohort.pk} [data-number=to_grade]")
    assert int(waiting["data-count"]) >= 5


@pytest.mark.django_db
def test_the_demo_has_a_deadline_reminder_the_worker_sends_soon(client: Any) -> None:
    from courses.communication.reminders import send_deadline_reminders
    from courses.models import Assignment, DeadlineMail

    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # idempotent: one exercise, one setting
    [exercise] = Assignment.objects.filter(slug="kurzuebung-daten-bereinigen")
    assert exercise.due_at is not None
    assert timezone.now() < exercise.due_at <= timezone.now() + dt.timedelta(days=3)
    program = exercise.module.program
    active = Enrollment.objects.filter(
        cohort__program=program, status=Enrollment.Status.ACTIVE
    ).count()
    assert active > 0

    log_in(client, User.objects.get(username="k.vogel"))
    url = reverse("communication:program", args=[program.slug])
    row = BeautifulSoup(client.get(url).content, "html.parser").select_one(
        f"#upcoming-reminders [data-assignment='{exercise.pk}']"
    )
    assert row is not None  # the coordinator sees it coming
    assert int(row.select_one("[data-count=not_handed_in]").get_text()) == active
    assert row.select_one("[data-count=sent]").get_text(strip=True) == "0"

    # The worker's job, run right after bin/run, sends it to everyone who has not handed in.
    assert send_deadline_reminders() >= active
    assert DeadlineMail.objects.filter(assignment=exercise).count() == active
    row = BeautifulSoup(client.get(url).content, "html.parser").select_one(
        f"#upcoming-reminders [data-assignment='{exercise.pk}']"
    )
    assert row.select_one("[data-count=sent]").get_text(strip=True) == str(active)
    # It counts toward no certificate: the published policy has no rule for its module.
    assert not exercise.module.policy_rules.exists()
