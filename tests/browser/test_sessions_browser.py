"""Attendance in a real browser on a phone-sized screen: the instructor marks rows (each saved
at once by htmx), fills the rest with "all present", and the participant's progress moves; the
pages pass axe in German as well (docs/sessions.md)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Attendance, Cohort, GradingPolicy, Module, PolicyModule
from courses.services import publish_policy
from courses.sessions import services
from platform.models import User
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe_violations
from tests.helpers import make_user

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def held_session(instructor: User, cohort: Cohort, module: Module) -> Any:
    plan = services.SessionPlan(
        module=module,
        date=timezone.localdate() - dt.timedelta(days=1),
        start=dt.time(9),
        end=dt.time(12),
        time_zone="Europe/Berlin",
        place="Lernfabrik",
    )
    return services.save_session(actor=instructor, cohort=cohort, plan=plan)


@pytest.mark.django_db(transaction=True)
def test_the_instructor_takes_attendance_on_a_phone_and_progress_moves(
    live_server: Any,
    enrolled: User,
    other_enrolled: User,
    instructor: User,
    coordinator: User,
    cohort: Cohort,
    module: Module,
    new_page: Any,
) -> None:
    policy = GradingPolicy.objects.create(program=cohort.program, version=1)
    PolicyModule.objects.create(policy=policy, module=module, attendance_rate=Decimal(80))
    publish_policy(actor=coordinator, policy=policy)
    session = held_session(instructor, cohort, module)

    page = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, instructor)
    page.goto(live_server.url + reverse("sessions:attendance", args=[session.pk]))
    assert page.evaluate(OVERFLOW) <= 0, "the list fits a phone's width"
    ada = enrolled.enrollments.get()
    # One tap saves the row at once (htmx), before any submit.
    with page.expect_response(lambda r: r.url.endswith("/attendance/row/")) as answer:
        page.locator(f"#row-{ada.pk}").get_by_label("excused").check()
    assert answer.value.status == 200
    expect(page.locator(f"#row-{ada.pk} input[value=excused]")).to_be_checked()
    assert Attendance.objects.get(enrollment=ada).status == "excused"
    # Everyone else present with one button.
    page.get_by_role("button", name="Everyone not marked is present: save").click()
    expect(page.locator(".messages")).to_contain_text("Attendance is saved.")
    assert dict(Attendance.objects.values_list("enrollment__user__username", "status")) == {
        "ada": "excused",
        "grace": "present",
    }
    # Changed afterwards: the audit names who and what.
    page.locator(f"#row-{ada.pk}").get_by_label("present").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator("#attendance-changes")).to_contain_text("excused → present")
    assert axe_violations(page) == ""

    participant = new_page()
    participant.set_viewport_size(PHONE)
    log_in(participant, live_server.url, enrolled)
    expect(participant.locator(".requirements")).to_contain_text(
        "Foundations: attended 1 of 1 sessions, 80 % needed"
    )
    participant.goto(live_server.url + reverse("sessions:mine"))
    expect(participant.locator("#attendance-records")).to_contain_text("present")


@pytest.mark.django_db(transaction=True)
def test_the_session_pages_pass_axe_in_german_at_200_percent(
    live_server: Any,
    enrolled: User,
    instructor: User,
    cohort: Cohort,
    module: Module,
    new_page: Any,
) -> None:
    session = held_session(instructor, cohort, module)
    services.record_attendance(
        actor=instructor, session=session, marks={enrolled.enrollments.get().pk: "present"}
    )
    contact = make_user("carla", preferred_language="de")
    cohort.client_organisation, cohort.client_contact = "Acme Robotik", contact
    cohort.save(update_fields=["client_organisation", "client_contact"])
    for user in (instructor, enrolled):
        User.objects.filter(pk=user.pk).update(preferred_language="de")
    pages = {
        instructor: [
            reverse("sessions:cohort", args=[cohort.pk]),
            reverse("sessions:attendance", args=[session.pk]),
            reverse("sessions:edit", args=[session.pk]),
        ],
        enrolled: [
            reverse("sessions:mine"),
            reverse("home"),
            reverse("courses:program", args=[cohort.program.slug]),
        ],
        contact: [reverse("clients:report", args=[cohort.pk])],
    }
    for user, urls in pages.items():
        page = new_page(locale="de-DE")
        page.set_viewport_size({"width": 640, "height": 900})
        log_in(page, live_server.url, user)
        for url in urls:
            page.goto(live_server.url + url)
            assert page.locator("html").get_attribute("lang") == "de", url
            assert page.evaluate(OVERFLOW) <= 0, f"{url} reflows at 200 %"
            assert axe_violations(page) == "", url
        page.close()
