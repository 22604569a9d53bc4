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
interval each answer names) until the rendered notebook is shown; that load is part of the
measurement, and the time from the click to the poll that showed the rendered notebook is
reported too. Every upload sends different bytes (a mark in the notebook's metadata), so
every upload is rendered: identical bytes would be rendered once.

The workers are laid out as ``bin/run`` starts them (``--layout split``: ``--grading-workers``
workers for the grading queue and one for rendering), or as before (``--layout single``: the
same number of workers, each serving every queue), to compare.

``--burst N``: each of ``--runs`` rounds is N participants clicking "Upload and grade" in the
same instant (threads released together), each watching their own page; reported per upload
as above, plus the queue wait. ``--render-only``: the participant uploads the 100-cell course
notebook of ``bench/render.py`` (``bench.notebooks.course_notebook``, different bytes each
time) and waits for the rendered notebook only: upload to visible.

The notebook's own cell time (the target is upload to score within 0.3 s of it) is measured
first: its code cells run in the kernel venv's interpreter outside any sandbox, all of them
once to warm up (the kernel template has the imports done), then the cells other than the
imports timed (``--cell-runs`` times, median). Reported: each total minus that time.
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
import json
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
from bench.grading_notebooks import SIZES, BenchAssignment, assignment

TARGET_S = 1.5
OVERHEAD_TARGET_S = 0.3  # upload to score, beyond the notebook's own cell time
RENDER_TARGET_S = 0.5  # upload to rendered notebook visible, median
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
    rendered: float | None  # the click -> the poll that showed the rendered notebook
    render_stored: float | None = None  # the click -> the rendering stored (rendered_at)


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

    def follow_notebook(
        self, page_html: str, deadline: float, seen: dict[str, Any]
    ) -> threading.Thread:
        """Poll the notebook region as the page does, beside the grading region, until it
        settles, in a thread with its own connection; ``seen`` gets the region's final
        ``status`` and the ``perf_counter`` of the answer that showed it (``at``)."""
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
            seen["at"], seen["status"] = time.perf_counter(), region.get("data-status")

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


def distinct(raw: bytes, number: int) -> bytes:
    """``raw`` with a mark in its metadata: different bytes, rendered anew, graded the same."""
    nb = json.loads(raw)
    nb.setdefault("metadata", {})["bench_upload"] = number
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()


def measure_one(
    client: Participant,
    course: Any,
    notebook: bytes,
    expected: Decimal | None,
    *,
    pause: float,
    fields: dict[str, str] | None = None,
    ready: threading.Barrier | None = None,
) -> Upload:
    """One click on "Upload and grade", until the score (``expected``) and the rendered notebook
    are on the page; checked. ``expected=None``: wait for the rendered notebook only.
    ``ready``: the click waits for the other participants of a burst."""
    from django.db import connection
    from django.urls import resolve, reverse

    from submissions.models import GradingRun, RenderedNotebook, Submission

    assignment_path = reverse("submissions:assignment", args=[course.assignment.pk])
    upload_path = reverse("submissions:upload", args=[course.assignment.pk])
    # The page with the form is open before the participant clicks: its load is not waited for.
    if fields is None:
        fields = client.upload_form(assignment_path, upload_path)
    if ready is not None:
        ready.wait()
    clicked_wall = time.time()
    clicked = time.perf_counter()
    submission_path = client.upload(upload_path, fields, notebook, referer=assignment_path)
    loaded = time.perf_counter()
    upload_request = loaded - clicked
    page = client.get(submission_path).text
    page_load = time.perf_counter() - loaded
    rendering: dict[str, Any] = {}
    notebook_region = client.follow_notebook(
        page, deadline=time.monotonic() + TIMEOUT_S, seen=rendering
    )
    if expected is not None:
        score, polls = client.watch(page, deadline=time.monotonic() + TIMEOUT_S)
    seen_wall = time.time()
    total = time.perf_counter() - clicked
    notebook_region.join()  # the render is shown before the next upload
    if rendering.get("status") != "ok":
        raise SystemExit(f"the notebook was not rendered: {rendering.get('status')!r}")
    rendered = rendering["at"] - clicked
    pk = resolve(submission_path).kwargs["pk"]
    stored = (
        RenderedNotebook.objects.filter(
            notebook_sha256=Submission.objects.get(pk=pk).notebook_sha256
        )
        .values_list("rendered_at", flat=True)
        .first()
    )
    render_stored = None if stored is None else stored.timestamp() - clicked_wall
    if expected is None:
        connection.close()
        return Upload(
            rendered, upload_request, page_load, 0, 0, 0, 0, 0, pause, rendered, render_stored
        )
    run = GradingRun.objects.filter(submission_id=pk).newest_first().first()
    connection.close()  # a burst's threads each opened one
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
        rendered=rendered,
        render_stored=render_stored,
    )


def burst(
    clients: list[Participant], course: Any, notebooks: list[bytes], expected: Decimal
) -> list[Upload]:
    """Every client clicks "Upload and grade" in the same instant; each upload's numbers."""
    from django.urls import reverse

    assignment_path = reverse("submissions:assignment", args=[course.assignment.pk])
    upload_path = reverse("submissions:upload", args=[course.assignment.pk])
    forms = [client.upload_form(assignment_path, upload_path) for client in clients]
    ready = threading.Barrier(len(clients))
    results: list[Upload | BaseException | None] = [None] * len(clients)

    def one(index: int) -> None:
        try:
            results[index] = measure_one(
                clients[index],
                course,
                notebooks[index],
                expected,
                pause=0.0,
                fields=forms[index],
                ready=ready,
            )
        except BaseException as error:  # noqa: BLE001 - reported below
            results[index] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if not isinstance(result, Upload):
            raise SystemExit(f"an upload of the burst failed: {result!r}")
    return [r for r in results if isinstance(r, Upload)]


# Runs the notebook's code cells in the kernel venv: all once (imports, first use), then the
# cells other than the imports, timed, as a warm kernel forked from the template runs them.
_CELL_TIMER = """
import json, sys, time
job = json.load(sys.stdin)
namespace = {"__name__": "__main__"}
def run(cells):
    for source in cells:
        exec(compile(source, "<cell>", "exec"), namespace)
run(job["all"])
times = []
for _ in range(job["runs"]):
    started = time.perf_counter()
    run(job["timed"])
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def cell_time(bench: BenchAssignment, runs: int) -> float:
    """The median time of the notebook's own cells (its imports excluded), in s."""
    from courses import nbgrader

    cells = []
    for cell in nbgrader.read_notebook(bench.source)["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "\n".join(
            line for line in cell["source"].splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        cells.append((nbgrader.cell_grade_id(cell), source))
    job = {
        "all": [source for _, source in cells],
        "timed": [source for grade_id, source in cells if grade_id not in bench.import_cells],
        "runs": runs,
    }
    kernel_python = _ROOT / ".venv-kernel" / "bin" / "python"
    threads = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"), "1")
    with tempfile.TemporaryDirectory() as workdir:
        completed = subprocess.run(
            [str(kernel_python if kernel_python.exists() else sys.executable), "-c", _CELL_TIMER],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            cwd=workdir,
            env={**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", **threads},
            check=True,
        )
    return statistics.median(json.loads(completed.stdout.splitlines()[-1]))


def uptime() -> str:
    """``uptime``'s line, load averages included: every number is quoted with it."""
    env = {**os.environ, "TZ": "UTC"}  # Django set the site's zone for this process
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False, env=env)
    return done.stdout.strip()


def report(uploads: list[Upload], *, size: str, load: str, cells_s: float | None) -> None:
    totals = [u.total for u in uploads]
    median = statistics.median(totals)
    rendered = [u.rendered for u in uploads if u.rendered is not None]
    if cells_s is None:  # --render-only
        print("Upload to rendered notebook visible (a real web server and workers)")
        print(
            table(
                ["notebook", "N", "median", "min", "max", "target", "click -> stored (median)"],
                [
                    [
                        "course notebook (100 cells)",
                        str(len(rendered)),
                        f"{statistics.median(rendered):.3f} s",
                        f"{min(rendered):.3f} s",
                        f"{max(rendered):.3f} s",
                        f"median < {RENDER_TARGET_S} s",
                        f"{statistics.median(u.render_stored or 0.0 for u in uploads):.3f} s",
                    ]
                ],
            )
        )
        print(load)
        return
    print("Upload to score as the participant sees it (a real web server and workers)")
    over = [u.total - cells_s for u in uploads]
    # What is left once the wait behind other participants' gradings is taken out too.
    own = [u.total - cells_s - u.pickup for u in uploads]
    print(
        table(
            ["size", "N", "median", "min", "max", "cells", "median - cells", "max - cells"]
            + ["median - cells - queue wait", "max of it"],
            [
                [
                    size,
                    str(len(uploads)),
                    f"{median:.2f} s",
                    f"{min(totals):.2f} s",
                    f"{max(totals):.2f} s",
                    f"{cells_s:.4f} s",
                    f"{statistics.median(over):.3f} s (target {OVERHEAD_TARGET_S} s)",
                    f"{max(over):.3f} s",
                    f"{statistics.median(own):.3f} s",
                    f"{max(own):.3f} s",
                ]
            ],
        )
    )
    print()
    phases = ["upload_request", "intake", "pickup", "grading", "seen", "page_load"]
    print(
        table(
            ["#", "pause", "total", "upload request", "click->queued", "queued->picked up"]
            + ["picked up->stored", "stored->seen", "page load", "polls", "rendered"],
            [
                [str(i), f"{u.pause:.2f}", f"{u.total:.3f}"]
                + [f"{getattr(u, name):.3f}" for name in phases]
                + [str(u.polls), "-" if u.rendered is None else f"{u.rendered:.3f}"]
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
        f"stored -> seen by the page {med('seen'):.3f} s; total {median:.3f} s; "
        f"the rendered notebook seen {statistics.median(rendered):.3f} s after the click"
    )
    print(load)


def workers(layout: str, grading_workers: int, interval: float | None) -> list[list[str]]:
    """The worker commands: as bin/run starts them (split) or all queues in each (single)."""
    poll = [] if interval is None else ["--interval", str(interval)]
    if layout == "single":
        return [["grading_worker", *poll] for _ in range(grading_workers)]
    grading = [["grading_worker", "--queue-name", "grading", *poll]] * grading_workers
    return [*grading, ["grading_worker", "--queue-name", "rendering,default", *poll]]


def participants(course: Any, base: str, count: int) -> list[Participant]:
    """``count`` participants of the course's cohort, each logged in with a browser of their own."""
    from django.urls import reverse

    from courses.services import enroll
    from tests.helpers import PASSWORD, make_user

    clients = []
    for number in range(count):
        user = course.participant
        if number:
            user = make_user(f"p{number:02d}")
            enroll(user=user, cohort=course.enrollment.cohort)
        client = Participant(base)
        client.log_in(reverse("login"), user.username, PASSWORD)
        clients.append(client)
    return clients


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="uploads, or bursts with --burst")
    parser.add_argument("--size", choices=SIZES, default="typical")
    parser.add_argument("--interval", type=float, default=None, help="worker poll interval")
    parser.add_argument("--pause-min", type=float, default=2.0, help="idle seconds, at least")
    parser.add_argument("--pause-max", type=float, default=5.0, help="idle seconds, at most")
    parser.add_argument("--seed", type=int, default=1, help="for the pauses")
    parser.add_argument("--layout", choices=["split", "single"], default="split")
    parser.add_argument("--grading-workers", type=int, default=1)
    parser.add_argument("--burst", type=int, default=0, help="uploads in the same instant")
    parser.add_argument("--render-only", action="store_true", help="upload to rendered only")
    parser.add_argument("--cell-runs", type=int, default=5, help="timings of the cells")
    parser.add_argument("--keep", action="store_true", help="keep the temporary site and logs")
    args = parser.parse_args()
    if not 0 <= args.pause_min <= args.pause_max:
        parser.error("need 0 <= --pause-min <= --pause-max")
    if args.burst and args.render_only:
        parser.error("--burst measures scores; --render-only none")

    var = Path(tempfile.mkdtemp(prefix="certlab-u2s-"))
    django_env.configure(var)

    from bench.notebooks import course_notebook, to_bytes

    bench = assignment(args.size)
    course = django_env.make_course(source=bench.source)
    expected: Decimal | None = sum(bench.expected["correct"].values(), Decimal(0))
    correct = bench.submissions["correct"]
    uploaded = 0

    def next_notebook() -> bytes:
        nonlocal uploaded
        uploaded += 1
        return distinct(course_raw if args.render_only else correct, uploaded)

    course_raw = to_bytes(course_notebook()) if args.render_only else b""
    cells_s = None if args.render_only else cell_time(bench, args.cell_runs)
    if args.render_only:
        expected = None
    pauses = random.Random(args.seed)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    started: list[subprocess.Popen[bytes]] = []
    with (var / "server.log").open("wb") as server_log, (var / "worker.log").open("wb") as log:
        try:
            server = start(["runserver", "--noreload", f"127.0.0.1:{port}"], server_log)
            for command in workers(args.layout, args.grading_workers, args.interval):
                started.append(start(command, log))
            wait_for_server(base, server)
            clients = participants(course, base, max(1, args.burst))
            client = clients[0]
            # Unmeasured: when it is graded, the workers, the kernel template and the server
            # are warm.
            measure_one(client, course, next_notebook(), expected, pause=0.0)
            load_before = uptime()
            uploads = []
            for _ in range(args.runs):
                pause = pauses.uniform(args.pause_min, args.pause_max)
                time.sleep(pause)
                if args.burst:
                    assert expected is not None
                    notebooks = [next_notebook() for _ in clients]
                    uploads += burst(clients, course, notebooks, expected)
                else:
                    uploads.append(
                        measure_one(client, course, next_notebook(), expected, pause=pause)
                    )
            load = f"before: {load_before}\nafter:  {uptime()}"
            report(uploads, size=args.size, load=load, cells_s=cells_s)
            path = save(
                "upload_to_score",
                {
                    "machine": machine(),
                    "size": args.size,
                    "layout": args.layout,
                    "grading_workers": args.grading_workers,
                    "burst": args.burst,
                    "render_only": args.render_only,
                    "interval": args.interval,
                    "pause_s": [args.pause_min, args.pause_max],
                    "seed": args.seed,
                    "uptime": load,
                    "cells_s": cells_s,
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
            for worker in started:
                stop(worker)
            if args.keep:
                print(f"kept: {var}")
            else:
                shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
