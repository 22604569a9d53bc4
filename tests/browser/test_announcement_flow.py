"""A coordinator announces something to a cohort in the browser; the participant finds it on
their home page (and dismisses it there) and has it in their mailbox, in their language."""

from typing import Any

import pytest
from django.urls import reverse

from courses.models import Cohort
from platform.models import OutgoingMail, User
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_announces_and_the_participant_reads_it(
    live_server: Any, new_page: Any, cohort: Cohort, coordinator: User, enrolled: User,
    other_enrolled: User, mailoutbox: Any,
) -> None:  # fmt: skip
    from playwright.sync_api import expect

    other_enrolled.preferred_language = "de"
    other_enrolled.save(update_fields=["preferred_language"])
    base = live_server.url
    page = new_page()
    log_in(page, base, coordinator)
    page.goto(base + reverse("communication:cohort", args=[cohort.pk]))
    page.fill("#id_title", "Room change")
    page.fill("#id_body", "From today we meet in **E23**.")
    page.get_by_label("Markdown").check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(base + reverse("communication:cohort", args=[cohort.pk]))
    expect(page.locator(".messages")).to_contain_text("sent to 2 people")
    expect(page.locator("#announcement-history tbody tr")).to_have_count(1)
    assert axe_violations(page) == ""

    reader = new_page()
    log_in(reader, base, enrolled)
    announcement = reader.locator("#announcements article")
    expect(announcement).to_contain_text("Room change")
    expect(announcement.locator("strong")).to_have_text("E23")
    expect(announcement).to_contain_text("From Cora Coordinator")
    assert axe_violations(reader) == ""
    # Dismissed with the keyboard (htmx swaps it out), and gone after a reload too.
    announcement.get_by_role("button", name="Dismiss").focus()
    reader.keyboard.press("Enter")
    expect(reader.locator("#announcements article")).to_have_count(0)
    reader.reload()
    expect(reader.locator("#announcements")).to_have_count(0)

    mails = {m.to[0]: m for m in mailoutbox}
    assert "Room change" in mails[enrolled.email].subject
    assert "From today we meet in **E23**." in mails[enrolled.email].body
    assert "sendet diese Ankündigung" in mails[other_enrolled.email].body
    assert OutgoingMail.objects.filter(sent_at__isnull=False).count() == 2
