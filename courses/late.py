"""Late-work arithmetic: one pure function, Decimal throughout, table-tested.

Semantics (documented in docs/grading.md):
- Lateness is measured from the effective due date (the participant's extension, else their
  cohort's, else the assignment's). Work within the grace period is not late at all; beyond
  it, lateness still counts from the due date.
- Each started unit (day or hour) of lateness deducts ``percent_per_unit`` percent of the
  assignment's *maximum* points (as Canvas does: "10 % per day" means 10 points of 100).
- The floor is the lowest final score late work can be brought down to, as a percentage of
  the maximum points; a penalty never raises a score and never makes it negative.
- After the hard cut-off, uploads are refused (see ``submit_attempt``).
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

UNIT_SECONDS = {"day": 86_400, "hour": 3_600}
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class LatePolicy:
    grace_minutes: int = 0
    percent_per_unit: Decimal = Decimal(0)
    unit: str = "day"
    floor_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class LateResult:
    raw: Decimal
    penalty: Decimal
    final: Decimal
    units: int


def apply_late_policy(
    *, raw: Decimal, max_points: Decimal, late_seconds: int, policy: LatePolicy
) -> LateResult:
    if late_seconds <= policy.grace_minutes * 60 or policy.percent_per_unit <= 0:
        return LateResult(raw=raw, penalty=Decimal(0), final=raw, units=0)
    units = math.ceil(late_seconds / UNIT_SECONDS[policy.unit])
    percent = min(Decimal(100), policy.percent_per_unit * units)
    deducted = raw - max_points * percent / 100
    floor = min(raw, max_points * policy.floor_percent / 100)
    final = max(deducted, floor, Decimal(0)).quantize(_CENT, rounding=ROUND_HALF_UP)
    return LateResult(raw=raw, penalty=raw - final, final=final, units=units)
