"""Whether a grading policy can be met: one table of rules and the reasons they cannot."""

from decimal import Decimal

import pytest

from courses.requirements import CategoryRule, GroupRule, ModuleRule, Policy, Role
from courses.setup.feasibility import unmet_reasons


def module(pk: int, role: Role = Role.REQUIRED, **extra: object) -> ModuleRule:
    values: dict[str, object] = {"pass_mark": Decimal(50), "weight": Decimal(1), **extra}
    return ModuleRule(module_id=pk, title=f"M{pk}", role=role, **values)  # type: ignore[arg-type]


def policy(*modules: ModuleRule, **extra: object) -> Policy:
    return Policy(version=1, modules=modules, pass_mark=Decimal(50), **extra)  # type: ignore[arg-type]


ELECTIVES = GroupRule(key="e", title="Electives", required=2)


@pytest.mark.parametrize(
    ("rules", "reason"),
    [
        (policy(module(1), module(2, Role.CAPSTONE)), None),
        (policy(module(1, Role.OPTIONAL)), "requires nothing"),
        (policy(), "requires nothing"),
        (policy(module(1, pass_mark=Decimal(101))), "cannot be reached"),
        (policy(module(1, weight=Decimal(-1))), "negative weight"),
        (policy(module(1, Role.ELECTIVE)), "need an elective group"),
        (
            policy(module(1), module(2, Role.ELECTIVE, group="x")),
            "does not exist",
        ),
        (
            policy(module(1, Role.ELECTIVE, group="e"), groups=(ELECTIVES,)),
            "asks for 2 modules but has 1",
        ),
        (
            policy(
                module(1, Role.ELECTIVE, group="e"),
                module(2, Role.ELECTIVE, group="e"),
                groups=(ELECTIVES,),
            ),
            None,
        ),
        (
            policy(
                module(1, category="ex"),
                categories=(CategoryRule("ex", "Exercises", Decimal(60)),),
            ),
            "add up to 60",
        ),
        (
            policy(
                module(1, category="ex"),
                categories=(
                    CategoryRule("ex", "Exercises", Decimal(60)),
                    CategoryRule("exam", "Exam", Decimal(40)),
                ),
            ),
            "Nothing counts in the category “Exam”",
        ),
        (
            policy(
                module(1, category="ex"),
                categories=(CategoryRule("ex", "Exercises", Decimal(100), minimum=Decimal(120)),),
            ),
            "more than 100",
        ),
        # The editor's shapes: several elective groups, several categories at once.
        (
            policy(
                module(1),
                module(2, Role.ELECTIVE, group="stats"),
                module(3, Role.ELECTIVE, group="stats"),
                module(4, Role.ELECTIVE, group="ml"),
                groups=(GroupRule("stats", "Statistics", 1), GroupRule("ml", "ML", 1)),
            ),
            None,
        ),
        (
            policy(
                module(1),
                module(2, Role.ELECTIVE, group="stats"),
                module(3, Role.ELECTIVE, group="ml"),
                groups=(GroupRule("stats", "Statistics", 1), GroupRule("ml", "ML", 2)),
            ),
            "“ML” asks for 2 modules but has 1",
        ),
        (
            # a group nobody is in: only electives are in groups
            policy(
                module(1, Role.ELECTIVE, group="stats"),
                groups=(GroupRule("stats", "Statistics", 1), GroupRule("ml", "ML", 1)),
            ),
            "“ML” asks for 1 modules but has 0",
        ),
        (
            policy(
                module(1, Role.ELECTIVE, group="ml"),
                groups=(GroupRule("ml", "ML", 0),),
            ),
            "asks for 0 modules",
        ),
        (
            policy(
                module(1, category="ex"),
                module(2, category="project"),
                module(3, Role.ELECTIVE, group="e", category="ex"),
                module(4, Role.ELECTIVE, group="e", category="project"),
                groups=(GroupRule("e", "Electives", 1),),
                categories=(
                    CategoryRule("ex", "Exercises", Decimal(40), drop_lowest=1),
                    CategoryRule("project", "Project", Decimal(60), minimum=Decimal(50)),
                ),
            ),
            None,
        ),
        (
            policy(
                module(1, category="ex"),
                module(2, category="project"),
                categories=(
                    CategoryRule("ex", "Exercises", Decimal(40)),
                    CategoryRule("project", "Project", Decimal(50)),
                    CategoryRule("quiz", "Quiz", Decimal(10)),
                ),
            ),
            "Nothing counts in the category “Quiz”",
        ),
        (
            policy(
                module(1, category="ex"),
                categories=(
                    CategoryRule("ex", "Exercises", Decimal(70)),
                    CategoryRule("bonus", "Bonus", Decimal(30)),
                ),
                assignment_categories=((7, "bonus"),),
            ),
            None,
        ),
        (
            Policy(version=1, modules=(module(1),), pass_mark=Decimal(120)),
            "weighted grade, 120 %, cannot be reached",
        ),
        (
            Policy(version=1, modules=(module(1, weight=Decimal(0)),), pass_mark=Decimal(50)),
            "weighs 0",
        ),
        (
            Policy(version=1, modules=(module(1, weight=Decimal(0)),), pass_mark=Decimal(0)),
            None,
        ),
    ],
)
def test_it_says_why_a_policy_cannot_be_met(rules: Policy, reason: str | None) -> None:
    found = unmet_reasons(rules)
    if reason is None:
        assert found == ()
    else:
        assert any(reason in line for line in found), found
