"""An applicant applies with the keyboard, confirms the address from the e-mail, a
coordinator admits them from the home page's link, and the applicant follows the invitation,
sets a password and hands in a first notebook (Debian's chromium through Playwright)."""

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses.models import Application, Assignment, Cohort, Enrollment
from platform.models import PrivacyNotice, User
from submissions.models import Submission
from tests.browser.conftest import log_in
from tests.browser.test_end_to_end import choose_file
from tests.helpers import participant_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_an_applicant_applies_is_admitted_and_hands_in_a_first_notebook(
    live_server: Any,
    new_page: Any,
    cohort: Cohort,
    assignment: Assignment,
    coordinator: User,
    settings: Any,
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
    log_in(office, base, coordinator)
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

    # The invitation: a one-time link where the new participant sets a password and lands on
    # the program's page, then hands in a first notebook.
    invitation = next(
        m for m in mail.outbox if m.to == ["ada@example.com"] and "/invitations/" in m.body
    )
    link = re.search(r"http\S+/invitations/\S+/", invitation.body)
    assert link is not None
    applicant.goto(link.group(0))
    applicant.fill("#id_new_password1", "a long enough passphrase 42")
    applicant.fill("#id_new_password2", "a long enough passphrase 42")
    applicant.locator("#set-password-form button[type=submit]").click()
    applicant.wait_for_url(base + reverse("courses:program", args=[cohort.program.slug]))
    assert Enrollment.objects.get(user__email="ada@example.com").status == "active"
    applicant.get_by_role("link", name=assignment.title).click()
    choose_file(applicant, "squares.ipynb", participant_notebook())
    applicant.get_by_role("button", name="Upload and grade").click()
    applicant.wait_for_url("**/submissions/*/")
    submission = Submission.objects.get()
    assert submission.enrollment.user.email == "ada@example.com"
    # The link worked once.
    applicant.goto(link.group(0))
    assert applicant.locator("#link-unusable").is_visible()
