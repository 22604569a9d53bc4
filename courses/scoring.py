"""The one rounding rule for every grade the platform shows, stores or certifies.

Scores are ``Decimal`` from end to end. Percentages are rounded to ``PLACES`` decimal places with
ROUND_HALF_UP, and a pass decision compares the *rounded* percentage with the threshold
(inclusive, ``>=``), so a participant shown 90.0 % never fails a 90 % pass mark: what is shown is
what counts. Progress page, gradebook, export, certificate and API all go through here.
"""

from decimal import ROUND_HALF_UP, Decimal

PLACES = 1
_QUANTUM = Decimal(1).scaleb(-PLACES)
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def round_score(value: Decimal) -> Decimal:
    return value.quantize(_QUANTUM, rounding=ROUND_HALF_UP)


def percentage(points: Decimal, max_points: Decimal) -> Decimal:
    """Points as a rounded percentage of the maximum; 0 when nothing could be earned."""
    if max_points <= ZERO:
        return round_score(ZERO)
    return round_score(points * HUNDRED / max_points)


def meets(value: Decimal, threshold: Decimal) -> bool:
    """Whether a (rounded) score reaches a threshold; thresholds are inclusive."""
    return round_score(value) >= threshold
