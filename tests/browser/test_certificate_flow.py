"""From "last grade released" to "certificate verified", in a real browser: the instructor
releases the last grade, the participant finds the certificate on their page and opens its
public verification page, which says valid; a coordinator revokes it on the cohort's
certificate screen, and the same verification page then says revoked, with the date."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from courses.models import Certificate
from submissions.intake.services import submit_attempt
from submissions.models import Submission
from tests.browser.conftest import log_in
from tests.helpers import participant_notebook, upload_file

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_from_the_last_released_grade_to_a_verified_then_revoked_certificate(
    live_server: Any,
    enrolled: Any,
    instructor: Any,
    coordinator: Any,
    assignment: Any,
    cohort: Any,
    new_page: Any,
) -> None:
    base = live_server.url
    # The participant's attempt is autograded (tasks run at once in tests); only the manually
    # graded answer and the release are left, and that release is the program's last grade.
    submit_attempt(
        participant=enrolled,
        enrollment=enrolled.enrollments.get(),
        assignment=assignment,
        upload=upload_file(participant_notebook()),
    )
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.GRADED
    assert not Certificate.objects.exists()

    # The instructor grades the manual answer and releases the grade in the UI.
    grader = new_page()
    log_in(grader, base, "ines")
    grader.goto(base + reverse("submissions:grade", args=[submission.pk]))
    grader.fill("input[name=points__explain]", "2")
    grader.get_by_role("button", name="Save review").click()
    expect(grader.locator("#review-state")).to_have_text("draft")
    grader.get_by_role("button", name="Release grade to participant").click()
    expect(grader.locator("#review-state")).to_have_text("released")

    # The participant finds the certificate on their page.
    certificate = Certificate.objects.get()
    page = new_page()
    log_in(page, base, "ada")
    page.locator(f"a[href='{reverse('courses:certificate', args=[certificate.code])}']").click()
    expect(page.locator("#certificate-code")).to_have_text(certificate.code)
    verify_url = page.locator("#verify-link").get_attribute("href")
    assert verify_url.endswith(f"/verify/{certificate.code}/")

    # Anyone verifies it by its code, without logging in.
    visitor = new_page()
    visitor.goto(base + reverse("verify-lookup"))
    visitor.fill("#code", certificate.code.replace("-", "").lower())
    visitor.get_by_role("button", name="Verify").click()
    expect(visitor.locator("#verification")).to_contain_text("This certificate is valid.")
    expect(visitor.locator("#holder")).to_have_text("Ada Lovelace")
    visitor.goto(verify_url)
    expect(visitor.locator("#verification")).to_have_attribute("data-status", "issued")

    # The coordinator revokes it on the cohort's certificate screen, with reason and confirmation.
    office = new_page()
    log_in(office, base, "cora")
    office.goto(base + reverse("certificates:cohort", args=[cohort.pk]))
    row = office.locator(f"tr[data-certificate='{certificate.pk}']")
    expect(row).to_contain_text("Ada Lovelace")
    expect(row).to_contain_text("valid")
    row.get_by_role("link", name="Revoke…").click()
    office.get_by_role("button", name="Revoke certificate").click()
    # The browser's own validation keeps an empty form from being sent; nothing changed.
    certificate.refresh_from_db()
    assert certificate.status == "issued"
    office.fill("textarea[name=reason]", "Plagiarism found in the capstone project")
    office.check("input[name=confirm]")
    office.get_by_role("button", name="Revoke certificate").click()
    office.wait_for_url(base + reverse("certificates:cohort", args=[cohort.pk]))
    expect(office.locator(".messages")).to_contain_text(f"Certificate {certificate.code} revoked.")
    expect(office.locator(f"tr[data-certificate='{certificate.pk}']")).to_have_attribute(
        "data-status", "revoked"
    )

    # The same verification page now says revoked, with the date.
    certificate.refresh_from_db()
    with translation.override("en"):
        date = formats.date_format(timezone.localtime(certificate.revoked_at), "DATE_FORMAT")
    visitor.reload()
    expect(visitor.locator("#verification")).to_have_attribute("data-status", "revoked")
    expect(visitor.locator("#verification")).to_contain_text(
        f"This certificate was revoked on {date}."
    )
    assert "Plagiarism" not in visitor.content()
