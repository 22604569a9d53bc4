"""The home page's progress section at 200 % zoom and through the accessibility tree."""

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.helpers import release_grade

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_the_checklist_reflows_at_200_percent_and_names_its_status_in_words(
    live_server: Any, enrolled: Any, assignment: Any, new_page: Any
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "2")
    page = new_page()
    # A 1280 px wide window at 200 % zoom lays out like a 640 px wide one.
    page.set_viewport_size({"width": 640, "height": 900})
    log_in(page, live_server.url, enrolled)

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "no horizontal scrolling at 200 % zoom"
    bar = page.get_by_role("progressbar", name="0 of 1 requirements met")
    expect(bar).to_have_attribute("value", "0")
    card = page.get_by_role("region", name="Machine Learning in Data Science")
    expect(card.get_by_role("heading", name="Requirements", level=4)).to_be_visible()
    item = card.get_by_role("listitem").filter(has_text="Foundations")
    expect(item.first).to_have_text("Missing: Foundations: 40.0 % < pass mark 50 %")
