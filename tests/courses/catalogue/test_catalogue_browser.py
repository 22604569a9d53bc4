"""The catalogue in chromium: filters by keyboard, updated in place with htmx (the address
follows), and the page's language switch."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Institution, Program
from tests.browser.conftest import browser, new_page  # noqa: F401 - fixtures of the browser tests
from tests.helpers import make_cohort, make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _offer(program: Program) -> None:
    today = timezone.localdate()
    cohort = make_cohort(
        program, starts_on=today + dt.timedelta(days=60), ends_on=today + dt.timedelta(days=200)
    )
    cohort.applications_open = True
    cohort.save(update_fields=["applications_open"])


def test_a_visitor_filters_by_keyboard_and_switches_the_language(
    live_server: Any,
    new_page: Any,  # noqa: F811 - the imported fixture
) -> None:
    _offer(make_program())
    rub = Institution.objects.create(name="Ruhr University Bochum", short_name="RUB", slug="rub")
    lean = make_program(institution=rub, slug="lean", title="Lean Management in der Lernfabrik")
    lean.language = "de"
    lean.save(update_fields=["language"])
    _offer(lean)
    page = new_page(locale="en-GB")
    page.goto(live_server.url + reverse("catalogue:list"))
    assert page.locator(".catalogue-program").count() == 2
    page.focus("#id_institution")
    page.keyboard.press("ArrowDown")  # htmx swaps the results on "change"
    page.keyboard.press("ArrowDown")
    page.wait_for_url("**institution=rub**")
    page.wait_for_function("document.querySelectorAll('.catalogue-program').length === 1")
    assert "Lean Management" in page.inner_text("#catalogue-results")
    page.click("#program-lean a")
    assert page.get_attribute("html", "lang") == "de"  # the program's language
    page.click("#page-language button")
    assert page.get_attribute("html", "lang") == "en"
    assert page.url.endswith(reverse("catalogue:program", args=["lean"]))
    assert "Dates and applications" in page.inner_text("main")
