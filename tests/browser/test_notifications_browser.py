"""A released grade under the bell, in a real browser: the instructor releases, the
participant sees the bell's count, opens the notification and lands on the submission, which
is then read (the bell says so)."""

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from submissions.models import Submission
from tests.browser.conftest import log_in
from tests.helpers import graded, keep_program_incomplete, submit

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_a_participant_follows_the_bell_from_a_released_grade_to_the_submission(
    live_server: Any, enrolled: Any, instructor: Any, assignment: Any, new_page: Any
) -> None:
    base = live_server.url
    keep_program_incomplete(assignment)
    submission: Submission = graded(submit(enrolled, assignment))

    grader = new_page()
    log_in(grader, base, "ines")
    grader.goto(base + reverse("submissions:grade", args=[submission.pk]))
    grader.fill("input[name=points__explain]", "2")
    grader.get_by_role("button", name="Save review").click()
    expect(grader.locator("#review-state")).to_have_text("draft")
    grader.get_by_role("button", name="Release grade to participant").click()
    expect(grader.locator("#review-state")).to_have_text("released")

    page = new_page()
    log_in(page, base, "ada")
    bell = page.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    expect(page.locator("#nav-notifications .bell-count")).to_have_text("1")
    bell.click()
    expect(page).to_have_url(base + reverse("notifications:list"))
    page.get_by_role("link", name=f"Your grade for “{assignment.title}” has been released.").click()
    expect(page).to_have_url(base + reverse("submissions:detail", args=[submission.pk]))
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
