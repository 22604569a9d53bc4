"""An applicant applies with the keyboard, confirms the address from the e-mail, and a
coordinator admits them from the home page's link (Debian's chromium through Playwright)."""

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses.models import Application, Cohort, Enrollment
from platform.models import PrivacyNotice, User
from tests.browser.test_end_to_end import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_an_applicant_applies_confirms_and_is_admitted(
    live_server: Any, new_page: Any, cohort: Cohort, coordinator: User, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    # The migration's notice, unless an earlier test's flush (transaction=True) removed it.
    PrivacyNotice.objects.get_or_create(
        version="1", defaults={"text_en": "How we use your data.", "text_de": "Wie wir sie nutzen."}
    )
    cohort.applications_open = True
    cohort.application_deadline = timezone.localdate() + dt.timedelta(days=30)
    cohort.capacity = 10
    cohort.save(update_fields=["applications_open", "application_deadline", "capacity"])
    base = live_server.url

    applicant = new_page()
    applicant.goto(base + reverse("applications:apply", args=[cohort.pk]))
    applicant.locator("#id_full_name").focus()
    applicant.keyboard.type("Ada Applicant")
    for field, text in (
        ("email", "ada@example.com"),
        ("organisation", "Acme"),
        ("prior_knowledge", "Statistics"),
        ("motivation", "I want to learn."),
    ):
        applicant.keyboard.press("Tab")
        assert applicant.evaluate("document.activeElement.name") == field
        applicant.keyboard.type(text)
    applicant.locator("#id_consent").focus()
    applicant.keyboard.press("Space")
    applicant.locator("#application-form button[type=submit]").focus()
    with applicant.expect_navigation():
        applicant.keyboard.press("Enter")
    assert applicant.url == base + reverse("applications:sent", args=[cohort.pk])

    link = re.search(r"http\S+/applications/confirm/\S+/", mail.outbox[-1].body)
    assert link is not None
    applicant.goto(link.group(0))
    assert "to be screened" in applicant.locator("#status-value").inner_text()

    office = new_page()
    log_in(office, base, coordinator.username)
    office.get_by_role("link", name="Applications (1 to screen)").click()
    office.get_by_role("link", name="Ada Applicant").click()
    office.locator("details:has(#decide-admit) summary").click()
    assert "Ada Applicant" in office.locator("#id_admit_message").input_value()
    office.locator("#decide-admit button[type=submit]").click()
    office.wait_for_url(base + reverse("applications:screening", args=[cohort.pk]))

    application = Application.objects.get()
    assert application.status == Application.Status.ADMITTED
    assert Enrollment.objects.get(user__email="ada@example.com").status == "invited"
    applicant.reload()
    assert "admitted" in applicant.locator("#status-value").inner_text()
