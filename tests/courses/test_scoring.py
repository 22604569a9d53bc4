from decimal import Decimal

import pytest

from courses.scoring import meets, percentage, round_score


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("89.95", "90.0"),
        ("89.94", "89.9"),
        ("0.05", "0.1"),
        ("0.04", "0.0"),
        ("100", "100.0"),
        ("66.666666", "66.7"),
        ("2.25", "2.3"),  # half up, not banker's rounding (which gives 2.2)
    ],
)
def test_round_score_rounds_half_up_to_one_place(value: str, expected: str) -> None:
    assert round_score(Decimal(value)) == Decimal(expected)


@pytest.mark.parametrize(
    ("points", "max_points", "expected"),
    [("1", "3", "33.3"), ("2", "3", "66.7"), ("0", "0", "0.0"), ("5", "5", "100.0")],
)
def test_percentage(points: str, max_points: str, expected: str) -> None:
    assert percentage(Decimal(points), Decimal(max_points)) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "threshold", "passes"),
    [
        ("89.95", "90", True),  # shown as 90.0, so it passes: what is shown is what counts
        ("89.94", "90", False),
        ("90", "90", True),  # thresholds are inclusive
        ("49.99", "50", True),
        ("49.94", "50", False),
    ],
)
def test_meets_compares_the_shown_value_inclusively(
    value: str, threshold: str, passes: bool
) -> None:
    assert meets(Decimal(value), Decimal(threshold)) is passes
