"""The server-rendered SVG charts: well-formed, accessible, escaped, and sane at the edges."""

import xml.etree.ElementTree as ET

import pytest

from submissions.gradebook.charts import HorizontalBar, Series, bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def columns(**overrides: object) -> str:
    options: dict[str, object] = {
        "chart_id": "dist",
        "title": "Score distribution",
        "desc": "How many participants scored in each band",
        "categories": ["0–10", "10–20", "20–30"],
        "series": [Series("released", (1, 0, 4)), Series("not released", (2, 0, 0))],
        "y_label": "participants",
        "empty_text": "No data yet",
    }
    options.update(overrides)
    return str(column_chart(**options))  # type: ignore[arg-type]


def test_a_column_chart_is_labelled_for_screen_readers() -> None:
    root = parse(columns())
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "dist-title dist-desc"
    assert root.find(f"{SVG}title").text == "Score distribution"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text.startswith("How many")  # type: ignore[union-attr]


def test_stacked_columns_draw_one_rect_per_non_zero_part_and_write_the_totals() -> None:
    root = parse(columns())
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 3  # 1+2 in the first band, 4 in the third, nothing for the empty band
    labels = texts(root)
    assert "3" in labels and "4" in labels  # totals above the bars
    assert "released" in labels and "not released" in labels  # the legend
    heights = sorted(float(r.get("height", 0)) for r in bars)
    assert heights[-1] == pytest.approx(4 * heights[0])


def test_every_label_and_title_is_escaped() -> None:
    svg = columns(
        chart_id='x" onload="alert(1)',
        title=HOSTILE,
        desc=HOSTILE,
        categories=[HOSTILE],
        series=[Series(HOSTILE, (2,))],
    )
    assert "<script>" not in svg
    assert 'onload="' not in svg
    root = parse(svg)  # still well-formed XML
    assert root.find(f"{SVG}title").text == HOSTILE  # type: ignore[union-attr]
    assert HOSTILE in texts(root)


def test_a_column_chart_without_data_says_so() -> None:
    for categories, series in [([], []), (["a", "b"], [Series("s", (0, 0))])]:
        root = parse(columns(categories=categories, series=series))
        assert texts(root) == ["No data yet"]
        assert not list(root.iter(f"{SVG}rect"))


def test_a_single_value_fills_a_sensible_axis() -> None:
    root = parse(columns(categories=["only"], series=[Series("s", (1,))]))
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 1
    assert float(bars[0].get("height", 0)) > 0
    assert "1" in texts(root)


def test_series_must_match_the_categories() -> None:
    with pytest.raises(ValueError, match="one value per category"):
        columns(categories=["a", "b"], series=[Series("s", (1,))])


def test_a_bar_chart_draws_each_bar_to_scale_and_escapes_labels() -> None:
    svg = str(
        bar_chart(
            chart_id="pass",
            title="Pass rates",
            desc="Share of latest attempts passing each test",
            bars=[
                HorizontalBar(label=HOSTILE, value=100, text="100 %"),
                HorizontalBar(label="test_b", value=25, text="25 % (1 of 4)"),
                HorizontalBar(label="over", value=140, text="clamped"),
            ],
            maximum=100,
            empty_text="none",
        )
    )
    assert "<script>" not in svg
    root = parse(svg)
    fills = [r for r in root.iter(f"{SVG}rect") if r.get("fill") != "#eee"]
    widths = [float(r.get("width", 0)) for r in fills]
    assert widths[0] == pytest.approx(4 * widths[1])
    assert widths[2] == widths[0]  # values above the maximum are clamped
    assert "25 % (1 of 4)" in texts(root)
    # Long labels are shortened on screen, the full label stays in a tooltip title.
    assert any("".join(t.itertext()) == HOSTILE for t in root.iter(f"{SVG}title"))


def test_a_bar_chart_without_bars_says_so() -> None:
    root = parse(
        str(
            bar_chart(
                chart_id="p", title="t", desc="d", bars=[], maximum=100, empty_text="No tests"
            )
        )
    )
    assert texts(root) == ["No tests"]


def test_count_axes_never_show_fractions() -> None:
    for peak in (1, 3, 4, 7, 13, 120):
        root = parse(columns(categories=["a"], series=[Series("s", (peak,))]))
        ticks = [t for t in texts(root) if t.replace(".", "").isdigit()]
        assert all("." not in t for t in ticks), (peak, ticks)
        assert max(float(t) for t in ticks) >= peak
