"""Hostile notebooks in the real page: uploaded as a participant, rendered by a real worker,
shown in chromium, and nothing in them runs, navigates or phones home.

What "nothing ran" means here, observed from outside the notebook:

* no dialog opened (every payload that runs calls ``alert``);
* no global was set in the page (every payload sets ``window.__pwned``, ``parent.__pwned`` and
  ``top.__pwned``); scripts cannot run in the sandboxed frame, and Playwright cannot evaluate in
  it either, so the frame's HTML is also fetched and parsed: nothing executable, remote or active
  is in it, and its response carries the sandboxing CSP;
* no request left the page for anything but the app's own origin, as chromium reports requests
  of the page and of its frames, and a local "beacon" server that every remote reference in the
  notebooks points at received nothing.

A control at the start shows that the same instruments do see a script that runs and a beacon that
loads, so their silence afterwards means something.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import nbformat
import pytest
from django.urls import reverse
from nbformat import v4
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.submissions.notebook_html import PNG, parse, safety_violations

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

PAYLOAD = "window.__pwned = 1; parent.__pwned = 1; top.__pwned = 1; alert(1)"


# --- a beacon server on loopback: anything it hears is a leak ---------------------------------


@dataclass
class Beacon:
    base: str
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"


@pytest.fixture
def beacon() -> Iterator[Beacon]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            hits.append(f"{self.command} {self.path}")
            self.send_response(204)
            self.end_headers()

        do_GET = do_POST = do_HEAD = do_OPTIONS = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="beacon", daemon=True)
    thread.start()
    try:
        yield Beacon(f"http://127.0.0.1:{server.server_address[1]}", hits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- the hostile notebooks, built in code -------------------------------------------------------


def markup_notebook(beacon: Beacon) -> bytes:
    """Attacks in markdown and raw cells, and in attachments."""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{PAYLOAD}"><script>{PAYLOAD}</script></svg>'
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        v4.new_markdown_cell("# Markup attacks\n\nmarker-markup-visible"),
        v4.new_markdown_cell(
            f"<script>{PAYLOAD}</script> <SCRIPT SRC={beacon.url('script.js')}></SCRIPT>"
            f'<img src="x" onerror="{PAYLOAD}"> <body onload="{PAYLOAD}">'
            f'<details open ontoggle="{PAYLOAD}"><summary>s</summary>d</details>'
            f'<input autofocus onfocus="{PAYLOAD}">'
        ),
        v4.new_markdown_cell(
            f'[md link](javascript:alert(1)) <a href="javascript:{PAYLOAD}">html link</a> '
            '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a> '
            '<a href="vbscript:msgbox(1)">vb link</a> '
            f'<a href="https://example.org/" ping="{beacon.url("ping")}">ping link</a>'
        ),
        v4.new_markdown_cell(
            f'{svg}<svg><a xlink:href="javascript:{PAYLOAD}"><text>svg link</text></a>'
            f'<image href="{beacon.url("svg-image.png")}"/></svg>'
        ),
        v4.new_markdown_cell(
            f'<iframe srcdoc="<script>{PAYLOAD}</script>"></iframe>'
            f'<iframe src="{beacon.url("iframe")}"></iframe>'
            f'<object data="{beacon.url("object")}"></object><embed src="{beacon.url("embed")}">'
        ),
        v4.new_markdown_cell(
            f'<meta http-equiv="refresh" content="0;url={beacon.url("refresh")}">'
            f'<base href="{beacon.url("base/")}"><link rel="stylesheet" href="{beacon.url("link.css")}">'
            f'<link rel="prefetch" href="{beacon.url("prefetch")}">'
            f'<form action="{beacon.url("form")}"><button formaction="{beacon.url("button")}">go</button></form>'
        ),
        v4.new_markdown_cell(
            f"<style>@import url({beacon.url('import.css')}); body {{ background: url({beacon.url('bg.png')}) }}</style>"
            f'<p style="background-image: url({beacon.url("style.png")})">styled</p>'
        ),
        v4.new_markdown_cell(
            f'![beacon]({beacon.url("md-beacon.png")}) <img src="{beacon.url("beacon.png")}">'
            f'<img srcset="{beacon.url("srcset.png")} 2x"><video poster="{beacon.url("poster.png")}" '
            f'src="{beacon.url("video.mp4")}"></video><audio src="{beacon.url("audio.mp3")}" autoplay></audio>'
            f'<table background="{beacon.url("table.png")}"><tr><td>t</td></tr></table>'
        ),
        v4.new_markdown_cell(
            "![svg attachment](attachment:evil.svg) ![odd](attachment:page) "
            "![beside](secret.png) ![ok](attachment:ok.png)",
            attachments={
                "evil.svg": {"image/svg+xml": base64.b64encode(svg.encode()).decode()},
                "page": {
                    "text/html": base64.b64encode(f"<script>{PAYLOAD}</script>".encode()).decode()
                },
                "ok.png": {"image/png": PNG},
            },
        ),
        v4.new_markdown_cell(
            '<img name="__pwned" src="data:image/png;base64,' + PNG + '">'
            '<a id="__pwned" name="cookie">clobber</a><div id="cell-1">fake anchor</div>'
        ),
        v4.new_raw_cell(
            f'<script>{PAYLOAD}</script><img src=x onerror="{PAYLOAD}">',
            metadata={"raw_mimetype": "text/html"},
        ),
    ]
    return nbformat.writes(nb).encode()


def outputs_notebook(beacon: Beacon) -> bytes:
    """Attacks in outputs and in notebook metadata (widget state)."""
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "version_major": 2,
            "version_minor": 0,
            "state": {
                "w1": {
                    "model_name": "HTMLModel",
                    "model_module": "@jupyter-widgets/controls",
                    "state": {"value": f"</script><script>{PAYLOAD}</script>"},
                }
            },
        }
    }
    nb.cells = [
        v4.new_markdown_cell("# Output attacks\n\nmarker-outputs-visible"),
        v4.new_code_cell(
            "show()",
            execution_count=1,
            outputs=[
                v4.new_output(
                    "display_data",
                    data={
                        "application/javascript": PAYLOAD,
                        "text/plain": "<IPython.core.display.Javascript object>",
                    },
                ),
                v4.new_output(
                    "display_data",
                    data={
                        "text/html": f"<b>html output</b><script>{PAYLOAD}</script>"
                        f'<img src=x onerror="{PAYLOAD}"><img src="{beacon.url("output.png")}">'
                        f'<iframe srcdoc="<script>{PAYLOAD}</script>"></iframe>',
                        "text/plain": "<IPython.core.display.HTML object>",
                    },
                ),
                v4.new_output(
                    "display_data",
                    data={
                        "image/svg+xml": f'<svg xmlns="http://www.w3.org/2000/svg" onload="{PAYLOAD}">'
                        f'<script>{PAYLOAD}</script><image href="{beacon.url("svg-output.png")}"/></svg>'
                    },
                ),
                v4.new_output(
                    "display_data",
                    data={
                        "text/markdown": f"[md output](javascript:alert(1)) ![b]({beacon.url('md-output.png')})"
                    },
                ),
                v4.new_output(
                    "display_data",
                    data={"text/vnd.mermaid": "graph TD; A-->B; click A call alert(1)"},
                ),
                v4.new_output(
                    "display_data",
                    data={
                        "application/vnd.jupyter.widget-view+json": {
                            "model_id": "w1",
                            "version_major": 2,
                            "version_minor": 0,
                        },
                        "text/plain": "HTML(value='...')",
                    },
                ),
                v4.new_output(
                    "display_data",
                    data={"image/png": PNG, "text/plain": "<Figure>"},
                    metadata={"image/png": {"width": f'1" onerror="{PAYLOAD}', "height": "1"}},
                ),
                v4.new_output(
                    "display_data",
                    data={
                        "text/latex": f"$\\href{{javascript:alert(1)}}{{x}}$ <script>{PAYLOAD}</script>"
                    },
                ),
                v4.new_output(
                    "stream",
                    name="stdout",
                    text=f"marker-stream-visible <script>{PAYLOAD}</script>\n",
                ),
            ],
        ),
        v4.new_code_cell(
            "raise ValueError()",
            execution_count=2,
            outputs=[
                v4.new_output(
                    "error",
                    ename="ValueError",
                    evalue=f"<script>{PAYLOAD}</script>",
                    traceback=[f'\x1b[0;31mValueError\x1b[0m: <img src=x onerror="{PAYLOAD}">'],
                )
            ],
        ),
    ]
    return nbformat.writes(nb).encode()


# --- watching the page --------------------------------------------------------------------------


@dataclass
class Watch:
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)


def watch(page: Any) -> Watch:
    """Record dialogs (dismissed), requests of the page and all of its frames, and new pages."""
    seen = Watch()

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.context.on("request", lambda request: seen.requests.append(request.url))
    page.context.on("page", lambda new: seen.popups.append(new.url))
    return seen


def split_document(html: str) -> tuple[str, str]:
    """The document's head (up to ``<body>``) and the notebook fragment, the whole ``<main>``."""
    head, _body, rest = html.partition("<body>")
    opening = '<main class="nb-document">'
    before, _main, inside = rest.partition(opening)
    fragment, _end, after = inside.rpartition("</main>")
    assert before.strip() == "" and re.fullmatch(r"\s*</body>\s*</html>\s*", after)
    return head, fragment


def assert_only_our_head(head: str, policy: str) -> None:
    """Nothing but metadata and the one stylesheet that the response's CSP nonce admits."""
    elements = parse(head).elements
    assert {e.tag for e in elements} <= {"html", "head", "meta", "title", "style"}
    assert all("http-equiv" not in e.attrs for e in elements if e.tag == "meta")
    styles = [e for e in elements if e.tag == "style"]
    assert len(styles) == 1 and list(styles[0].attrs) == ["nonce"]
    assert f"'nonce-{styles[0].attrs['nonce']}'" in policy


def check_the_instruments(browser: Any, beacon: Beacon) -> None:
    """The control: without the platform in between, the same payload is seen by everything."""
    context = browser.new_context()
    try:
        page = context.new_page()
        seen = watch(page)
        page.set_content(f'<script>{PAYLOAD}</script><img src="{beacon.url("control.png")}">')
        page.wait_for_function("() => document.images[0].complete")
        assert seen.dialogs == ["1"]
        assert page.evaluate("window.__pwned") == 1
        assert beacon.url("control.png") in seen.requests
        assert beacon.hits == ["GET /control.png"]
    finally:
        context.close()
    beacon.hits.clear()


@pytest.mark.django_db(transaction=True)
def test_hostile_notebooks_run_nothing_and_load_nothing_in_the_real_page(
    live_server: Any,
    worker: Any,
    enrolled: Any,
    assignment: Any,
    browser: Any,
    new_page: Any,
    beacon: Beacon,
) -> None:
    check_the_instruments(browser, beacon)
    base = live_server.url
    page = new_page()
    seen = watch(page)
    log_in(page, base, "ada")
    notebooks = {
        "markup.ipynb": (markup_notebook(beacon), "marker-markup-visible"),
        "outputs.ipynb": (outputs_notebook(beacon), "marker-outputs-visible"),
    }
    frame_urls = []
    for name, (data, marker) in notebooks.items():
        page.goto(base + reverse("submissions:assignment", args=[assignment.pk]))
        page.set_input_files(
            "input[name=notebook]",
            files=[{"name": name, "mimeType": "application/x-ipynb+json", "buffer": data}],
        )
        page.get_by_role("button", name="Upload and grade").click()
        page.wait_for_url("**/submissions/*/")

        # Wait until the page stops polling (rendered and graded): from then on the frame is
        # not replaced any more, and whatever it would do, it does now.
        frame = page.locator("#notebook-frame")
        expect(frame).to_be_visible(timeout=120_000)
        expect(page.locator("[hx-trigger*=every]")).to_have_count(0, timeout=120_000)
        assert frame.get_attribute("sandbox") == ""  # no allow-scripts, no allow-same-origin
        src = frame.get_attribute("src")
        assert src
        frame_urls.append(base + src)
        frame_element = frame.element_handle()
        assert frame_element is not None
        content = frame_element.content_frame()
        assert content is not None
        content.wait_for_load_state("load")
        page.wait_for_timeout(1500)  # let timers, refreshes and lazy loads fire, if anything could
        assert content.url == base + src, "the frame navigated away"
        assert page.evaluate("[typeof window.__pwned, typeof top.__pwned]") == [
            "undefined",
            "undefined",
        ]

        # Scripts cannot run in the sandboxed frame (not even Playwright's), so read its HTML.
        response = page.request.get(base + src)
        assert response.status == 200
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "sandbox" in policy
        assert "script-src" not in policy and "img-src data:" in policy
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        head, fragment = split_document(response.text())
        assert_only_our_head(head, policy)
        findings = safety_violations(fragment)
        assert not findings, "\n".join(findings[:40])
        parsed = parse(fragment)
        assert marker in parsed.text
        assert len(parsed.cells) >= 3

    # The outputs notebook shows the stream text, payload and all, as text.
    assert f"<script>{PAYLOAD}</script>" in parse(page.request.get(frame_urls[-1]).text()).text

    page.wait_for_timeout(500)
    assert seen.dialogs == []
    assert seen.popups == []
    assert beacon.hits == []
    foreign = [url for url in seen.requests if not url.startswith((base + "/", "data:"))]
    assert foreign == []
    for url in frame_urls:
        assert url in seen.requests  # the frames were really loaded by the browser
