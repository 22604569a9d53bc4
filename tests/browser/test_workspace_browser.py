"""The workspace in a real browser: an instructor goes from home to the next ungraded
submission in one click; the homes and the progress matrix reflow at 200 % zoom."""

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.helpers import graded, release_grade, submit

pytestmark = [pytest.mark.browser]

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.django_db(transaction=True)
def test_an_instructor_goes_from_home_to_the_next_ungraded_submission_in_one_click(
    live_server: Any,
    database_tasks: None,  # uploads queue their tasks; no worker runs them here
    enrolled: Any,
    instructor: Any,
    assignment: Any,
    new_page: Any,
) -> None:
    waiting = graded(submit(enrolled, assignment))
    page = new_page()
    log_in(page, live_server.url, instructor)
    expect(page.locator("#backlog")).to_contain_text(assignment.title)
    page.get_by_role("button", name="Grade next").click()
    expect(page).to_have_url(
        f"{live_server.url}{reverse('submissions:grade', args=[waiting.pk])}?who=all"
    )
    expect(page.locator("#review-form")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_homes_and_the_matrix_reflow_at_200_percent(
    live_server: Any,
    enrolled: Any,
    other_enrolled: Any,
    cohort: Any,
    instructor: Any,
    program_coordinator: Any,
    assignment: Any,
    new_page: Any,
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "2")
    for user in (program_coordinator, instructor):
        page = new_page()
        # A 1280 px wide window at 200 % zoom lays out like a 640 px wide one.
        page.set_viewport_size({"width": 640, "height": 900})
        log_in(page, live_server.url, user)
        assert page.evaluate(OVERFLOW) <= 0, "no horizontal scrolling of the home page"
        if user == program_coordinator:
            # the cohorts' numbers scroll inside their own labelled region
            expect(page.get_by_role("region", name="What needs a decision in")).to_be_visible()
        page.goto(live_server.url + reverse("workspace:matrix", args=[cohort.pk]))
        expect(page.get_by_role("region", name="Modules × participants")).to_be_visible()
        assert page.evaluate(OVERFLOW) <= 0, "the matrix scrolls inside its own container"
        page.close()


@pytest.mark.django_db(transaction=True)
def test_the_coordinators_table_fits_a_phone(
    live_server: Any, cohort: Any, program_coordinator: Any, new_page: Any
) -> None:
    page = new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server.url, program_coordinator)
    region = page.get_by_role("region", name="What needs a decision in")
    expect(region).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0, "only the table's own region scrolls sideways"
    region.focus()  # reachable by keyboard, so it can be scrolled with the arrow keys
    expect(region).to_be_focused()
