"""Tandems in a real browser (docs/tandems.md): a senior, reading German, logs a meeting and
writes her reflection (the draft saves itself while she types) and hands it in; the coordinator
accepts it; her progress moves to "met". Each page is checked with axe on the way, in German
and in English, and the tandem's page reflows at 200 % zoom."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Cohort, Module, ProgressRecord, Tandem, TandemMeeting
from courses.services import enroll
from courses.tandems import services
from platform.models import User
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe_violations
from tests.helpers import make_user, pair_with_new_student

pytestmark = [pytest.mark.browser]

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def no_axe_violations(page: Any) -> None:
    report = axe_violations(page)
    assert not report, report


@pytest.mark.django_db(transaction=True)
def test_a_senior_logs_a_meeting_hands_in_a_reflection_and_the_coordinator_accepts_it(
    live_server: Any, cohort: Cohort, coordinator: User, new_page: Any
) -> None:
    module = Module.objects.create(
        program=cohort.program, title="Generationen im Tandem", tandem_meetings=2
    )
    senior = make_user("gisela", display_name="Gisela Brandt", preferred_language="de")
    enrollment = enroll(user=senior, cohort=cohort)
    tandem = pair_with_new_student(
        enrollment, module, email="sofia@example.org", name="Sofía García", by=coordinator
    )
    student = tandem.student
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.log_meeting(
        tandem=tandem,
        by=student,
        met_on=yesterday - dt.timedelta(days=7),
        minutes=60,
        topic="Mensa",
    )
    base = live_server.url

    page = new_page()
    page.set_viewport_size({"width": 640, "height": 900})  # 1280 px at 200 % zoom
    log_in(page, base, senior)
    page.goto(base + reverse("tandems:detail", args=[tandem.pk]))
    expect(page.locator("h1")).to_contain_text("Mein Tandem mit Sofía García")
    assert page.evaluate(OVERFLOW) <= 0, "the tandem's page reflows at 200 %"
    no_axe_violations(page)
    page.get_by_label("Datum").fill(yesterday.isoformat())
    page.get_by_label("Dauer (Minuten)").fill("90")
    page.get_by_label("Thema").fill("Zeche Zollern")
    page.get_by_label("Notiz").fill("Sofía mochte die Maschinenhalle.")
    page.get_by_role("button", name="Treffen eintragen").click()
    expect(page.locator("#meeting-count")).to_contain_text("2 von 2 Treffen")
    expect(page.locator("#meetings")).to_contain_text("Zeche Zollern")
    no_axe_violations(page)

    page.get_by_role("link", name="Reflexion schreiben").click()
    no_axe_violations(page)
    page.get_by_label("Ihre Reflexion").press_sequentially("Wir haben viel voneinander gelernt.")
    expect(page.locator("#draft-status")).to_contain_text("Entwurf um")  # saved while typing
    assert Tandem.objects.get(pk=tandem.pk).reflection.draft.startswith("Wir haben")
    page.get_by_role("button", name="Abgeben").click()
    expect(page.locator("#reflection-text")).to_contain_text("voneinander gelernt")
    no_axe_violations(page)
    record = ProgressRecord.objects.get(enrollment=enrollment).as_result()
    assert record.requirements[0].reason == "tandem_reflection_review"

    staff = new_page()
    log_in(staff, base, coordinator)
    staff.goto(base + reverse("tandems:cohort", args=[cohort.pk]))
    expect(staff.locator("#pairs")).to_contain_text("handed in, awaiting review")
    no_axe_violations(staff)
    staff.goto(base + reverse("tandems:reflections", args=[cohort.pk]))
    staff.get_by_role("link", name="Gisela Brandt").click()
    expect(staff.locator("#reflection-text")).to_contain_text("voneinander gelernt")
    no_axe_violations(staff)
    staff.get_by_label("passed").check()
    staff.get_by_label("Feedback for the participant").fill("Schön beschrieben.")
    staff.get_by_role("button", name="Save the grade").click()
    expect(staff.locator("#no-reflections, #reflections")).to_contain_text("passed")

    page.goto(base + reverse("home"))
    expect(page.locator("main")).to_contain_text(
        "Generationen im Tandem: 2 Tandem-Treffen eingetragen, Reflexion angenommen"
    )
    no_axe_violations(page)
    assert TandemMeeting.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_every_tandem_page_has_no_axe_violations_in_german(
    live_server: Any, cohort: Cohort, coordinator: User, instructor: User, new_page: Any
) -> None:
    """The English walk is tests/browser/test_accessibility.py; here the same pages in German."""
    module = Module.objects.create(
        program=cohort.program, title="Generationen im Tandem", tandem_meetings=2
    )
    senior = make_user("gisela", display_name="Gisela Brandt", preferred_language="de")
    tandem = pair_with_new_student(
        enroll(user=senior, cohort=cohort),
        module,
        email="sofia@example.org",
        name="Sofía García",
        by=coordinator,
    )
    services.log_meeting(
        tandem=tandem, by=senior, met_on=timezone.localdate(), minutes=60, topic="Mensa", note="n"
    )
    other = enroll(user=make_user("helga", preferred_language="de"), cohort=cohort)
    graded = pair_with_new_student(
        other, module, email="wei@example.org", name="Wei Chen", by=coordinator
    )
    services.submit_reflection(tandem=graded, by=other.user, text="Viel gelernt.")
    services.request_new_partner(tandem=graded, by=other.user, reason="Andere Zeiten")
    for user in (coordinator, instructor):
        user.preferred_language = "de"
        user.save(update_fields=["preferred_language"])
    pages = {
        senior: [
            ("tandems:mine", ()),
            ("tandems:profile", ()),
            ("tandems:detail", (tandem.pk,)),
            ("tandems:reflection", (tandem.pk,)),
        ],
        instructor: [("tandems:reflections", (cohort.pk,)), ("tandems:grade", (graded.pk,))],
        coordinator: [
            ("tandems:cohort", (cohort.pk,)),
            ("tandems:proposal", (cohort.pk,)),
            ("tandems:detail", (graded.pk,)),
        ],
    }
    for user, urls in pages.items():
        page = new_page()
        log_in(page, live_server.url, user)
        for name, args in urls:
            page.goto(live_server.url + reverse(name, args=args))
            assert page.locator("html").get_attribute("lang") == "de", name
            no_axe_violations(page)
        page.close()
    invitation = services.invite_student(
        cohort=cohort,
        email="lucas@example.org",
        full_name="Lucas",
        language="de",
        invited_by=coordinator,
    )
    page = new_page(locale="de-DE")
    page.goto(live_server.url + reverse("tandems:join", args=[invitation.token]))
    expect(page.locator("#set-password-form")).to_be_visible()
    no_axe_violations(page)
