"""The demo gives the coordinator and the instructor work to see: a grading backlog and
participants at risk, one who missed a deadline and one inactive."""

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
