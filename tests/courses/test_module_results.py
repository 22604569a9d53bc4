"""Coordinators record results of modules without assignments (in-person trainings)."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from courses.exceptions import ModuleResultRefused
from courses.models import Certificate, Cohort, Enrollment, Module, ModuleResult, ProgressRecord
from courses.services import enroll, record_module_result


@pytest.fixture
def training(program: Any) -> Module:
    """The program's only module: an in-person training, no assignments."""
    return Module.objects.create(program=program, title="Workshop on site", order=1)


@pytest.fixture
def url(cohort: Cohort) -> str:
    return reverse("courses:module-results", args=[cohort.pk])


def post(client: Any, url: str, enrollment: Enrollment, module: Module, **extra: str) -> Any:
    data = {
        "enrollment": enrollment.pk,
        "module": module.pk,
        "passed": "yes",
        "percent": "85",
        "reason": "Attended 12 March, Dortmund",
        **extra,
    }
    return client.post(url, data)


def test_only_coordinators_see_the_page(
    client_for: Any, url: str, enrolled: Any, instructor: Any, coordinator: Any, training: Module
) -> None:
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert client_for(enrolled).get(url).status_code == 404
    assert client_for(instructor).get(url).status_code == 404
    page = client_for(coordinator).get(url)
    assert page.status_code == 200
    assert "Workshop on site" in page.content.decode()
    assert client_for(coordinator).put(url).status_code == 405
    assert (
        client_for(coordinator).get(reverse("courses:module-results", args=[999])).status_code
        == 404
    )


def test_the_cohort_list_in_the_admin_links_to_the_page(
    client_for: Any, url: str, cohort: Cohort
) -> None:
    from tests.helpers import make_user

    root = make_user("root", is_staff=True, is_superuser=True)
    body = client_for(root).get(reverse("admin:courses_cohort_changelist")).content.decode()
    assert f'href="{url}"' in body


def test_a_recorded_pass_counts_and_completes_the_program(
    client_for: Any, url: str, enrolled: Any, coordinator: Any, training: Module
) -> None:
    enrollment = enrolled.enrollments.get()
    assert ProgressRecord.objects.get(enrollment=enrollment).complete is False
    response = post(client_for(coordinator), url, enrollment, training)
    assert response.status_code == 302
    result = ModuleResult.objects.get(enrollment=enrollment, module=training)
    assert result.passed and result.percent == Decimal("85.0") and result.recorded_by == coordinator
    record = ProgressRecord.objects.get(enrollment=enrollment)
    assert record.complete and record.weighted_grade == Decimal("85.0")
    assert Certificate.objects.get(user=enrolled).grade_percent == Decimal("85.0")
    body = client_for(enrolled).get(reverse("home")).content.decode()
    assert "Workshop on site: passed with 85.0 % (result recorded)" in body


def test_recording_again_replaces_the_result(
    client_for: Any, url: str, enrolled: Any, coordinator: Any, training: Module
) -> None:
    enrollment = enrolled.enrollments.get()
    client = client_for(coordinator)
    post(client, url, enrollment, training, passed="no", percent="", reason="Did not attend")
    assert (
        ProgressRecord.objects.get(enrollment=enrollment).result["requirements"][0]["reason"]
        == "recorded_fail"
    )
    post(client, url, enrollment, training)
    assert ModuleResult.objects.filter(enrollment=enrollment).count() == 1
    assert ProgressRecord.objects.get(enrollment=enrollment).complete


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"percent": "101"}, "percent"),
        ({"passed": "maybe"}, "passed"),
    ],
)
def test_a_malformed_form_is_refused_and_nothing_is_recorded(
    client_for: Any,
    url: str,
    enrolled: Any,
    coordinator: Any,
    training: Module,
    extra: dict[str, str],
    field: str,
) -> None:
    response = post(client_for(coordinator), url, enrolled.enrollments.get(), training, **extra)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not ModuleResult.objects.exists()


def test_another_cohorts_participant_or_a_module_with_assignments_is_refused(
    client_for: Any,
    url: str,
    enrolled: Any,
    other_participant: Any,
    other_cohort: Cohort,
    coordinator: Any,
    training: Module,
    assignment: Any,
) -> None:
    stranger = enroll(user=other_participant, cohort=other_cohort)
    client = client_for(coordinator)
    response = post(client, url, stranger, training)
    assert response.status_code == 400 and response.context["form"].errors["enrollment"]
    response = post(client, url, enrolled.enrollments.get(), assignment.module)
    assert response.status_code == 400 and response.context["form"].errors["module"]
    assert not ModuleResult.objects.exists()


def test_the_service_refuses_what_the_form_cannot_catch(
    enrolled: Any, instructor: Any, coordinator: Any, training: Module, assignment: Any
) -> None:
    enrollment = enrolled.enrollments.get()
    with pytest.raises(ModuleResultRefused):
        record_module_result(
            actor=instructor, enrollment=enrollment, module=training, passed=True, reason="x"
        )
    with pytest.raises(ModuleResultRefused, match="has assignments"):
        record_module_result(
            actor=coordinator,
            enrollment=enrollment,
            module=assignment.module,
            passed=True,
            reason="x",
        )
    assert not ModuleResult.objects.exists()
