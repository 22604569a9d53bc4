"""The requirement engine, table-driven: pure data in, met / pending / missing with reasons out."""

from decimal import Decimal

import pytest
from django.utils import translation

from courses.requirements import (
    CategoryRule,
    GroupRule,
    Item,
    ModuleRule,
    Policy,
    RecordedResult,
    Result,
    Role,
    Status,
    evaluate,
)

D = Decimal


def module(mid: int, title: str, role: Role = Role.REQUIRED, **extra: object) -> ModuleRule:
    options: dict[str, object] = {"pass_mark": D(50), **extra}
    return ModuleRule(module_id=mid, title=title, role=role, **options)  # type: ignore[arg-type]


def item(aid: int, mid: int, points: str | None, max_points: str = "100", **extra: bool) -> Item:
    return Item(
        assignment_id=aid,
        module_id=mid,
        title=f"A{aid}",
        max_points=D(max_points),
        points=None if points is None else D(points),
        **extra,
    )


def texts(result: Result) -> list[str]:
    with translation.override("en"):
        return [r.text for r in result.requirements]


# --- modules and the rounding rule ---------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "max_points", "pass_mark", "status", "text"),
    [
        # 89.95 % is shown as 90.0 %, and what is shown is what is compared: it passes.
        ("89.95", "100", "90", Status.MET, "Module 2: passed with 90.0 % (pass mark 90 %)"),
        ("89.94", "100", "90", Status.MISSING, "Module 2: 89.9 % < pass mark 90 %"),
        ("5.45", "10", "60", Status.MISSING, "Module 2: 54.5 % < pass mark 60 %"),
        ("6", "10", "60", Status.MET, "Module 2: passed with 60.0 % (pass mark 60 %)"),  # >=
        ("0", "10", "0", Status.MET, "Module 2: passed with 0.0 % (pass mark 0 %)"),
        ("5.95", "10", "59.5", Status.MET, "Module 2: passed with 59.5 % (pass mark 59.5 %)"),
    ],
)
def test_a_module_passes_on_the_shown_percentage(
    points: str, max_points: str, pass_mark: str, status: Status, text: str
) -> None:
    policy = Policy(version=1, modules=(module(2, "Module 2", pass_mark=D(pass_mark)),))
    result = evaluate(policy, [item(1, 2, points, max_points)])
    assert result.requirements[0].status is status
    assert texts(result) == [text]
    assert result.complete is (status is Status.MET)


@pytest.mark.parametrize(
    ("items", "status", "text"),
    [
        ([item(1, 1, "80"), item(2, 1, None)], Status.MISSING, "M: 1 of 2 assignments graded"),
        (
            [item(1, 1, "80"), item(2, 1, None, awaiting_review=True)],
            Status.PENDING,
            "M: 1 submission awaiting review",
        ),
        ([], Status.MISSING, "M: no result recorded yet"),
    ],
)
def test_an_unfinished_module_is_missing_or_pending_review(
    items: list[Item], status: Status, text: str
) -> None:
    result = evaluate(Policy(version=1, modules=(module(1, "M"),)), items)
    assert [r.status for r in result.requirements] == [status]
    assert texts(result) == [text]
    assert not result.complete


@pytest.mark.parametrize(
    ("recorded", "status", "text", "percent"),
    [
        (RecordedResult(1, True), Status.MET, "Training: passed (result recorded)", None),
        (
            RecordedResult(1, True, D("87.5")),
            Status.MET,
            "Training: passed with 87.5 % (result recorded)",
            D("87.5"),
        ),
        (RecordedResult(1, False), Status.MISSING, "Training: not passed (result recorded)", None),
    ],
)
def test_a_recorded_result_decides_a_module_without_assignments(
    recorded: RecordedResult, status: Status, text: str, percent: Decimal | None
) -> None:
    policy = Policy(version=1, modules=(module(1, "Training"),))
    result = evaluate(policy, [], {1: recorded})
    assert [r.status for r in result.requirements] == [status]
    assert texts(result) == [text]
    assert result.weighted_grade == percent  # module mode: the recorded grade counts


# --- categories: weights, drop-lowest, minimums ----------------------------------------------


def two_categories(
    *,
    drop: int = 0,
    minimum: str = "0",
    capstone_weight: str = "60",
    pass_mark: str = "60",  # noqa: S107 - a pass mark, not a password
) -> Policy:
    return Policy(
        version=3,
        pass_mark=D(pass_mark),
        categories=(
            CategoryRule(
                "exercises",
                "exercises",
                D(100) - D(capstone_weight),
                drop_lowest=drop,
                minimum=D(minimum),
            ),
            CategoryRule("capstone", "capstone", D(capstone_weight)),
        ),
        modules=(
            module(1, "Exercises", category="exercises", pass_mark=D(0)),
            module(9, "Project", Role.CAPSTONE, category="capstone", pass_mark=D(0)),
        ),
    )


@pytest.mark.parametrize(
    ("exercises", "drop", "percent", "dropped", "complete"),
    [
        (["50", "80", "90"], 1, "85.0", (1,), True),
        (["70", "70", "90"], 1, "80.0", (2,), True),  # a tie: the later one is dropped
        (["40", "90"], 3, "90.0", (1,), True),  # fewer grades than n: the best one still counts
        (["90"], 5, "90.0", (), True),
        (["80", "90", None], 1, "85.0", (), True),  # the missing one is the one dropped
        (["80", None, None], 1, "80.0", (), False),  # 1 more needed
        (["50", "80", "90"], 0, "73.3", (), True),  # mean of the percentages, rounded
        ([None, None], 0, None, (), False),
    ],
)
def test_drop_lowest(
    exercises: list[str | None],
    drop: int,
    percent: str | None,
    dropped: tuple[int, ...],
    complete: bool,
) -> None:
    items = [item(i + 1, 1, p) for i, p in enumerate(exercises)]
    result = evaluate(two_categories(drop=drop), [*items, item(99, 9, "80")])
    category = result.categories[0]
    assert category.percent == (None if percent is None else D(percent))
    assert category.dropped == dropped
    assert category.complete is complete


def test_the_weighted_grade_compares_the_shown_value_with_the_pass_mark() -> None:
    # 40 % x 59.9 + 60 % x 60.0 = 59.96 -> shown 60.0 -> meets 60 (inclusive).
    result = evaluate(two_categories(), [item(1, 1, "59.9"), item(9, 9, "60")])
    assert result.weighted_grade == D("60.0")
    assert result.grade_is_final
    assert texts(result)[-1] == "Weighted grade 60.0 % ≥ pass mark 60 %"
    assert result.complete
    # 50/50 of 59.8 and 60.0 = 59.9: shown 59.9, fails.
    result = evaluate(two_categories(capstone_weight="50"), [item(1, 1, "59.8"), item(9, 9, "60")])
    assert result.weighted_grade == D("59.9")
    assert texts(result)[-1] == "Weighted grade 59.9 % < pass mark 60 %"
    assert not result.complete


def test_each_level_is_rounded_before_the_next_uses_it() -> None:
    # Category: mean(89.9, 90.0) = 89.95 -> shown 90.0; the weighted grade builds on 90.0.
    policy = two_categories(capstone_weight="0", pass_mark="90")
    policy = Policy(
        version=1,
        pass_mark=D(90),
        categories=(CategoryRule("exercises", "exercises", D(100)),),
        modules=(module(1, "Exercises", category="exercises", pass_mark=D(0)),),
    )
    result = evaluate(policy, [item(1, 1, "89.9"), item(2, 1, "90")])
    assert result.categories[0].percent == D("90.0")
    assert result.weighted_grade == D("90.0")
    assert result.complete


def test_the_grade_is_provisional_until_every_weighted_category_is_complete() -> None:
    result = evaluate(two_categories(), [item(1, 1, "95"), item(9, 9, None)])
    assert result.weighted_grade == D("95.0")  # released grades only
    assert not result.grade_is_final
    assert result.requirements[-1].status is Status.MISSING
    assert texts(result)[-1] == (
        "Weighted grade so far 95.0 % (pass mark 60 %); final once all graded work is released"
    )
    awaiting = evaluate(
        two_categories(), [item(1, 1, "95"), item(9, 9, None, awaiting_review=True)]
    )
    assert awaiting.requirements[-1].status is Status.PENDING
    nothing = evaluate(two_categories(), [item(1, 1, None), item(9, 9, None)])
    assert nothing.weighted_grade is None
    assert texts(nothing)[-1] == "No graded work yet (pass mark 60 %)"


@pytest.mark.parametrize(
    ("exercises", "status", "text"),
    [
        (["45", "55"], Status.MET, "Category exercises: 50.0 % ≥ minimum 50 %"),
        (["45", "54.8"], Status.MISSING, "Category exercises below minimum 50 % (49.9 %)"),
        (["49.9", "50"], Status.MET, "Category exercises: 50.0 % ≥ minimum 50 %"),  # 49.95
        (["80", None], Status.MISSING, "Category exercises: 1 more graded assignment needed"),
    ],
)
def test_a_category_minimum(exercises: list[str | None], status: Status, text: str) -> None:
    items = [item(i + 1, 1, p) for i, p in enumerate(exercises)]
    result = evaluate(two_categories(minimum="50"), [*items, item(9, 9, "100")])
    [requirement] = [r for r in result.requirements if r.kind == "category"]
    assert requirement.status is status
    with translation.override("en"):
        assert requirement.text == text


def test_a_category_without_anything_to_grade_is_missing_and_not_averaged_in() -> None:
    policy = Policy(
        version=1,
        pass_mark=D(50),
        categories=(
            CategoryRule("exercises", "exercises", D(40), minimum=D(50)),
            CategoryRule("capstone", "capstone", D(60)),
        ),
        modules=(module(9, "Project", Role.CAPSTONE, category="capstone"),),
    )
    result = evaluate(policy, [item(9, 9, "70")])
    [category] = [r for r in result.requirements if r.kind == "category"]
    assert category.status is Status.MISSING
    with translation.override("en"):
        assert category.text == "Category exercises: nothing to grade yet"
    assert result.weighted_grade == D("70.0")  # only the category with grades counts
    assert not result.grade_is_final and not result.complete


def test_a_zero_weight_category_has_a_minimum_but_no_say_in_the_grade() -> None:
    policy = Policy(
        version=1,
        pass_mark=D(50),
        categories=(
            CategoryRule("quizzes", "quizzes", D(0), minimum=D(50)),
            CategoryRule("project", "project", D(100)),
        ),
        modules=(
            module(1, "Quizzes", category="quizzes", pass_mark=D(0)),
            module(9, "Project", Role.CAPSTONE, category="project"),
        ),
    )
    passing = evaluate(policy, [item(1, 1, "60"), item(9, 9, "80")])
    assert passing.weighted_grade == D("80.0") and passing.complete
    failing = evaluate(policy, [item(1, 1, "40"), item(9, 9, "80")])
    assert failing.weighted_grade == D("80.0")
    assert not failing.complete
    assert [r.kind for r in failing.still_needed] == ["category"]


# --- electives ---------------------------------------------------------------------------------


def electives_policy(required: int = 2) -> Policy:
    return Policy(
        version=1,
        pass_mark=D(50),
        categories=(CategoryRule("all", "all", D(100)),),
        groups=(GroupRule("electives", "Electives", required),),
        modules=(
            module(1, "Core", category="all"),
            module(2, "Elective A", Role.ELECTIVE, category="all", group="electives"),
            module(3, "Elective B", Role.ELECTIVE, category="all", group="electives"),
            module(4, "Elective C", Role.ELECTIVE, category="all", group="electives"),
        ),
    )


@pytest.mark.parametrize(
    ("electives", "status", "text"),
    [
        ({}, Status.MISSING, "Electives: 2 of 2 electives still needed"),
        ({2: "80"}, Status.MISSING, "Electives: 1 of 2 electives still needed"),
        ({2: "80", 3: "30"}, Status.MISSING, "Electives: 1 of 2 electives still needed"),
        ({2: "80", 3: None}, Status.PENDING, "Electives: 1 of 2 electives still needed"),
        ({2: "80", 4: "60"}, Status.MET, "Electives: 2 of 2 electives passed"),
        ({2: "80", 3: "90", 4: "60"}, Status.MET, "Electives: 3 of 2 electives passed"),
    ],
)
def test_electives_two_of_three(
    electives: dict[int, str | None], status: Status, text: str
) -> None:
    items = [item(1, 1, "70")]
    items += [
        item(mid * 10, mid, points, awaiting_review=points is None)
        for mid, points in electives.items()
    ]
    result = evaluate(electives_policy(), items)
    [group] = [r for r in result.requirements if r.kind == "electives"]
    assert group.status is status
    with translation.override("en"):
        assert group.text == text


def test_an_elective_nobody_chose_does_not_count_against_the_grade() -> None:
    items = [item(1, 1, "70"), item(20, 2, "90"), item(30, 3, "80"), item(40, 4, None)]
    result = evaluate(electives_policy(), items)
    assert result.categories[0].percent == D("80.0")  # mean(70, 90, 80); C not taken
    assert result.categories[0].total == 3
    assert result.complete


# --- the whole result -----------------------------------------------------------------------


def test_the_implicit_policy_has_no_overall_pass_mark_and_ignores_optional_modules() -> None:
    policy = Policy(
        version=0,
        modules=(
            module(1, "Core", weight=D(1)),
            module(2, "Extra", Role.OPTIONAL, weight=D(1)),
            module(9, "Project", Role.CAPSTONE, weight=D(2)),
        ),
    )
    result = evaluate(policy, [item(1, 1, "60"), item(2, 2, "0"), item(9, 9, "90")])
    assert [r.kind for r in result.requirements] == ["module", "module"]
    assert result.weighted_grade == D("80.0")  # (1 x 60 + 2 x 90) / 3
    assert result.complete and result.percent_complete == 100


def test_progress_counts_requirements_met() -> None:
    result = evaluate(electives_policy(), [item(1, 1, "70"), item(20, 2, "90")])
    # Core met; one more elective needed; the grade so far (electives taken count) passes.
    assert [r.status for r in result.requirements] == [Status.MET, Status.MISSING, Status.MET]
    assert result.met_count == 2 and result.percent_complete == 67
    assert [r.kind for r in result.still_needed] == ["electives"]
    assert not result.complete


def test_a_result_survives_storage_unchanged() -> None:
    result = evaluate(
        electives_policy(),
        [item(1, 1, "70"), item(20, 2, "90"), item(30, 3, None, awaiting_review=True)],
        {4: RecordedResult(4, False, None, "absent")},
    )
    assert Result.from_json(result.to_json()) == result


def test_reasons_are_written_in_the_readers_language() -> None:
    policy = Policy(version=1, modules=(module(2, "Modul 2", pass_mark=D(60)),))
    result = evaluate(policy, [item(1, 2, "5.45", "10")])
    with translation.override("de"):
        assert result.requirements[0].text == "Modul 2: 54,5 % < Bestehensgrenze 60 %"


@pytest.mark.parametrize(
    ("recorded", "percent", "complete"),
    [
        (None, D("80.0"), False),  # the training's grade is still to come
        (RecordedResult(2, True, D("90")), D("85.0"), True),  # its grade is one item
        (RecordedResult(2, True), D("80.0"), True),  # pass/fail: nothing to average
    ],
)
def test_a_module_without_assignments_in_a_category(
    recorded: RecordedResult | None, percent: Decimal, complete: bool
) -> None:
    policy = Policy(
        version=1,
        pass_mark=D(50),
        categories=(CategoryRule("all", "all", D(100)),),
        modules=(module(1, "Course", category="all"), module(2, "Training", category="all")),
    )
    result = evaluate(policy, [item(1, 1, "80")], {2: recorded} if recorded else {})
    assert result.categories[0].percent == percent
    assert result.complete is complete


def test_an_assignment_can_count_in_another_category_than_its_module() -> None:
    policy = Policy(
        version=1,
        pass_mark=D(50),
        categories=(
            CategoryRule("exercises", "exercises", D(50)),
            CategoryRule("quizzes", "quizzes", D(50)),
        ),
        modules=(module(1, "Week 1", category="exercises", pass_mark=D(0)),),
        assignment_categories=((2, "quizzes"),),
    )
    result = evaluate(policy, [item(1, 1, "80"), item(2, 1, "40")])
    exercises, quizzes = result.categories
    assert (exercises.percent, exercises.total) == (D("80.0"), 1)
    assert (quizzes.percent, quizzes.total) == (D("40.0"), 1)
    assert result.weighted_grade == D("60.0")
