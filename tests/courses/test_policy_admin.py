"""Coordinators edit grading policies in the admin: drafts are validated, published versions
are read-only, and the demo catalogue comes with realistic policies."""

from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from courses.demo import catalog
from courses.models import Cohort, GradingPolicy, Module, Program, ProgressRecord
from tests.helpers import make_user


@pytest.fixture
def admin_client(client_for: Any, db: None) -> Any:
    return client_for(make_user("root", is_staff=True, is_superuser=True))


def inline_forms(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def policy_form(program: Program, categories: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "program": program.pk,
        "pass_mark": "60",
        "notes": "first",
        **inline_forms("categories", categories),
        **inline_forms("groups", []),
        **inline_forms("module_rules", []),
        **inline_forms("assignment_rules", []),
    }


def test_category_weights_must_add_up_to_100(admin_client: Any, program: Program) -> None:
    url = reverse("admin:courses_gradingpolicy_add")
    assert admin_client.get(url).status_code == 200
    rows = [
        {
            "order": 0,
            "key": "exercises",
            "title": "Exercises",
            "weight": "40",
            "drop_lowest": 1,
            "minimum": "50",
        },
        {
            "order": 1,
            "key": "project",
            "title": "Project",
            "weight": "50",
            "drop_lowest": 0,
            "minimum": "0",
        },
    ]
    response = admin_client.post(url, policy_form(program, rows))
    assert response.status_code == 200
    assert "add up to 90 %, not 100 %" in response.content.decode()
    assert not GradingPolicy.objects.exists()
    rows[1]["weight"] = "60"
    response = admin_client.post(url, policy_form(program, rows))
    assert response.status_code == 302
    policy = GradingPolicy.objects.get()
    assert policy.version == 1 and not policy.is_published
    assert [c.weight for c in policy.categories.all()] == [Decimal(40), Decimal(60)]


def test_publishing_from_the_admin_validates_and_freezes_the_version(
    admin_client: Any, program: Program, module: Module
) -> None:
    policy = GradingPolicy.objects.create(program=program, version=1)
    changelist = reverse("admin:courses_gradingpolicy_changelist")
    action = {"action": "publish", "_selected_action": [policy.pk]}
    response = admin_client.post(changelist, action, follow=True)
    assert "requires nothing" in response.content.decode()
    policy.module_rules.create(module=module, role="required", pass_mark=Decimal(50))
    admin_client.post(changelist, action, follow=True)
    policy.refresh_from_db()
    assert policy.is_published
    change = reverse("admin:courses_gradingpolicy_change", args=[policy.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="pass_mark"' not in page  # read-only now
    admin_client.post(change, {"pass_mark": "10"})
    policy.refresh_from_db()
    assert policy.pass_mark == Decimal(50)
    admin_client.post(changelist, {"action": "new_version", "_selected_action": [policy.pk]})
    assert GradingPolicy.objects.get(version=2).module_rules.count() == 1


def test_a_cohort_can_only_be_pinned_to_a_published_version_of_its_program(
    admin_client: Any, cohort: Cohort, program: Program, instructor: Any
) -> None:
    draft = GradingPolicy.objects.create(program=program, version=1)
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])
    form = {
        "program": program.pk,
        "name": cohort.name,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "instructors": [instructor.pk],
        "grading_policy": draft.pk,
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "Choose a published grading policy" in response.content.decode()


def test_the_demo_programs_have_policies_that_add_up() -> None:
    for _institution, program in catalog.all_programs():
        keys = {c.key for c in program.categories}
        if program.categories:
            assert sum(c.weight for c in program.categories) == 100, program.slug
        for module in program.modules:
            assert module.category in keys | {""}, (program.slug, module.slug)
    ml = catalog.program("ml-data-science")
    assert [(c.key, c.weight) for c in ml.categories] == [
        ("uebungen", Decimal(40)),
        ("projekt", Decimal(60)),
    ]
    literacy = catalog.program("data-literacy")
    assert literacy.min_elective_modules == 2
    assert sum(1 for m in literacy.modules if not m.required) == 3


@pytest.mark.django_db
def test_the_demo_loads_published_policies(client_for: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # idempotent
    assert GradingPolicy.objects.count() == Program.objects.count()
    for policy in GradingPolicy.objects.all():
        assert policy.is_published and policy.problems() == [], policy
    ml = GradingPolicy.objects.get(program__slug="ml-data-science")
    assert ml.pass_mark == Decimal(60) and ml.categories.count() == 2
    literacy = GradingPolicy.objects.get(program__slug="data-literacy")
    assert literacy.groups.get().required == 2
    # Lena, Arjun and the workspace demo's seven (submissions/demo_workspace.py)
    assert ProgressRecord.objects.filter(policy=ml).count() == 9
    from platform.models import User

    body = client_for(User.objects.get(username="gisela.brandt")).get("/").content.decode()
    assert "Wahlmodule: 2 von 2 Wahlmodulen fehlen noch" in body  # in her language
