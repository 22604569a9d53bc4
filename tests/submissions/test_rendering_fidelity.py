"""Fidelity: what an ordinary notebook shows in Jupyter survives the safe rendering pipeline."""

from __future__ import annotations

import re

import pytest
from nbformat import v4

from submissions.rendering import RENDERER_VERSION, render_document, render_fragment
from tests.submissions.notebook_html import (
    GIF,
    JPEG,
    PNG,
    Parsed,
    assert_safe,
    notebook,
    parse,
    python_notebook,
    to_bytes,
)

PANDAS_TABLE = """<div>
<style scoped>
    .dataframe tbody tr th:only-of-type { vertical-align: middle; }
</style>
<table border="1" class="dataframe">
  <thead>
    <tr style="text-align: right;"><th></th><th>city</th><th>population</th></tr>
  </thead>
  <tbody>
    <tr><th>0</th><td>Dortmund</td><td>593317</td></tr>
    <tr><th>1</th><td>Bochum</td><td>365742</td></tr>
  </tbody>
</table>
</div>"""

TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[3], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m",
    "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
]


@pytest.fixture(scope="module")
def rendered() -> Parsed:
    nb = python_notebook(
        v4.new_markdown_cell(  # 1
            "# Machine Learning in Data Science\n\n## Task 1\n\n### Details\n\n"
            "Some *emphasis*, **strong**, `inline code` and ~~struck~~ text.\n\n"
            "- first\n- second\n  1. nested one\n  2. nested two\n\n"
            "| model | accuracy |\n|---|---:|\n| tree | 0.91 |\n| forest | 0.94 |\n\n"
            "See [the course page](https://www.tu-dortmund.de/) or mail "
            "[the tutor](mailto:tutor@example.org).\n\n"
            "> A quotation.\n\n"
            "<details><summary>Hint</summary>Use a pipeline.</details>\n\n"
            "Inline maths $e^{i\\pi} + 1 = 0$ and display maths\n\n$$\\sum_{k=1}^n k$$\n\n"
            "```python\ndef f(x):\n    return x ** 2\n```\n\n"
            f"![inline](data:image/png;base64,{PNG}) ![attached](attachment:figure.png)",
            attachments={"figure.png": {"image/png": PNG}},
        ),
        v4.new_code_cell(  # 2
            "import pandas as pd\ndf = pd.DataFrame({'city': ['Dortmund', 'Bochum']})\ndf",
            execution_count=2,
            outputs=[
                v4.new_output(
                    "execute_result",
                    execution_count=2,
                    data={"text/html": PANDAS_TABLE, "text/plain": "       city ..."},
                )
            ],
        ),
        v4.new_code_cell(  # 3
            "1/0",
            execution_count=3,
            outputs=[
                v4.new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="division by zero",
                    traceback=TRACEBACK,
                )
            ],
        ),
        v4.new_code_cell(  # 4
            "plt.plot(x, y)",
            execution_count=4,
            outputs=[
                v4.new_output(
                    "display_data",
                    data={"image/png": PNG, "text/plain": "<Figure size 640x480>"},
                    metadata={"image/png": {"width": 320, "height": 240}},
                ),
                v4.new_output("display_data", data={"image/jpeg": JPEG, "text/plain": "photo"}),
                v4.new_output("display_data", data={"image/gif": GIF, "text/plain": "anim"}),
            ],
        ),
        v4.new_code_cell(  # 5
            "for i in range(3): print(i)",
            execution_count=5,
            outputs=[
                v4.new_output("stream", name="stdout", text="0\n1\n"),
                v4.new_output("stream", name="stdout", text="2\n"),
                v4.new_output("stream", name="stderr", text="warning: \x1b[1;33mcareful\x1b[0m\n"),
                v4.new_output(
                    "stream", name="stdout", text="progress 10%\rprogress 50%\rprogress 100%\n"
                ),
            ],
        ),
        v4.new_code_cell(  # 6
            "display(Math(r'\\frac{a}{b}'))",
            execution_count=6,
            outputs=[
                v4.new_output(
                    "display_data",
                    data={"text/latex": r"$$\frac{a}{b} < 1$$", "text/plain": "<Math>"},
                ),
                v4.new_output("display_data", data={"text/markdown": "**bold** from `Markdown()`"}),
            ],
        ),
        v4.new_code_cell(  # 7: Plotly-style: a script that draws, and a static image
            "fig.show()",
            execution_count=7,
            outputs=[
                v4.new_output(
                    "display_data",
                    data={
                        "text/html": '<div id="plot"></div><script>Plotly.newPlot("plot")</script>',
                        "image/png": PNG,
                        "text/plain": "Figure()",
                    },
                )
            ],
        ),
        v4.new_raw_cell("<p>raw <em>html</em></p>", metadata={"raw_mimetype": "text/html"}),  # 8
        v4.new_code_cell("%%bash\necho hello", execution_count=9),  # 9
    )
    html = render_fragment(to_bytes(nb))
    assert_safe(html)
    return parse(html)


def classes(parsed: Parsed, cell: int) -> set[str]:
    return {
        name
        for element in parsed.cells[cell].elements
        for name in (element.attrs.get("class") or "").split()
    }


def test_markdown_headings_keep_their_levels_and_text(rendered: Parsed) -> None:
    cell = rendered.cells[1]

    assert [(h.tag) for h in cell.elements if re.fullmatch(r"h[1-6]", h.tag)] == ["h1", "h2", "h3"]
    assert "Machine Learning in Data Science" in cell.text


def test_markdown_formatting_lists_and_quotes_survive(rendered: Parsed) -> None:
    cell = rendered.cells[1]
    tags = [element.tag for element in cell.elements]

    for tag in (
        "em",
        "strong",
        "code",
        "del",
        "ul",
        "ol",
        "li",
        "blockquote",
        "details",
        "summary",
    ):
        assert tag in tags, tag
    assert tags.count("li") == 4
    assert "nested two" in cell.text and "A quotation." in cell.text


def test_markdown_tables_survive_with_their_cells(rendered: Parsed) -> None:
    cell = rendered.cells[1]

    assert cell.find("table") and len(cell.find("th")) == 2 and len(cell.find("td")) == 4
    assert "0.94" in cell.text


def test_links_keep_safe_targets_and_gain_a_protective_rel(rendered: Parsed) -> None:
    links = rendered.cells[1].find("a")

    assert [link.attrs.get("href") for link in links] == [
        "https://www.tu-dortmund.de/",
        "mailto:tutor@example.org",
    ]
    assert {link.attrs.get("rel") for link in links} == {"noopener noreferrer nofollow"}


def test_markdown_images_and_attachments_become_data_urls(rendered: Parsed) -> None:
    images = {img.attrs.get("alt"): img.attrs.get("src") for img in rendered.cells[1].find("img")}

    assert images == {
        "inline": f"data:image/png;base64,{PNG}",
        "attached": f"data:image/png;base64,{PNG}",
    }


def test_latex_is_shown_as_source(rendered: Parsed) -> None:
    assert "$e^{i\\pi} + 1 = 0$" in rendered.cells[1].text
    assert "$$\\sum_{k=1}^n k$$" in rendered.cells[1].text
    assert "$$\\frac{a}{b} < 1$$" in rendered.cells[6].text


def test_code_is_highlighted_with_pygments_classes(rendered: Parsed) -> None:
    code_classes = classes(rendered, 2)

    assert "highlight" in code_classes
    assert {"kn", "nn"} <= code_classes  # "import" keyword, module name
    assert "import pandas as pd" in rendered.cells[2].text
    assert {"k", "nf"} <= classes(rendered, 1)  # the fenced ```python block in markdown


def test_cell_magics_are_highlighted_in_their_own_language(rendered: Parsed) -> None:
    assert "hl-bash" in classes(rendered, 9)


def test_a_pandas_table_output_survives_without_its_styles(rendered: Parsed) -> None:
    cell = rendered.cells[2]
    table = cell.find("table")[0]

    assert "dataframe" in (table.attrs.get("class") or "")
    assert list(cell.find("td")) and "Dortmund" in cell.text and "365742" in cell.text
    assert "vertical-align" not in cell.text  # the <style> block is gone, content and all
    assert "Out[2]:" in cell.text.replace("\xa0", " ")


def test_a_traceback_is_readable_with_its_colours_as_classes(rendered: Parsed) -> None:
    cell = rendered.cells[3]

    assert "ZeroDivisionError: division by zero" in cell.text
    assert "----> 1 1/0" in cell.text
    assert "\x1b" not in cell.text and "[0;31m" not in cell.text
    assert {"ansi-red-fg", "ansi-green-fg"} <= classes(rendered, 3)
    assert "output_error" in classes(rendered, 3)


def test_image_outputs_are_shown_with_integer_sizes(rendered: Parsed) -> None:
    images = rendered.cells[4].find("img")

    assert [img.attrs["src"] for img in images] == [
        f"data:image/png;base64,{PNG}",
        f"data:image/jpeg;base64,{JPEG}",
        f"data:image/gif;base64,{GIF}",
    ]
    assert (images[0].attrs.get("width"), images[0].attrs.get("height")) == ("320", "240")
    assert all(img.attrs.get("alt") for img in images)


def test_streams_are_merged_as_jupyter_shows_them_and_stderr_is_marked(rendered: Parsed) -> None:
    cell = rendered.cells[5]

    assert "0\n1\n2\n" in cell.text
    assert "progress 100%" in cell.text and "progress 10%" not in cell.text
    assert "output_stderr" in classes(rendered, 5)
    assert {"ansi-yellow-intense-fg", "ansi-bold"} <= classes(rendered, 5)


def test_markdown_outputs_are_rendered_as_markdown(rendered: Parsed) -> None:
    cell = rendered.cells[6]

    assert list(cell.find("strong")) and "from Markdown()" in cell.text.replace("`", "")


def test_a_scripted_plot_shows_its_static_image_instead(rendered: Parsed) -> None:
    cell = rendered.cells[7]

    assert [img.attrs["src"] for img in cell.find("img")] == [f"data:image/png;base64,{PNG}"]
    assert "Plotly" not in cell.text


def test_raw_html_cells_are_shown_as_html(rendered: Parsed) -> None:
    assert rendered.cells[8].find("em") and "raw html" in rendered.cells[8].text


def test_every_cell_is_one_anchored_wrapper_in_notebook_order(rendered: Parsed) -> None:
    assert rendered.anchor_order == list(range(1, 10))
    assert not [h for h in rendered.elements if re.fullmatch(r"h[1-6]", h.tag) and "id" in h.attrs]


def test_an_r_notebook_is_highlighted_as_r() -> None:
    nb = notebook(
        v4.new_code_cell("fit <- lm(dist ~ speed, data = cars)"),
        kernelspec={"name": "ir", "display_name": "R", "language": "R"},
        language_info={"name": "R", "pygments_lexer": "r"},
    )

    parsed = parse(render_fragment(nb))

    assert "hl-r" in classes(parsed, 1)
    assert "fit <- lm(dist ~ speed, data = cars)" in parsed.cells[1].text


def test_an_unknown_language_is_shown_as_plain_text() -> None:
    nb = notebook(v4.new_code_cell("x := 1"), language_info={"name": "no-such-language"})

    parsed = parse(render_fragment(nb))

    assert "hl-text" in classes(parsed, 1)
    assert "x := 1" in parsed.cells[1].text


def test_the_document_carries_our_stylesheet_under_the_nonce_and_nothing_external() -> None:
    fragment = render_fragment(python_notebook(v4.new_code_cell("print(1)", execution_count=1)))

    document = render_document(
        fragment, style_nonce="bm9uY2UtMTIz", title="Attempt <2> & more", language="de"
    )

    assert document.startswith('<!DOCTYPE html>\n<html lang="de">')
    assert '<meta charset="utf-8">' in document
    assert "<title>Attempt &lt;2&gt; &amp; more</title>" in document
    assert document.count("<style") == 1 and '<style nonce="bm9uY2UtMTIz">' in document
    assert ".highlight .k {" in document and ".ansi-red-fg" in document
    assert ".dataframe" in document and "img { max-width: 100%; height: auto; }" in document
    assert fragment in document
    assert "<script" not in document and "<link" not in document
    assert not re.search(r"url\(|@import|https?://", document.split("<main")[0])


def test_the_document_refuses_a_nonce_that_could_break_out_of_its_attribute() -> None:
    with pytest.raises(ValueError, match="nonce"):
        render_document("", style_nonce='x"><script>alert(1)</script>', title="t", language="en")


def test_the_renderer_version_is_a_non_empty_cache_key() -> None:
    assert isinstance(RENDERER_VERSION, str) and RENDERER_VERSION.strip()
