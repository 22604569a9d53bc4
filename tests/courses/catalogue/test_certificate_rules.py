"""The catalogue's description of a grading policy: a table of policies and their sentences."""

from decimal import Decimal

import pytest
from django.utils import translation

from courses.catalogue.certificate_rules import describe_policy
from courses.requirements import CategoryRule, GroupRule, ModuleRule, Policy, Role

D = Decimal


def module(n: int, role: Role, mark: str = "50", **extra: object) -> ModuleRule:
    return ModuleRule(module_id=n, title=f"M{n}", role=role, pass_mark=D(mark), **extra)  # type: ignore[arg-type]


TABLE: list[tuple[str, Policy, tuple[str, ...]]] = [
    (
        "implicit: required modules and a capstone, optional ones unmentioned",
        Policy(
            version=0,
            modules=(
                module(1, Role.REQUIRED),
                module(2, Role.OPTIONAL),
                module(3, Role.CAPSTONE, "60"),
            ),
        ),
        (
            "Pass the module “M1” with at least 50 %.",
            "Pass the capstone project “M3” with at least 60 %.",
        ),
    ),
    (
        "categories with a minimum and drop-lowest, an overall pass mark",
        Policy(
            version=1,
            pass_mark=D("60"),
            categories=(
                CategoryRule("ex", "Exercises", D("40"), drop_lowest=1, minimum=D("50")),
                CategoryRule("pr", "Project", D("60")),
                CategoryRule("bonus", "Bonus", D("0")),
            ),
            modules=(
                module(1, Role.REQUIRED, "50.00", category="ex"),
                module(2, Role.CAPSTONE, "62.5", category="pr"),
            ),
        ),
        (
            "Pass the module “M1” with at least 50 %.",
            "Pass the capstone project “M2” with at least 62.5 %.",
            "The weighted grade is made up of Exercises 40 %, Project 60 %.",
            "In “Exercises” the lowest grade does not count.",
            "“Exercises” must reach at least 50 % on its own.",
            "A weighted grade of at least 60 %.",
        ),
    ),
    (
        "an elective group with one pass mark; two dropped grades",
        Policy(
            version=2,
            pass_mark=D("50"),
            categories=(CategoryRule("all", "Coursework", D("100"), drop_lowest=2),),
            groups=(GroupRule("el", "Electives", 2),),
            modules=(
                module(1, Role.REQUIRED, category="all"),
                module(2, Role.ELECTIVE, group="el", category="all"),
                module(3, Role.ELECTIVE, group="el", category="all"),
                module(4, Role.ELECTIVE, group="el", category="all"),
            ),
        ),
        (
            "Pass the module “M1” with at least 50 %.",
            "Pass 2 electives of “Electives” (“M2”, “M3”, “M4”), each with at least 50 %.",
            "The weighted grade is made up of Coursework 100 %.",
            "In “Coursework” the 2 lowest grades do not count.",
            "A weighted grade of at least 50 %.",
        ),
    ),
    (
        "one elective of several with different pass marks; module weights without categories",
        Policy(
            version=3,
            pass_mark=D("55"),
            groups=(GroupRule("el", "Choice", 1),),
            modules=(
                module(1, Role.REQUIRED, weight=D("1")),
                module(2, Role.CAPSTONE, weight=D("2")),
                module(3, Role.ELECTIVE, "40", group="el"),
                module(4, Role.ELECTIVE, "60", group="el"),
            ),
        ),
        (
            "Pass the module “M1” with at least 50 %.",
            "Pass the capstone project “M2” with at least 50 %.",
            "Pass 1 elective of “Choice” (“M3”, “M4”) at its pass mark.",
            "The weighted grade averages the modules by weight: “M1” ×1, “M2” ×2.",
            "A weighted grade of at least 55 %.",
        ),
    ),
    ("nothing required", Policy(version=0, modules=(module(1, Role.OPTIONAL),)), ()),
]


@pytest.mark.parametrize(
    ("policy", "expected"), [row[1:] for row in TABLE], ids=[r[0] for r in TABLE]
)
def test_the_policy_is_described_rule_by_rule(policy: Policy, expected: tuple[str, ...]) -> None:
    assert describe_policy(policy) == expected


def test_the_description_is_worded_in_the_active_language() -> None:
    policy = TABLE[1][1]
    with translation.override("de"):
        lines = describe_policy(policy)
    assert lines[0] == "Bestehen Sie das Modul „M1“ mit mindestens 50 %."
    assert lines[-1] == "Eine gewichtete Gesamtnote von mindestens 60 %."
    assert "62,5 %" in lines[1]
