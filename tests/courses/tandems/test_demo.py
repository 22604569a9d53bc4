"""The demo's tandems (courses/demo/tandems.py): seniors paired with students, meetings logged,
one reflection accepted, one waiting, one open request; accepting the
waiting one earns Gisela her certificate; loading twice changes nothing."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from courses.models import Certificate, PartnerRequest, ProgressRecord, Tandem, TandemMeeting
from platform.models import User
from tests.helpers import log_in


@pytest.mark.django_db
def test_the_demo_runs_tandems_and_the_certificate_can_be_earned(client: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    counts = (Tandem.objects.count(), TandemMeeting.objects.count())
    call_command("load_demo", stdout=StringIO())  # idempotent
    assert (Tandem.objects.count(), TandemMeeting.objects.count()) == counts == (3, 10)
    assert PartnerRequest.objects.open().get().requested_by.username == "werner.schulz"
    helga = Tandem.objects.get(senior__user__username="helga.wagner")
    assert helga.reflection_state == "accepted"
    standing = (
        ProgressRecord.objects.get(enrollment=helga.senior).as_result().module(helga.module_id)
    )
    assert standing is not None and standing.reason == "tandem_met"
    assert not Certificate.objects.filter(program__slug="seniorenstudium").exists()

    gisela = Tandem.objects.get(senior__user__username="gisela.brandt")
    assert gisela.reflection_state == "submitted"
    coordinator = User.objects.get(username="k.vogel")
    log_in(client, coordinator)
    page = client.get(reverse("tandems:proposal", args=[gisela.cohort_id])).text
    assert "Ursula Klein" in page and "beide mögen photography" in page  # k.vogel reads German
    response = client.post(reverse("tandems:grade", args=[gisela.pk]), {"decision": "pass"})
    assert response.status_code == 302
    assert ProgressRecord.objects.get(enrollment=gisela.senior).complete
    assert Certificate.objects.issued().filter(user__username="gisela.brandt").exists()
