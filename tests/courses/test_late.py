"""Late-policy arithmetic, table-driven (Decimal in, Decimal out)."""

from decimal import Decimal

import pytest

from courses.late import LatePolicy, apply_late_policy

DAY, HOUR, MINUTE = 86_400, 3_600, 60


@pytest.mark.parametrize(
    ("raw", "late", "policy", "penalty", "final"),
    [
        # on time, or within the grace period: nothing
        ("80", 0, LatePolicy(percent_per_unit=Decimal(10)), "0", "80"),
        ("80", 10 * MINUTE, LatePolicy(grace_minutes=15, percent_per_unit=Decimal(10)), "0", "80"),
        # one second after grace: the whole first day counts, measured from the due date
        (
            "80",
            15 * MINUTE + 1,
            LatePolicy(grace_minutes=15, percent_per_unit=Decimal(10)),
            "10",
            "70",
        ),
        # each started day deducts 10 % of the maximum (100 points)
        ("80", DAY, LatePolicy(percent_per_unit=Decimal(10)), "10", "70"),
        ("80", DAY + 1, LatePolicy(percent_per_unit=Decimal(10)), "20", "60"),
        ("80", 3 * DAY, LatePolicy(percent_per_unit=Decimal(10)), "30", "50"),
        # per hour
        ("80", 90 * MINUTE, LatePolicy(percent_per_unit=Decimal("2.5"), unit="hour"), "5", "75"),
        # never negative
        ("15", 5 * DAY, LatePolicy(percent_per_unit=Decimal(10)), "15", "0"),
        # the floor: late work keeps at least 50 % of the maximum ...
        (
            "90",
            9 * DAY,
            LatePolicy(percent_per_unit=Decimal(10), floor_percent=Decimal(50)),
            "40",
            "50",
        ),
        # ... but a penalty never raises a score below the floor
        (
            "30",
            9 * DAY,
            LatePolicy(percent_per_unit=Decimal(10), floor_percent=Decimal(50)),
            "0",
            "30",
        ),
        # no policy: late work is only flagged
        ("80", 7 * DAY, LatePolicy(), "0", "80"),
        # scores are kept to cents, half up: 33.325 stays 33.33, 33.315 becomes 33.32
        ("33.33", HOUR, LatePolicy(percent_per_unit=Decimal("0.005"), unit="hour"), "0", "33.33"),
        (
            "33.33",
            HOUR,
            LatePolicy(percent_per_unit=Decimal("0.015"), unit="hour"),
            "0.01",
            "33.32",
        ),
    ],
)
def test_late_penalties(raw: str, late: int, policy: LatePolicy, penalty: str, final: str) -> None:
    result = apply_late_policy(
        raw=Decimal(raw), max_points=Decimal(100), late_seconds=late, policy=policy
    )
    assert (result.penalty, result.final) == (Decimal(penalty), Decimal(final))
    assert result.raw - result.penalty == result.final
