"""A coordinator bulk-enrols 30 people from a file with two bad rows: the dry run shows them, one
confirmation invites the other 28; then an invited person follows the link and sets a password.
The coordinator logs in through the log-in page with the second factor their role needs."""

from typing import Any

import pytest
from django.urls import reverse

from courses.models import Cohort, Enrollment
from platform.mail import deliver_due_mail
from platform.models import OutgoingMail, User
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in_page(new_page: Any, base: str, user: User) -> Any:
    page = new_page()
    log_in(page, base, user)
    return page


def people_file() -> bytes:
    lines = ["Name;E-Mail;Sprache;Organisation"]
    lines += [f"Teilnehmende {i};person{i}@example.org;de;Firma {i % 3}" for i in range(28)]
    lines += ["Kaputt;keine-adresse;de;", "Doppelt;person3@example.org;de;"]
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


def test_a_coordinator_bulk_enrols_30_people_with_two_bad_rows(
    live_server: Any, new_page: Any, cohort: Cohort, coordinator: User
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    page = logged_in_page(new_page, base, coordinator)
    page.goto(base + reverse("home"))
    page.locator(f"#bulk-link-{cohort.pk}").click()
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "teilnehmende.csv", "mimeType": "text/csv", "buffer": people_file()}],
    )
    page.get_by_role("button", name="Dry run").click()

    rows = page.locator("#dry-run tbody tr")
    expect(rows).to_have_count(30)
    expect(page.locator("#dry-run tr[data-outcome=new_account]")).to_have_count(28)
    expect(page.locator("#dry-run tr[data-outcome=bad_email]")).to_contain_text("keine-adresse")
    expect(page.locator("#dry-run tr[data-outcome=duplicate]")).to_contain_text("Doppelt")
    assert not Enrollment.objects.exists()
    assert axe_violations(page) == ""

    page.get_by_role("button", name="Invite 28 people").click()
    page.wait_for_url(base + reverse("enrolment:cohort", args=[cohort.pk]))
    expect(page.locator(".messages")).to_contain_text("28 people are invited")
    expect(page.locator("#enrolments [data-state=invited]")).to_have_count(28)
    assert Enrollment.objects.filter(cohort=cohort, status="invited").count() == 28
    assert OutgoingMail.objects.count() == 28
    assert deliver_due_mail() == 28  # what the worker does every minute

    # One of them follows the link, sets a password and lands on the program's page.
    mail = OutgoingMail.objects.get(to="person5@example.org")
    link = next(line for line in mail.body.splitlines() if "/invitations/" in line)
    path = link[link.index("/invitations/") :].strip()
    person = new_page()
    person.goto(base + path)
    person.fill("#id_new_password1", "ein langes Passwort 2026")
    person.fill("#id_new_password2", "ein langes Passwort 2026")
    person.locator("#set-password-form button[type=submit]").click()
    person.wait_for_url(base + reverse("courses:program", args=[cohort.program.slug]))
    assert Enrollment.objects.get(user__email="person5@example.org").status == "active"


def test_an_invited_person_accepts_and_waits_for_the_fee(
    live_server: Any, new_page: Any, cohort: Cohort
) -> None:
    """The page after accepting when the fee comes first (reached only by the form's POST, so
    it is checked with axe here rather than in the walk)."""
    from decimal import Decimal

    from playwright.sync_api import expect

    from courses.enrolment import services
    from courses.models import FeeRequirement

    cohort.fee = Decimal("450")
    cohort.save(update_fields=["fee"])
    cohort.program.fee_required = FeeRequirement.ADMISSION
    cohort.program.save(update_fields=["fee_required"])
    invited = services.invite(cohort=cohort, email="fee@example.org", full_name="Fee Person")
    page = new_page()
    page.goto(live_server.url + reverse("enrolment:accept", args=[invited.token]))
    expect(page.locator("#fee-first")).to_contain_text("450")
    page.fill("#id_new_password1", "a long enough passphrase 42")
    page.fill("#id_new_password2", "a long enough passphrase 42")
    page.locator("#set-password-form button[type=submit]").click()
    expect(page.locator("#fee-pending")).to_contain_text("once the fee")
    assert axe_violations(page) == ""
    assert Enrollment.objects.get(pk=invited.enrollment.pk).status == "invited"
