"""Upload to score as the participant sees it: a browser-like client, a real web server and worker.

The issue's latency target: on an idle system, a typical notebook's score is on the page less
than 1.5 s after the participant clicked "Upload and grade". ``bench/grading.py`` times only
``grade_notebook``; this script times everything the participant waits for:

1. the upload request (multipart, CSRF, through the assignment page's real upload form, sent the
   way htmx sends it), then the submission page it redirects to;
2. a real ``manage.py grading_worker`` picking the run up from the queue (``--interval``) and
   grading it (kernel template, bubblewrap) and storing the result;
3. the page noticing: the client polls the grading region as htmx would, reading the interval
   from the region's ``hx-trigger="every …"`` each time (``submissions.polling``), until the
   region's ``data-status`` says graded and ``#autograde-score`` shows the points.

The site is served by ``manage.py runserver --noreload`` on a free loopback port, with
``DEBUG=false`` (``bench/django_env.py``: a temporary ``VAR_DIR``, its own SQLite database and
blob store). The participant has a password and logs in through the log-in form. Before each
measured upload the client waits a random pause (uniform in ``--pause-min``..``--pause-max``,
seeded), so uploads are not phase-locked with the worker's or the page's polling. The points
are checked against the expected ones (``bench/grading_notebooks.py``) on the page and in the
database. Phases are read from the grading run's timestamps in the database (same machine,
same clock): queued -> picked up (``enqueued_at`` -> ``started_at``), picked up -> stored
(``started_at`` -> ``finished_at``), stored -> seen by the page (``finished_at`` -> the poll
that showed the score).

    .venv/bin/python bench/upload_to_score.py [--runs 9] [--size typical] [--interval 1.0]

Like the page, the client also polls the notebook region (in a thread of its own, at the
interval each answer names) until the rendered notebook is stored; that load is part of the
measurement.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ is first on sys.path; the project root must be (see bench/render.py).
if sys.path and Path(sys.path[0]).resolve() == _ROOT / "bench":
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from html.parser import HTMLParser
from typing import IO, Any
from urllib.parse import urljoin

import requests

from bench import django_env
from bench.common import machine, save, table
from bench.grading_notebooks import SIZES, assignment

TARGET_S = 1.5
TIMEOUT_S = 300.0  # for one upload's score, the warm-up included (the template starts first)
HTTP_TIMEOUT_S = 60.0


class Page(HTMLParser):
    """The attributes of every element with an id, and every form with its named inputs."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: dict[str, dict[str, str]] = {}
        self.forms: list[tuple[dict[str, str], dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids[values["id"]] = values
        if tag == "form":
            self.forms.append((values, {}))
        elif tag in {"input", "select", "textarea"} and self.forms and "name" in values:
            self.forms[-1][1][values["name"]] = values.get("value", "")

    def form(self, *, action: str = "", field: str = "") -> tuple[dict[str, str], dict[str, str]]:
        """The form that posts to ``action``, or the one with an input named ``field``."""
        for attrs, inputs in self.forms:
            if (action and attrs.get("action") == action) or (field and field in inputs):
                return attrs, inputs
        raise SystemExit(f"no such form on the page: {action or field}")


def htmx_seconds(trigger: str) -> float:
    """The wait of an htmx ``every <interval>`` trigger (``250ms``, ``1s``, ``2m``), in s."""
    match = re.fullmatch(r"every (\d+(?:\.\d+)?)(ms|s|m)?", trigger.strip())
    if match is None:
        raise SystemExit(f"not a polling trigger: {trigger!r}")
    number, unit = float(match[1]), match[2] or "ms"
    return number * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]


@dataclass
class Upload:
    """One measured upload; every time in seconds."""

    total: float  # the click -> the poll that showed the score
    upload_request: float  # the upload request, to its response
    page_load: float  # the submission page it redirects to
    intake: float  # the click -> the grading run queued (wall clock vs. enqueued_at)
    pickup: float  # enqueued_at -> started_at
    grading: float  # started_at -> finished_at
    seen: float  # finished_at -> the poll that showed the score
    polls: int  # fragment requests until then
    pause: float  # idle seconds before the click


class Participant:
    """A browser's requests, through ``requests`` with a cookie jar."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, *, htmx: bool = False) -> requests.Response:
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.http.get(
            urljoin(self.base, path), headers=headers, timeout=HTTP_TIMEOUT_S, allow_redirects=False
        )
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: HTTP {response.status_code}")
        return response

    def log_in(self, login_path: str, username: str, password: str) -> None:
        attrs, inputs = Page(self.get(login_path).text).form(field="password")
        action = attrs.get("action") or login_path
        response = self.http.post(
            urljoin(self.base, action),
            data={**inputs, "login": username, "password": password},
            headers={"Origin": self.base, "Referer": urljoin(self.base, login_path)},
            timeout=HTTP_TIMEOUT_S,
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise SystemExit(f"log-in refused: HTTP {response.status_code}")

    def upload_form(self, assignment_path: str, upload_path: str) -> dict[str, str]:
        """The assignment page's upload form: its fields (the CSRF token) but the file."""
        _attrs, inputs = Page(self.get(assignment_path).text).form(action=upload_path)
        return {name: value for name, value in inputs.items() if name != "notebook"}

    def upload(
        self, upload_path: str, fields: dict[str, str], notebook: bytes, *, referer: str
    ) -> str:
        """Send the upload form as htmx does; the submission page's path."""
        response = self.http.post(
            urljoin(self.base, upload_path),
            data=fields,
            files={"notebook": ("project.ipynb", notebook, "application/x-ipynb+json")},
            headers={
                "HX-Request": "true",
                "HX-Target": "upload",
                "HX-Current-URL": urljoin(self.base, referer),
                "Origin": self.base,
            },
            timeout=HTTP_TIMEOUT_S,
            allow_redirects=False,
        )
        target = response.headers.get("HX-Redirect")
        if response.status_code != 200 or not target:
            raise SystemExit(f"upload refused: HTTP {response.status_code}\n{response.text[:2000]}")
        return target

    def watch(self, page_html: str, deadline: float) -> tuple[dict[str, str], int]:
        """Poll the grading region as the page does until it settles; its score element and
        the number of polls."""
        polls = 0
        html = page_html
        while True:
            page = Page(html)
            region = page.ids.get("grading-region")
            if region is None:
                raise SystemExit("no #grading-region in the answer")
            status = region.get("data-status")
            if status == "graded":
                score = page.ids.get("autograde-score")
                if score is None:
                    raise SystemExit("graded, but no #autograde-score on the page")
                return score, polls
            if status not in {"queued", "running"}:
                raise SystemExit(f"grading ended as {status!r}:\n{html[:3000]}")
            if "hx-trigger" not in region or "hx-get" not in region:
                raise SystemExit("the region is not settled but does not poll")
            if time.monotonic() > deadline:
                raise SystemExit("timed out waiting for the score")
            time.sleep(htmx_seconds(region["hx-trigger"]))
            html = self.get(region["hx-get"], htmx=True).text
            polls += 1

    def follow_notebook(self, page_html: str, deadline: float) -> threading.Thread:
        """Poll the notebook region as the page does, beside the grading region, until it
        settles (the rendered notebook is stored), in a thread with its own connection."""
        browser = requests.Session()
        browser.cookies.update(self.http.cookies)

        def poll() -> None:
            region = Page(page_html).ids.get("notebook-region", {})
            while "hx-trigger" in region and "hx-get" in region and time.monotonic() < deadline:
                time.sleep(htmx_seconds(region["hx-trigger"]))
                answer = browser.get(
                    urljoin(self.base, region["hx-get"]),
                    headers={"HX-Request": "true"},
                    timeout=HTTP_TIMEOUT_S,
                )
                region = Page(answer.text).ids.get("notebook-region", {})

        thread = threading.Thread(target=poll, name="notebook-region", daemon=True)
        thread.start()
        return thread


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(command: list[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=_ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for_server(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the web server exited")
        try:
            requests.get(base, timeout=2, allow_redirects=False)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("the web server did not answer within 60 s")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def measure_one(
    client: Participant, course: Any, notebook: bytes, expected: Decimal, *, pause: float
) -> Upload:
    """One click on "Upload and grade", until the score is on the page; checked."""
    from django.urls import resolve, reverse

    from submissions.models import GradingRun

    assignment_path = reverse("submissions:assignment", args=[course.assignment.pk])
    upload_path = reverse("submissions:upload", args=[course.assignment.pk])
    # The page with the form is open before the participant clicks: its load is not waited for.
    fields = client.upload_form(assignment_path, upload_path)
    clicked_wall = time.time()
    clicked = time.perf_counter()
    submission_path = client.upload(upload_path, fields, notebook, referer=assignment_path)
    loaded = time.perf_counter()
    upload_request = loaded - clicked
    page = client.get(submission_path).text
    page_load = time.perf_counter() - loaded
    notebook_region = client.follow_notebook(page, deadline=time.monotonic() + TIMEOUT_S)
    score, polls = client.watch(page, deadline=time.monotonic() + TIMEOUT_S)
    seen_wall = time.time()
    total = time.perf_counter() - clicked
    notebook_region.join()  # the render is stored before the next upload
    pk = resolve(submission_path).kwargs["pk"]
    run = GradingRun.objects.filter(submission_id=pk).newest_first().first()
    if run is None or run.status != GradingRun.Status.GRADED or run.autograded_points != expected:
        points = None if run is None else run.autograded_points
        raise SystemExit(f"wrong result in the database: {points} (expected {expected})")
    if Decimal(score.get("data-points", "")) != expected:
        raise SystemExit(f"wrong score on the page: {score} (expected {expected})")
    assert run.started_at is not None and run.finished_at is not None
    return Upload(
        total=total,
        upload_request=upload_request,
        page_load=page_load,
        intake=run.enqueued_at.timestamp() - clicked_wall,
        pickup=(run.started_at - run.enqueued_at).total_seconds(),
        grading=(run.finished_at - run.started_at).total_seconds(),
        seen=seen_wall - run.finished_at.timestamp(),
        polls=polls,
        pause=pause,
    )


def report(uploads: list[Upload], *, size: str, load: float) -> None:
    totals = [u.total for u in uploads]
    median = statistics.median(totals)
    print("Upload to score as the participant sees it (a real web server and worker)")
    print(
        table(
            ["size", "N", "median", "min", "max", "target", "load"],
            [
                [
                    size,
                    str(len(uploads)),
                    f"{median:.2f} s",
                    f"{min(totals):.2f} s",
                    f"{max(totals):.2f} s",
                    f"{'<' if median < TARGET_S else '>='} {TARGET_S} s",
                    f"{load:.2f}",
                ]
            ],
        )
    )
    print()
    phases = ["upload_request", "intake", "pickup", "grading", "seen", "page_load"]
    print(
        table(
            ["#", "pause", "total", "upload request", "click->queued", "queued->picked up"]
            + ["picked up->stored", "stored->seen", "page load", "polls"],
            [
                [str(i), f"{u.pause:.2f}", f"{u.total:.3f}"]
                + [f"{getattr(u, name):.3f}" for name in phases]
                + [str(u.polls)]
                for i, u in enumerate(uploads, 1)
            ],
        )
    )
    print()

    def med(name: str) -> float:
        return statistics.median(float(getattr(u, name)) for u in uploads)

    print(
        f"medians: upload request {med('upload_request'):.3f} s, "
        f"click -> queued {med('intake'):.3f} s, "
        f"queued -> picked up {med('pickup'):.3f} s, "
        f"picked up -> stored {med('grading'):.3f} s, "
        f"stored -> seen by the page {med('seen'):.3f} s; total {median:.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--size", choices=SIZES, default="typical")
    parser.add_argument("--interval", type=float, default=None, help="worker poll interval")
    parser.add_argument("--pause-min", type=float, default=2.0, help="idle seconds, at least")
    parser.add_argument("--pause-max", type=float, default=5.0, help="idle seconds, at most")
    parser.add_argument("--seed", type=int, default=1, help="for the pauses")
    parser.add_argument("--keep", action="store_true", help="keep the temporary site and logs")
    args = parser.parse_args()
    if not 0 <= args.pause_min <= args.pause_max:
        parser.error("need 0 <= --pause-min <= --pause-max")

    var = Path(tempfile.mkdtemp(prefix="certlab-u2s-"))
    django_env.configure(var)
    from django.urls import reverse

    from tests.helpers import PASSWORD

    bench = assignment(args.size)
    course = django_env.make_course(source=bench.source)
    notebook = bench.submissions["correct"]
    expected = sum(bench.expected["correct"].values(), Decimal(0))
    pauses = random.Random(args.seed)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    worker_command = ["grading_worker"]
    if args.interval is not None:
        worker_command += ["--interval", str(args.interval)]
    server = worker = None
    with (var / "server.log").open("wb") as server_log, (var / "worker.log").open("wb") as log:
        try:
            server = start(["runserver", "--noreload", f"127.0.0.1:{port}"], server_log)
            worker = start(worker_command, log)
            wait_for_server(base, server)
            client = Participant(base)
            client.log_in(reverse("login"), course.participant.username, PASSWORD)
            # Unmeasured: when it is graded, the worker, its kernel template and the server are warm.
            measure_one(client, course, notebook, expected, pause=0.0)
            load = os.getloadavg()[0]
            uploads = []
            for _ in range(args.runs):
                pause = pauses.uniform(args.pause_min, args.pause_max)
                time.sleep(pause)
                uploads.append(measure_one(client, course, notebook, expected, pause=pause))
            report(uploads, size=args.size, load=load)
            path = save(
                "upload_to_score",
                {
                    "machine": machine(),
                    "size": args.size,
                    "interval": args.interval,
                    "pause_s": [args.pause_min, args.pause_max],
                    "seed": args.seed,
                    "load_before": load,
                    "uploads": [asdict(u) for u in uploads],
                    "latencies_s": [u.total for u in uploads],
                    "median_s": statistics.median(u.total for u in uploads),
                },
            )
            print(f"raw numbers: {path.relative_to(_ROOT)}")
        except BaseException:
            for name in ["server.log", "worker.log"]:
                tail = (var / name).read_text(errors="replace")[-3000:]
                print(f"--- the end of {name} ---\n{tail}", file=sys.stderr)
            raise
        finally:
            stop(server)
            stop(worker)
            if args.keep:
                print(f"kept: {var}")
            else:
                shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
