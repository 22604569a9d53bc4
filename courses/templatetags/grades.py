"""Template filters that show scores the one way the platform shows them."""

from decimal import Decimal, InvalidOperation

from django import template

from courses.scoring import round_score

register = template.Library()


@register.filter
def points(value: Decimal | None) -> str:
    """Points without trailing zeros: 4.50 -> "4.5", 5.00 -> "5"; "—" for none yet."""
    if value is None or value == "":
        return "—"
    try:
        text = format(Decimal(value), "f")
    except InvalidOperation:
        return str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def percent(value: Decimal | None) -> str:
    """A percentage through the one rounding rule (``courses.scoring``)."""
    if value is None or value == "":
        return "—"
    return f"{round_score(Decimal(value))} %"
