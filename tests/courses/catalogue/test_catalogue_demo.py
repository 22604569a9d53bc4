"""The demo's catalogue data: open cohorts for the next semester whatever the day it is loaded,
fees for the paid programmes, none for the students' certificates."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from courses.demo import catalog
from courses.models import Cohort, Enrollment, Program


@pytest.mark.parametrize(
    ("today", "name", "start"),
    [
        (dt.date(2026, 12, 5), "Sommersemester 2027", dt.date(2027, 4, 12)),
        (dt.date(2027, 2, 1), "Sommersemester 2027", dt.date(2027, 4, 12)),
        (dt.date(2027, 2, 2), "Wintersemester 2027/28", dt.date(2027, 10, 18)),
        (dt.date(2027, 8, 1), "Wintersemester 2027/28", dt.date(2027, 10, 18)),
        (dt.date(2027, 8, 10), "Sommersemester 2028", dt.date(2028, 4, 17)),
        (dt.date(2099, 12, 31), "Sommersemester 2100", dt.date(2100, 4, 12)),
    ],
)
def test_the_next_term_starts_at_least_ten_weeks_ahead(
    today: dt.date, name: str, start: dt.date
) -> None:
    assert catalog.next_term(today) == (name, start)
    assert start.weekday() == 0 and start - today >= dt.timedelta(weeks=10)


@pytest.mark.parametrize("today", [dt.date(2026, 12, 5), dt.date(2027, 3, 30), dt.date(2027, 9, 1)])
def test_every_open_intake_has_its_deadline_ahead(today: dt.date) -> None:
    for _institution, program in catalog.all_programs():
        cohort = catalog.intake_cohort(program, today)
        if cohort is None or not cohort.applications_open:
            continue
        last_day = cohort.application_deadline or cohort.starts_on - dt.timedelta(days=1)
        assert today < last_day < cohort.starts_on < cohort.ends_on, program.slug
        assert cohort.name != program.cohort.name


def test_the_paid_programmes_have_fees_and_the_students_certificates_are_free() -> None:
    ml = catalog.program("ml-data-science")
    assert ml.intake is not None and ml.intake.fee > 0 and ml.fee_required == "admission"
    for _institution, program in catalog.all_programs():
        if program.audience == catalog.Audience.STUDENTS:
            assert program.cohort.fee == 0, program.slug
            assert program.intake is None or program.intake.fee == 0, program.slug
    assert {p.format for _i, p in catalog.all_programs()} == {"in_person", "online", "blended"}


@pytest.mark.django_db
def test_the_loaded_demo_has_cohorts_to_apply_for(client: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # the intake is not created twice
    today = timezone.localdate()
    open_now = Cohort.objects.open_for_applications(today)
    assert open_now.count() >= 5
    ml = Program.objects.get(slug="ml-data-science")
    assert ml.cohorts.count() == 2 and ml.format == "blended"
    intake = open_now.get(program=ml)
    assert intake.fee == Decimal("3950") and intake.capacity == 25
    # The demo's participants stay in the running cohort.
    assert not Enrollment.objects.filter(cohort=intake).exists()
    body = client.get(reverse("catalogue:list"), {"open": "on"}).content.decode()
    assert "Machine Learning in Data Science" in body and "Lernfabrik" in body
    page = client.get(reverse("catalogue:program", args=["ml-data-science"]))
    assert reverse("applications:apply", args=[intake.pk]) in page.content.decode()
