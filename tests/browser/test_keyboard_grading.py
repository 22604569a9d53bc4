"""An instructor works the grading queue with the keyboard alone: moves through the queue,
opens a submission, scores it, marks it ready and releases it."""

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from courses.models import Grade
from submissions.models import Review
from tests.browser.conftest import log_in
from tests.helpers import graded, submit

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_an_instructor_grades_and_releases_with_the_keyboard(
    live_server: Any,
    database_tasks: None,  # uploads queue their tasks; no worker runs them here
    enrolled: Any,
    other_enrolled: Any,
    instructor: Any,
    assignment: Any,
    new_page: Any,
) -> None:
    ada = graded(submit(enrolled, assignment))
    grace = graded(submit(other_enrolled, assignment))
    base = live_server.url
    page = new_page()
    log_in(page, base, "ines")
    page.goto(base + reverse("submissions:queue"))
    rows = page.locator("[data-queue-row]")
    expect(rows).to_have_count(2)

    # j / k move the selection; Enter opens the selected row.
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_attribute("aria-current", "true")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_attribute("aria-current", "true")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_attribute("aria-current", "true")
    expect(rows.nth(1)).not_to_have_attribute("aria-current", "true")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('submissions:grade', args=[ada.pk])}*")
    expect(page.locator("#lease")).to_contain_text("You are grading this submission")

    # Typing in a field is typing, never a shortcut.
    page.locator("input[name=points__explain]").focus()
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("Clear, and the sign rule is right.")
    page.locator("textarea[name=feedback]").focus()
    page.keyboard.type("Nicely reasoned.")
    expect(page.locator("textarea[name=feedback]")).to_have_value("Nicely reasoned.")
    assert not Review.objects.exists()

    # Out of the field, r saves and marks the review ready.
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("r")
    expect(page.locator("#review-state")).to_have_text("ready for release")
    review = Review.objects.get(submission=ada)
    assert review.state == "ready" and review.feedback == "Nicely reasoned."

    # n saves and moves on to the next ungraded submission (Grace's).
    page.keyboard.press("n")
    page.wait_for_url(f"**{reverse('submissions:grade', args=[grace.pk])}*")
    expect(page.locator("h1")).to_contain_text("Grace Hopper")

    # Release: the assignment's ready reviews, confirmed with the keyboard.
    page.goto(base + reverse("submissions:release-ready", args=[assignment.pk]))
    expect(page.locator("#release-summary")).to_contain_text("1 participant")
    page.locator("#release-to-n").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Released to 1 participant.")
    review.refresh_from_db()
    assert review.state == "released"
    assert Grade.objects.get().points == review.total_points
