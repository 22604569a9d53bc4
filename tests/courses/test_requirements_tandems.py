"""The requirement engine's tandem rule, table-driven (docs/tandems.md): a tandem module is met
by enough logged meetings and an accepted reflection, and carries no grade."""

from decimal import Decimal

import pytest
from django.utils import translation

from courses.requirements import (
    CategoryRule,
    ModuleRule,
    Policy,
    RecordedResult,
    Reflection,
    Result,
    Role,
    Status,
    TandemFacts,
    evaluate,
)
from tests.courses.test_requirements import item, module

D = Decimal
TANDEM = ModuleRule(
    module_id=3, title="Tandem", role=Role.REQUIRED, pass_mark=D(50), tandem_meetings=6
)


@pytest.mark.parametrize(
    ("facts", "status", "text"),
    [
        (None, Status.MISSING, "Tandem: 0 of 6 tandem meetings logged"),
        (TandemFacts(meetings=5), Status.MISSING, "Tandem: 5 of 6 tandem meetings logged"),
        # Meetings come first: an accepted reflection does not make up for a missing meeting.
        (
            TandemFacts(meetings=5, reflection=Reflection.ACCEPTED),
            Status.MISSING,
            "Tandem: 5 of 6 tandem meetings logged",
        ),
        (
            TandemFacts(meetings=6),
            Status.MISSING,
            "Tandem: 6 tandem meetings logged; the reflection is still to be handed in",
        ),
        (
            TandemFacts(meetings=6, reflection=Reflection.SUBMITTED),
            Status.PENDING,
            "Tandem: tandem reflection awaiting review",
        ),
        (
            TandemFacts(meetings=7, reflection=Reflection.NOT_YET),
            Status.MISSING,
            "Tandem: tandem reflection graded “not yet”; please revise it",
        ),
        (
            TandemFacts(meetings=6, reflection=Reflection.ACCEPTED),
            Status.MET,
            "Tandem: 6 tandem meetings logged, reflection accepted",
        ),
        (
            TandemFacts(meetings=9, reflection=Reflection.ACCEPTED),
            Status.MET,
            "Tandem: 9 tandem meetings logged, reflection accepted",
        ),
    ],
)
def test_a_tandem_module_needs_the_meetings_and_an_accepted_reflection(
    facts: TandemFacts | None, status: Status, text: str
) -> None:
    result = evaluate(
        Policy(version=1, modules=(TANDEM,)), [], {}, tandems={3: facts} if facts else {}
    )
    (requirement,) = result.requirements
    assert requirement.status == status
    with translation.override("en"):
        assert requirement.text == text
    assert result.complete is (status == Status.MET)
    standing = result.module(3)
    assert standing is not None
    assert standing.percent is None  # passed or not: no grade
    assert standing.awaiting == (1 if status == Status.PENDING else 0)


def test_a_recorded_result_decides_a_tandem_module_as_any_other() -> None:
    recorded = {3: RecordedResult(module_id=3, passed=True, percent=D(80))}
    result = evaluate(
        Policy(version=1, modules=(TANDEM,)), [], recorded, tandems={3: TandemFacts()}
    )
    assert result.requirements[0].status == Status.MET
    assert result.requirements[0].reason == "recorded_pass"


def test_a_tandem_module_is_not_a_tandem_module_without_the_rule() -> None:
    plain = module(3, "Tandem")
    facts = {3: TandemFacts(meetings=6, reflection=Reflection.ACCEPTED)}
    result = evaluate(Policy(version=1, modules=(plain,)), [], {}, tandems=facts)
    assert result.requirements[0].reason == "awaiting_result"


@pytest.mark.parametrize("with_categories", [False, True])
def test_a_met_tandem_module_leaves_the_weighted_grade_to_the_graded_modules(
    with_categories: bool,
) -> None:
    """The tandem carries no grade, so it neither lowers the grade nor keeps it provisional."""
    graded = module(1, "Essay", category="work" if with_categories else None)
    tandem = ModuleRule(
        module_id=3,
        title="Tandem",
        role=Role.REQUIRED,
        pass_mark=D(50),
        tandem_meetings=2,
        category="work" if with_categories else None,
    )
    policy = Policy(
        version=1,
        modules=(graded, tandem),
        categories=(CategoryRule("work", "Work", D(100)),) if with_categories else (),
        pass_mark=D(50),
    )
    facts = {3: TandemFacts(meetings=2, reflection=Reflection.ACCEPTED)}
    result = evaluate(policy, [item(10, 1, "70")], {}, tandems=facts)
    assert result.weighted_grade == D("70.0")
    assert result.grade_is_final
    assert result.complete
    assert [r.status for r in result.requirements] == [Status.MET] * 3


def test_tandem_facts_survive_the_stored_form() -> None:
    facts = {3: TandemFacts(meetings=4)}
    result = evaluate(Policy(version=1, modules=(TANDEM,)), [], {}, tandems=facts)
    again = Result.from_json(result.to_json())
    with translation.override("de"):
        assert again.requirements[0].text == result.requirements[0].text
