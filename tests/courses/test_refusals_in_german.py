"""The grading-policy and module-result services refuse in the language of the person asking:
translated when raised, in the active language (docs/i18n.md, "Marking strings")."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from courses.exceptions import ModuleResultRefused, PolicyInvalid
from courses.models import Cohort, GradingPolicy, Module, Program
from courses.services import pin_cohort_policy, publish_policy, record_module_result
from tests.helpers import make_user

NOTHING_REQUIRED = "Die Bewertungsordnung verlangt nichts: Fügen Sie ein Pflichtmodul hinzu."
ALREADY_PUBLISHED = (
    "Diese Version ist bereits veröffentlicht; legen Sie eine neue Version an, um sie zu ändern."
)


@pytest.fixture
def training(program: Program) -> Module:
    """A module without assignments, passed by a recorded result."""
    return Module.objects.create(program=program, title="Workshop on site", order=2)


def published(program: Program, module: Module, coordinator: Any) -> GradingPolicy:
    policy = GradingPolicy.objects.create(program=program, version=1)
    policy.module_rules.create(module=module, role="required", pass_mark=Decimal(50))
    publish_policy(actor=coordinator, policy=policy)
    return policy


def test_an_invalid_draft_is_refused_in_the_active_language(
    program: Program, module: Module, coordinator: Any
) -> None:
    draft = GradingPolicy.objects.create(program=program, version=1)
    with translation.override("de"), pytest.raises(PolicyInvalid) as refused:
        publish_policy(actor=coordinator, policy=draft)
    assert refused.value.message == NOTHING_REQUIRED
    with pytest.raises(PolicyInvalid) as refused:
        publish_policy(actor=coordinator, policy=draft)
    assert refused.value.message == "The policy requires nothing: add a required module."
    draft.refresh_from_db()
    assert not draft.is_published


def test_publishing_and_pinning_refusals_are_german(
    program: Program, module: Module, cohort: Cohort, coordinator: Any, instructor: Any
) -> None:
    policy = published(program, module, coordinator)
    draft = GradingPolicy.objects.create(program=program, version=2)
    with translation.override("de"):
        with pytest.raises(PolicyInvalid) as again:
            publish_policy(actor=coordinator, policy=policy)
        with pytest.raises(PolicyInvalid) as not_allowed:
            publish_policy(actor=instructor, policy=draft)
        with pytest.raises(PolicyInvalid) as unpublished:
            pin_cohort_policy(cohort=cohort, policy=draft)
    assert again.value.message == ALREADY_PUBLISHED
    assert not_allowed.value.message == (
        "Nur Koordinierende können eine Bewertungsordnung veröffentlichen."
    )
    assert unpublished.value.message == (
        "Ein Durchgang kann nur eine veröffentlichte Bewertungsordnung seines eigenen "
        "Programms verwenden."
    )


@pytest.mark.parametrize(
    ("case", "german"),
    [
        ("instructor", "Nur Koordinierende können Modulergebnisse erfassen."),
        ("other program", "Dieses Modul gehört nicht zum Programm der teilnehmenden Person."),
        (
            "has assignments",
            "Dieses Modul hat Aufgaben; sein Ergebnis ergibt sich aus deren freigegebenen "
            "Bewertungen.",
        ),
        ("no reason", "Bitte geben Sie eine Begründung an (z. B. Datum und Ort des Trainings)."),
        ("grade out of range", "Die Note muss zwischen 0 und 100 % liegen."),
    ],
)
def test_module_result_refusals_are_german(
    case: str,
    german: str,
    enrolled: Any,
    coordinator: Any,
    instructor: Any,
    training: Module,
    assignment: Any,
    other_cohort: Cohort,
) -> None:
    arguments: dict[str, Any] = {
        "actor": coordinator,
        "enrollment": enrolled.enrollments.get(),
        "module": training,
        "passed": True,
        "reason": "Attended 12 March, Dortmund",
    }
    if case == "instructor":
        arguments["actor"] = instructor
    elif case == "other program":
        arguments["module"] = Module.objects.create(program=other_cohort.program, title="Elsewhere")
    elif case == "has assignments":
        arguments["module"] = assignment.module
    elif case == "no reason":
        arguments["reason"] = "  "
    else:
        arguments["percent"] = Decimal(120)
    with translation.override("de"), pytest.raises(ModuleResultRefused) as refused:
        record_module_result(**arguments)
    assert refused.value.message == german
    assert not training.results.exists()


def test_the_admin_shows_the_refusals_in_the_browsers_language(
    client_for: Any, program: Program, module: Module, coordinator: Any
) -> None:
    """Through HTTP: the admin's publish action, for a German browser and an English one."""
    policy = published(program, module, coordinator)
    draft = GradingPolicy.objects.create(program=program, version=2)
    client = client_for(make_user("root", is_staff=True, is_superuser=True))
    changelist = reverse("admin:courses_gradingpolicy_changelist")
    action = {"action": "publish", "_selected_action": [policy.pk, draft.pk]}
    german = client.post(changelist, action, headers={"accept-language": "de"}, follow=True)
    body = german.content.decode()
    assert f"{program.title}, Bewertungsordnung v1 (veröffentlicht): {ALREADY_PUBLISHED}" in body
    assert NOTHING_REQUIRED in body
    assert "already published" not in body
    english = client.post(changelist, action, headers={"accept-language": "en"}, follow=True)
    assert "This version is already published" in english.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published
