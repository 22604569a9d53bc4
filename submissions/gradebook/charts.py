"""Small, dependency-free SVG bar charts, rendered on the server (no JavaScript library).

Each chart is an accessible image: ``role="img"`` labelled by its ``<title>`` and ``<desc>``, and
the page shows the same numbers in a table beside it (the chart is never the only carrier of a
value). Every piece of text that reaches the SVG is escaped here, whatever the caller passes:
labels are grade ids and titles chosen by instructors. The module knows nothing of languages:
callers pass translated, formatted strings.

Colours are presentation attributes, not ``style`` attributes, so the site's
Content-Security-Policy (no inline styles) does not strip them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe pair (Okabe-Ito blue and orange); a series is also named in the legend.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Series:
    """One stacked part of every bar: a name for the legend and one value per category."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class HorizontalBar:
    label: str
    value: float  # in 0..maximum
    text: str  # what is written beside the bar, e.g. "83.3 % (10 of 12)"


def _e(text: str) -> str:
    return escape(text, quote=True)


def _open(*, chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    ident = _e(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{ident}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{_e(title)}</title><desc id="{ident}-desc">{_e(desc)}</desc>'
    )


def _nice_step(value: float, *, integers: bool) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n at or above ``value`` (no 2.5 for counts, whose
    axis must not show fractions), so axis ticks read well."""
    if value <= 0:
        return 1.0
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    steps = (1, 2, 5, 10) if integers else (1, 2, 2.5, 5, 10)
    for step in steps:
        candidate = step * magnitude
        if candidate >= value and (not integers or candidate >= 1):
            return candidate
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    return f"{value:g}"


def column_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    y_label: str,
    empty_text: str,
) -> SafeString:
    """Vertical bars, one per category, each stacked from the series' values (counts)."""
    for item in series:
        if len(item.values) != len(categories):
            raise ValueError(f"Series {item.name!r} needs one value per category.")
    totals = [sum(item.values[i] for item in series) for i in range(len(categories))]
    # Room for the longest category label under its column (about 7 px per character).
    slot_w = max(56, 12 + 7 * max((len(c) for c in categories), default=0))
    width, height = max(360, 60 + slot_w * len(categories)), 260
    left, right, top, bottom = 48, 12, 28, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [_open(chart_id=chart_id, width=width, height=height, title=title, desc=desc)]
    if not categories or max(totals, default=0) <= 0:
        parts.append(
            f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" {_FONT}>'
            f"{_e(empty_text)}</text></svg>"
        )
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
    integers = all(float(v).is_integer() for item in series for v in item.values)
    step = _nice_step(max(totals) / 4, integers=integers)
    top_value = step * 4
    # Axis with five ticks and light grid lines.
    for tick in range(5):
        value = step * tick
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="#ccc" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>'
            f"{_e(_number(round(value, 2)))}</text>"
        )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" {_FONT} '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{_e(y_label)}</text>'
    )
    slot = plot_w / len(categories)
    bar_w = min(60.0, max(4.0, slot * 0.7))
    for index, category in enumerate(categories):
        x = left + slot * index + (slot - bar_w) / 2
        base = float(top + plot_h)
        for colour, item in zip(_colours(len(series)), series, strict=True):
            value = item.values[index]
            if value <= 0:
                continue
            bar_h = plot_h * value / top_value
            base -= bar_h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" '
                f'fill="{colour}"><title>{_e(f"{category}: {item.name} {_number(value)}")}'
                f"</title></rect>"
            )
        if totals[index] > 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{base - 4:.1f}" text-anchor="middle" {_FONT}>'
                f"{_e(_number(totals[index]))}</text>"
            )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f"{_FONT}>{_e(category)}</text>"
        )
    parts.append(_legend(series, x=left, y=height - 14))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[HorizontalBar],
    maximum: float,
    empty_text: str,
) -> SafeString:
    """Horizontal bars (e.g. pass rates per test), each labelled on the left and annotated."""
    label_w, text_w, row_h = 200, 150, 26
    width = 640
    plot_w = width - label_w - text_w
    height = max(60, 16 + row_h * len(bars))
    parts = [_open(chart_id=chart_id, width=width, height=height, title=title, desc=desc)]
    if not bars:
        parts.append(
            f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" {_FONT}>'
            f"{_e(empty_text)}</text></svg>"
        )
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
    scale = maximum if maximum > 0 else 1.0
    for index, bar in enumerate(bars):
        y = 8 + row_h * index
        value = min(max(bar.value, 0.0), scale)
        bar_w = plot_w * value / scale
        label = bar.label if len(bar.label) <= 24 else bar.label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" {_FONT}>'
            f"<title>{_e(bar.label)}</title>{_e(label)}</text>"
            f'<rect x="{label_w}" y="{y + 2}" width="{plot_w}" height="{row_h - 8}" '
            f'fill="#eee"/>'
            f'<rect x="{label_w}" y="{y + 2}" width="{bar_w:.1f}" height="{row_h - 8}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + plot_w + 8}" y="{y + 15}" {_FONT}>{_e(bar.text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _colours(count: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def _legend(series: Sequence[Series], *, x: int, y: int) -> str:
    parts = []
    offset = x
    for colour, item in zip(_colours(len(series)), series, strict=True):
        parts.append(
            f'<rect x="{offset}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{offset + 16}" y="{y}" {_FONT}>{_e(item.name)}</text>'
        )
        offset += 28 + 7 * len(item.name)
    return "".join(parts)
