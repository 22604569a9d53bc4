"""Template filters that show scores the one way the platform shows them."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.scoring import PLACES, round_score

register = template.Library()


@register.filter
def points(value: Decimal | None) -> str:
    """Points without trailing zeros: 4.50 -> "4.5", 5.00 -> "5"; "—" for none yet."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(value)
    except InvalidOperation:
        return str(value)
    # Drop trailing zeros (4.50 -> 4.5, 5.00 -> 5), then use the language's decimal separator.
    text = format(number, "f")
    text = text.rstrip("0").rstrip(".") if "." in text else text
    places = len(text.split(".")[1]) if "." in text else 0
    return number_format(Decimal(text), places)


@register.filter
def percent(value: Decimal | None) -> str:
    """A percentage through the one rounding rule (``courses.scoring``)."""
    if value is None or value == "":
        return "—"
    return f"{number_format(round_score(Decimal(value)), PLACES)} %"


@register.filter
def late_duration(seconds: int) -> str:
    """How late, in words: "3 h 20 min late", "2 days 4 h late"."""
    minutes = int(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [ngettext("%(n)d day", "%(n)d days", days) % {"n": days}] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes and not days else []
    return _("%(duration)s late") % {"duration": " ".join(parts) or "< 1 min"}
