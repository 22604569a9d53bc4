"""Attendance in the requirement engine and the at-risk rule, table-driven: plain facts in,
met / pending / missing (and the at-risk reasons) out (docs/sessions.md, "The rate")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from courses.requirements import (
    AttendanceFacts,
    CategoryRule,
    Item,
    ModuleRule,
    Policy,
    RecordedResult,
    Role,
    Status,
    evaluate,
)
from courses.risk import EnrollmentFacts, RiskPolicy, assess

D = Decimal
NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
RUNNING = RiskPolicy(
    inactivity_weeks=0, starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 3, 31)
)

# Module 1 has an assignment; module 2 is sessions only, with 80 % attendance required.
POLICY = Policy(
    version=1,
    modules=(
        ModuleRule(1, "Exercises", Role.REQUIRED, D(50)),
        ModuleRule(2, "Workshop", Role.REQUIRED, D(50), attendance_rate=D(80)),
    ),
    pass_mark=D(50),
)
PASSED_EXERCISE = [Item(1, 1, "A1", D(10), D(8))]


def attendance(held: int, present: int, excused: int = 0, remaining: int = 0) -> AttendanceFacts:
    return AttendanceFacts(2, held=held, present=present, excused=excused, remaining=remaining)


def workshop(facts: AttendanceFacts | None, policy: Policy = POLICY) -> tuple[Status, str, bool]:
    result = evaluate(policy, PASSED_EXERCISE, {}, {2: facts} if facts else {})
    [line] = [r for r in result.requirements if r.kind == "attendance"]
    with translation.override("en"):
        return line.status, line.text, result.complete


@pytest.mark.parametrize(
    ("facts", "status", "text"),
    [
        # Exactly the rate is enough (inclusive, like every threshold).
        (attendance(10, 8), Status.MET, "Workshop: attended 8 of 10 sessions, 80 % needed"),
        (attendance(9, 7), Status.MISSING, "Workshop: attended 7 of 9 sessions, 80 % needed"),
        # Excused counts as not held for that person: 7 of (10 - 1) is 77.8 %.
        (attendance(10, 7, 1), Status.MISSING, "Workshop: attended 7 of 9 sessions, 80 % needed"),
        (attendance(10, 8, 1), Status.MET, "Workshop: attended 8 of 9 sessions, 80 % needed"),
        # 4 of 5 = 80 %; 79.95 % would be shown (and compared) as 80.0 %.
        (attendance(5, 4, 0, 3), Status.MET, "Workshop: attended 4 of 5 sessions, 80 % needed"),
        # No session held yet: pending, the sessions to come decide.
        (
            attendance(0, 0, 0, 4),
            Status.PENDING,
            "Workshop: no sessions held yet, 80 % attendance needed",
        ),
        (None, Status.PENDING, "Workshop: no sessions held yet, 80 % attendance needed"),
        # Every held session excused: nothing counted yet, so pending as well.
        (
            attendance(3, 0, 3, 2),
            Status.PENDING,
            "Workshop: no sessions held yet, 80 % attendance needed",
        ),
    ],
)
def test_the_attendance_rate_is_present_over_held_less_excused(
    facts: AttendanceFacts | None, status: Status, text: str
) -> None:
    assert workshop(facts)[:2] == (status, text)


def test_the_rounded_rate_is_the_one_compared() -> None:
    # 2399 of 3000 is 79.966 %: shown as 80.0 %, and so it meets 80 %.
    assert attendance(3000, 2399).rate == D("80.0")
    assert workshop(attendance(3000, 2399))[0] == Status.MET
    assert workshop(attendance(3000, 2398))[0] == Status.MISSING  # 79.93 -> 79.9


def test_a_sessions_only_module_is_passed_by_attendance_and_completes_the_program() -> None:
    status, _text, complete = workshop(attendance(5, 5))
    assert status == Status.MET
    assert complete
    result = evaluate(POLICY, PASSED_EXERCISE, {}, {2: attendance(5, 5)})
    # No "no result recorded yet" line for the workshop, and the grade is final without it.
    assert [r.kind for r in result.requirements] == ["module", "attendance", "grade"]
    assert result.grade_is_final
    assert result.weighted_grade == D("80.0")
    # The module's own standing says the same (the matrix and the program page read it).
    workshop_standing = result.module(2)
    assert workshop_standing is not None
    assert (workshop_standing.status, workshop_standing.reason) == (Status.MET, "attendance_met")
    below = evaluate(POLICY, PASSED_EXERCISE, {}, {2: attendance(5, 3)}).module(2)
    assert below is not None and below.reason == "attendance_below"


def test_a_module_with_assignments_needs_its_grades_and_its_attendance() -> None:
    policy = Policy(
        version=1,
        modules=(ModuleRule(1, "Exercises", Role.REQUIRED, D(50), attendance_rate=D(80)),),
    )
    met = evaluate(policy, PASSED_EXERCISE, {}, {1: AttendanceFacts(1, held=5, present=4)})
    assert [(r.kind, r.status) for r in met.requirements] == [
        ("module", Status.MET),
        ("attendance", Status.MET),
    ]
    short = evaluate(policy, PASSED_EXERCISE, {}, {1: AttendanceFacts(1, held=5, present=3)})
    assert not short.complete


def test_a_recorded_result_decides_the_module_attendance_included() -> None:
    recorded = {2: RecordedResult(2, passed=True, percent=D(70))}
    result = evaluate(POLICY, PASSED_EXERCISE, recorded, {2: attendance(5, 1)})
    assert [r.kind for r in result.requirements] == ["module", "module", "grade"]
    assert result.complete


def test_optional_modules_and_policies_without_a_rate_ignore_attendance() -> None:
    optional = Policy(
        version=1,
        modules=(
            ModuleRule(1, "Exercises", Role.REQUIRED, D(50)),
            ModuleRule(2, "Workshop", Role.OPTIONAL, D(50), attendance_rate=D(80)),
        ),
    )
    result = evaluate(optional, PASSED_EXERCISE, {}, {2: attendance(5, 0)})
    assert [r.kind for r in result.requirements] == ["module"]
    assert result.complete


def test_a_sessions_only_module_without_a_category_does_not_block_the_categories() -> None:
    policy = Policy(
        version=1,
        modules=(
            ModuleRule(1, "Exercises", Role.REQUIRED, D(50), category="ex"),
            ModuleRule(2, "Workshop", Role.REQUIRED, D(50), category="ex", attendance_rate=D(80)),
        ),
        categories=(CategoryRule("ex", "Exercises", D(100)),),
        pass_mark=D(50),
    )
    result = evaluate(policy, PASSED_EXERCISE, {}, {2: attendance(4, 4)})
    assert result.grade_is_final
    assert result.complete


def test_the_requirement_survives_storage() -> None:
    from courses.requirements import Result

    result = evaluate(POLICY, PASSED_EXERCISE, {}, {2: attendance(9, 7, 0, 1)})
    assert Result.from_json(result.to_json()) == result


def test_the_text_is_in_german_too() -> None:
    result = evaluate(POLICY, PASSED_EXERCISE, {}, {2: attendance(9, 7)})
    [line] = [r for r in result.requirements if r.kind == "attendance"]
    with translation.override("de"):
        assert line.text == "Workshop: 7 von 9 Terminen besucht, 80 % erforderlich"


# --- at risk: too few sessions left to reach the rate --------------------------------------


def risk_codes(facts: AttendanceFacts) -> list[str]:
    result = evaluate(POLICY, PASSED_EXERCISE, {}, {2: facts})
    reasons = assess(EnrollmentFacts(result=result, last_activity=NOW), NOW, RUNNING)
    return [r.code for r in reasons]


@pytest.mark.parametrize(
    ("facts", "at_risk"),
    [
        # 3 of 5 so far, 5 left: 8 of 10 = 80 % still reachable.
        (attendance(5, 3, 0, 5), False),
        # 3 of 5 so far, 4 left: at best 7 of 9 = 77.8 %.
        (attendance(5, 3, 0, 4), True),
        # Nothing left and below: out of reach.
        (attendance(9, 7, 0, 0), True),
        # Met: never at risk for attendance.
        (attendance(5, 4, 0, 0), False),
        # Nothing counted yet: pending, not at risk.
        (attendance(2, 0, 2, 0), False),
        # An excused session does not count: 3 of 4 so far, 1 left: 4 of 5 = 80 %.
        (attendance(5, 3, 1, 1), False),
    ],
)
def test_attendance_out_of_reach_is_a_risk(facts: AttendanceFacts, at_risk: bool) -> None:
    assert ("attendance_out_of_reach" in risk_codes(facts)) is at_risk


def test_the_risk_reason_says_why() -> None:
    result = evaluate(POLICY, PASSED_EXERCISE, {}, {2: attendance(5, 3, 0, 4)})
    [reason] = assess(EnrollmentFacts(result=result, last_activity=NOW), NOW, RUNNING)
    with translation.override("en"):
        assert reason.text == (
            "Workshop: attended 3 of 5 sessions, 4 left: 80 % can no longer be reached"
        )
