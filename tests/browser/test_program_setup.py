"""A coordinator sets up a new program in the browser: its texts, three modules, a grading
policy (watching the live preview change as a pass mark is typed, with an elective group added
in the editor's blank row), published; then a cohort,
copied to the next year after a look at the shifted dates."""

from typing import Any

import pytest
from django.urls import reverse

from courses.models import Cohort, GradingPolicy, Institution, Program
from platform.models import User
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_sets_up_a_program_and_copies_a_cohort(
    live_server: Any, new_page: Any, coordinator: User, instructor: User
) -> None:
    from playwright.sync_api import expect

    institution = Institution.objects.create(name="FH Beispiel", short_name="FHB", slug="fhb")
    base = live_server.url
    page = new_page()
    log_in(page, base, coordinator)
    page.goto(base + reverse("setup:index"))
    page.locator("#new-program").click()
    page.fill("#id_title", "Data Engineering")
    page.fill("#id_title_de", "Datentechnik")
    page.fill("#id_slug", "data-engineering")
    page.fill("#id_audience", "professionals")
    page.select_option("#id_institution", str(institution.pk))
    page.locator("#program-form button[type=submit]").click()
    program = Program.objects.get(slug="data-engineering")
    expect(page.locator("#setup-modules")).to_be_visible()

    for title, kind in (
        ("Pipelines", "required"),
        ("Streaming", "required"),
        ("Project", "capstone"),
    ):
        page.fill("#id_title", title)
        page.select_option("#id_kind", kind)
        page.locator("#id_title").press("Enter")  # the keyboard sends the form
        expect(page.locator("#setup-modules tbody")).to_contain_text(title)
    assert list(program.modules.values_list("title", flat=True)) == [
        "Pipelines",
        "Streaming",
        "Project",
    ]

    page.goto(base + reverse("setup:policy", args=[program.pk]))
    page.locator("#draft-form button").click()
    expect(page.locator("#policy-rules")).to_contain_text(
        "Pass the module “Pipelines” with at least 50 %."
    )
    streaming = program.modules.get(title="Streaming")
    page.fill(f"#id_mark_{streaming.pk}", "65")
    expect(page.locator("#policy-rules")).to_contain_text("“Streaming” with at least 65 %.")
    expect(page.locator("#policy-met")).to_be_visible()
    # An elective group in the blank row, saved; then two modules join it.
    page.fill("#id_groups-0-key", "tracks")
    page.fill("#id_groups-0-title", "Tracks")
    page.fill("#id_groups-0-required", "2")
    page.locator("#policy-form button[type=submit]").click()
    expect(page.locator("#id_groups-1-key")).to_be_visible()  # a new blank row to add another
    pipelines = program.modules.get(title="Pipelines")
    for module in (pipelines, streaming):
        page.select_option(f"#id_role_{module.pk}", "elective")
        page.select_option(f"#id_group_{module.pk}", "tracks")
    expect(page.locator("#policy-rules")).to_contain_text(
        "Pass 2 electives of “Tracks” (“Pipelines”, “Streaming”)"
    )
    expect(page.locator("#policy-met")).to_be_visible()
    page.fill("#id_groups-0-required", "3")
    expect(page.locator("#policy-unmet")).to_contain_text("asks for 3 modules but has 2")
    page.fill("#id_groups-0-required", "2")
    expect(page.locator("#policy-met")).to_be_visible()
    page.locator("#policy-form button[type=submit]").click()
    expect(page.locator(f"#id_group_{streaming.pk}")).to_have_value("tracks")
    page.locator("#publish-form button").click()
    expect(page.locator("#policy-versions")).to_contain_text("Version 1")
    assert GradingPolicy.objects.get(program=program).is_published

    page.goto(base + reverse("setup:cohort-new", args=[program.pk]))
    page.fill("#id_name", "2027")
    page.fill("#id_starts_on", "2027-03-01")
    page.fill("#id_ends_on", "2027-12-31")
    page.fill("#id_instructors_text", f"{instructor.email} 1")
    page.locator("#cohort-form button[type=submit]").click()
    page.locator("#copy-cohort").click()
    page.fill("#id_name", "2028")
    page.fill("#id_starts_on", "2028-03-01")
    page.locator("#copy-form button.primary").click()
    expect(page.locator("#shifted-dates")).to_be_visible()
    page.locator("#copy-form button[name=confirm]").click()
    expect(page.locator("#cohort-form")).to_be_visible()
    copy = Cohort.objects.get(program=program, name="2028")
    assert list(copy.instructors.all()) == [instructor]
    assert copy.enrollments.count() == 0
