"""The documentation screenshot: a rich benign notebook, rendered, in the real submission page.

Run from the project root (needs Debian's chromium, or ``CHROMIUM=/path/to/chromium``)::

    .venv/bin/python bench/screenshot.py            # writes docs/images/rendered-notebook.png

A throwaway site (SQLite and blobs in a temp dir, see ``bench/django_env.py``) gets a course and
a participant; the notebook of ``bench.notebooks.rich_notebook`` (headings, lists, a table,
links, a markdown image and an attachment, a pandas table, a matplotlib PNG, highlighted code,
a traceback, LaTeX) is uploaded through ``submit_attempt``, rendered and autograded by the
worker's own tasks, and the site is served on 127.0.0.1 by Django's threaded development server.
Chromium logs in through the log-in form and photographs the submission page: the notebook is in
its sandboxed iframe exactly as participants and instructors see it.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path; the project root must be (see bench/render.py).
_ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == _ROOT / "bench":
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse
import math
import os
import shutil
import threading
from typing import Any

from bench import django_env
from bench.notebooks import rich_notebook, to_bytes

OUTPUT = _ROOT / "docs" / "images" / "rendered-notebook.png"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


def serve() -> tuple[Any, str]:
    """Serve the site (and its static files) on a free loopback port, in a thread."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    threading.Thread(target=server.serve_forever, name="site", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def prepare() -> tuple[Any, Any]:
    """A course, the rich notebook uploaded as an attempt, rendered and graded."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from submissions.tasks import grade_submission

    course = django_env.make_course()
    raw = to_bytes(rich_notebook())
    upload = SimpleUploadedFile("week-3-air-quality.ipynb", raw, "application/x-ipynb+json")
    submission = django_env.submit(course, upload)
    django_env.render_now(submission)
    run = submission.latest_run()
    assert run is not None
    grade_submission.call(run.pk)  # so the page is settled: a score, and no more polling
    submission.refresh_from_db()
    return course, submission


def photograph(base: str, submission: Any, output: Path, width: int) -> None:
    from django.urls import reverse
    from playwright.sync_api import sync_playwright

    from tests.helpers import PASSWORD

    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": 1200})
            page = context.new_page()
            page.goto(base + reverse("login"))
            page.fill("#id_login", "ada")
            page.fill("#id_password", PASSWORD)
            page.locator("main button[type=submit]").click()
            page.wait_for_url(base + reverse("home"))
            page.goto(base + submission.get_absolute_url())
            page.locator("#autograde-score").wait_for()
            frame = page.locator("#notebook-frame")
            box = frame.bounding_box()
            assert box is not None
            # The frame is 70 % of the viewport high. Make it tall enough for the whole notebook,
            # measured by laying out the same document, at the frame's width, in another tab.
            probe = context.new_page()
            probe.set_viewport_size({"width": int(box["width"]) - 2, "height": 600})
            probe.goto(base + reverse("submissions:notebook", args=[submission.pk]))
            metrics = context.new_cdp_session(probe).send("Page.getLayoutMetrics")
            probe.close()
            needed = metrics["cssContentSize"]["height"] + 8
            page.set_viewport_size({"width": width, "height": math.ceil(needed / 0.7)})
            content = frame.element_handle().content_frame()
            assert content is not None
            content.wait_for_load_state("load")
            page.wait_for_timeout(300)
            output.parent.mkdir(parents=True, exist_ok=True)
            bottom = frame.bounding_box()
            assert bottom is not None
            clip = {"x": 0, "y": 0, "width": width, "height": bottom["y"] + bottom["height"] + 32}
            page.screenshot(path=str(output), clip=clip)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument(
        "--height", type=int, default=2400, help="viewport height (the frame is 70%%)"
    )
    args = parser.parse_args(argv)
    with django_env.site("certlab-screenshot-"):
        _course, submission = prepare()
        server, base = serve()
        try:
            photograph(base, submission, args.output, args.width)
        finally:
            server.shutdown()
            server.server_close()
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
