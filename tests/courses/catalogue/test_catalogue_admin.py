"""The catalogue's fields in the admin: a program's format and fees, a cohort's admission."""

from decimal import Decimal
from typing import Any

from django.urls import reverse

from courses.models import Cohort, Program


def test_the_program_form_has_the_catalogue_and_admission_fields(
    admin_client: Any, program: Program
) -> None:
    body = admin_client.get(reverse("admin:courses_program_change", args=[program.pk])).content
    for name in ("format", "fee_required", "offer_response_days", "is_part_time", "audience"):
        assert f'name="{name}"'.encode() in body, name
    assert b"In the catalogue" in body and b"Admission and fees" in body


def _cohort_form(cohort: Cohort, instructor: Any, **fields: str) -> dict[str, Any]:
    return {
        "program": cohort.program_id,
        "name": cohort.name,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "instructors": [instructor.pk],
        "grading_policy": "",
        "fee": "0",
        **fields,
    }


def test_a_cohort_is_opened_for_applications_in_the_admin(
    admin_client: Any, cohort: Cohort, instructor: Any
) -> None:
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])
    assert b"Applications (public catalogue)" in admin_client.get(url).content
    form = _cohort_form(
        cohort,
        instructor,
        applications_open="on",
        application_deadline="2026-09-01",
        capacity="25",
        fee="3950.00",
    )
    response = admin_client.post(url, form)
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.applications_open and cohort.capacity == 25 and cohort.fee == Decimal("3950")
    assert cohort.application_deadline is not None


def test_a_deadline_after_the_cohort_ends_is_refused(
    admin_client: Any, cohort: Cohort, instructor: Any
) -> None:
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])
    form = _cohort_form(cohort, instructor, application_deadline="2030-01-01", fee="-1")
    body = admin_client.post(url, form).content.decode()
    assert "The application deadline is after the cohort ends." in body
    cohort.refresh_from_db()
    assert cohort.application_deadline is None
