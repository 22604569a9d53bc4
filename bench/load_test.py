"""The deadline rush against the production topology: Locust, nginx, gunicorn, the workers.

    .venv/bin/python bench/load_test.py [--minutes 10] [--participants 300] [--instructors 20]
        [--verifications 500] [--grading-workers 2] [--render-workers 1] [--web-workers 4]

1. A throwaway installation: PostgreSQL database ``certlab_load`` on 127.0.0.1:5432 when the
   server answers (trust authentication; the database is dropped and made anew), otherwise a
   SQLite file in the temp dir, with a warning. Migrated, then filled with the tests' builders
   (``tests/helpers.py``): a program and cohort with ``--participants`` participants
   (passwords; participants need no second factor) and ``--instructors`` instructors (a second
   factor each; their sessions are made as the tests make them, ``log_in``), a published
   assignment (``bench/grading_notebooks.py``, ``--size``, the typical notebook by default),
   and ``--certificates`` graduates of another program whose certificates are verified.
2. ``manage.py serve`` (what ``bin/serve`` runs) on free ports: nginx, gunicorn with
   ``--web-workers``, ``--grading-workers`` grading and ``--render-workers`` rendering workers.
3. Locust, headless (``bench/load/locustfile.py``): each participant logs in and uploads at
   their moment in a window of ``--minutes`` (a third of them in its last minute, the rest
   spread evenly before), then polls their submission page until graded; the instructors
   browse the grading queue and open submissions; ``--verifications`` anonymous verifications
   spread over the window. Meanwhile the queue (depth, age of its oldest task: the numbers of
   ``/readyz`` and ``/metrics``, read from the database) and the machine (CPU, memory) are
   sampled every ``--sample-seconds``.
4. The run ends when the window is over and every upload is graded (or ``--drain-minutes``
   later). Report: ``bench/results/load_test.json``, ``load_test.md`` (printed too) and
   ``load_test.png`` (queue depth and upload latency over time).
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
import csv
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import requests

from bench import django_env
from bench.common import RESULTS, machine, save
from bench.grading_notebooks import SIZES, assignment
from bench.upload_to_score import free_port, stop, uptime

UPLOAD_P95_TARGET_MS = 300.0
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
LOAD_DATABASE = "certlab_load"
LOCUSTFILE = _ROOT / "bench" / "load" / "locustfile.py"
VERIFIERS = 25  # Locust users taking turns at the planned verifications


# --- the plan ------------------------------------------------------------------------------


def upload_offsets(count: int, minutes: float) -> list[float]:
    """When each of ``count`` participants uploads, in seconds from the window's start: a third
    (rounded up) in the last minute, the others evenly over the time before it. With a window of
    one minute or less all of them are spread over it."""
    window = minutes * 60
    last_minute = min(60.0, window)
    late = -(-count // 3) if window > 60 else count
    early = count - late
    before = window - last_minute
    times = [before * (i + 0.5) / early for i in range(early)]
    times += [before + last_minute * (i + 0.5) / late for i in range(late)]
    return times


def address(block: int, number: int) -> str:
    """A loopback address of its own for simulated person ``number`` of ``block``."""
    return f"127.{block}.{number // 250}.{number % 250 + 1}"


@dataclass
class Plan:
    """What the Locust users do; written as JSON for ``bench/load/locustfile.py``."""

    base: str
    t0: float
    login_path: str
    assignment_path: str
    upload_path: str
    queue_path: str
    password: str
    notebook: str
    uploads_log: str
    participants: list[dict[str, Any]]
    instructors: list[dict[str, Any]]
    verifications: list[dict[str, Any]]
    verifiers: int = VERIFIERS
    assignment_id: int = 0
    poll_limit_s: float = 1800.0


def prepare(
    *,
    participants: int,
    instructors: int,
    certificates: int,
    verifications: int,
    minutes: float,
    source: bytes,
    submission: bytes,
    var: Path,
) -> Plan:
    """Fill the configured (migrated) site and plan the rush: the assignment published from
    ``source``, every participant uploading ``submission``. Times are offsets from ``t0``,
    which the caller sets with the base URL."""
    from django.contrib.auth.hashers import make_password
    from django.test import Client
    from django.urls import reverse

    from courses.models import Module
    from courses.services import enroll
    from platform.models import User
    from submissions.publishing.services import publish_assignment
    from tests.helpers import (
        PASSWORD,
        give_second_factor,
        issue_certificate,
        log_in,
        make_cohort,
        make_program,
    )

    # One hash for everyone: hashing 300 passwords with argon2 would take most of the set-up.
    password_hash = make_password(PASSWORD)
    staff = [
        User.objects.create(
            username=f"instructor{n:02d}",
            email=f"instructor{n:02d}@example.org",
            password=password_hash,
        )
        for n in range(instructors)
    ]
    program = make_program()
    cohort = make_cohort(program, instructors=staff, name="Deadline rush")
    module = Module.objects.create(program=program, title="Foundations", order=1, pass_mark=50)
    published = publish_assignment(
        module=module, slug="rush", title="The deadline rush", source=source, max_attempts=1000
    )
    people = []
    for n in range(participants):
        user = User.objects.create(
            username=f"p{n:03d}", email=f"p{n:03d}@example.org", password=password_hash
        )
        enroll(user=user, cohort=cohort)
        people.append(user)

    graduates_program = make_program(slug="graduates", title="Graduates")
    graduates_cohort = make_cohort(graduates_program, name="Graduates")
    final = Module.objects.create(program=graduates_program, title="Final", order=1, pass_mark=50)
    from tests.helpers import publish

    final_assignment = publish(final, "final", "Final project")
    codes = []
    for n in range(certificates):
        graduate = User.objects.create(
            username=f"g{n:03d}", email=f"g{n:03d}@example.org", password=password_hash
        )
        enroll(user=graduate, cohort=graduates_cohort)
        codes.append(issue_certificate(graduate, final_assignment).code)

    cookies = []
    for user in staff:
        give_second_factor(user)
        client = log_in(Client(), user)
        name = next(iter(client.cookies))
        cookies.append({"cookie": name, "session": client.cookies[name].value})

    offsets = upload_offsets(participants, minutes)
    window = minutes * 60
    notebook = var / "submission.ipynb"
    notebook.write_bytes(submission)
    return Plan(
        base="",
        t0=0.0,
        login_path=reverse("login"),
        assignment_path=reverse("submissions:assignment", args=[published.pk]),
        upload_path=reverse("submissions:upload", args=[published.pk]),
        queue_path=reverse("submissions:queue"),
        password=PASSWORD,
        notebook=str(notebook),
        uploads_log=str(var / "uploads.jsonl"),
        participants=[
            {
                "username": user.username,
                "at": at,
                # Log in a little before the moment, as people open the page before uploading.
                "lead": min(at, 20.0),
                "address": address(1, n),
            }
            for n, (user, at) in enumerate(zip(people, offsets, strict=True))
        ],
        instructors=[{**cookie, "address": address(3, n)} for n, cookie in enumerate(cookies)],
        verifications=[
            {
                "path": reverse("verify", args=[codes[n % len(codes)]]),
                "at": window * (n + 0.5) / verifications,
                "address": address(2, n),
            }
            for n in range(verifications if codes else 0)
        ],
        assignment_id=published.pk,
    )


# --- sampling ------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # wall clock
    queues: dict[str, dict[str, float]]  # queue -> depth, oldest_age_seconds
    graded: int
    cpu_percent: float
    memory_used_mb: float
    memory_total_mb: float
    load: list[float]


def machine_now(last: list[float]) -> tuple[float, float, float]:
    """CPU use since the previous call (percent of all cores), memory used and total, in MB:
    psutil when installed, else /proc."""
    try:
        import psutil
    except ImportError:
        stat = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle, total = stat[3] + stat[4], sum(stat)
        busy = 0.0
        if last:
            d_total = total - last[1]
            busy = 100.0 * (1 - (idle - last[0]) / d_total) if d_total else 0.0
        last[:] = [idle, total]
        info = {
            line.split(":")[0]: float(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
        }
        total_mb = info["MemTotal"] / 1024
        return busy, total_mb - info["MemAvailable"] / 1024, total_mb
    memory = psutil.virtual_memory()
    mb = 1024 * 1024
    return psutil.cpu_percent(), (memory.total - memory.available) / mb, memory.total / mb


class Sampler(threading.Thread):
    """The queue and the machine every ``every`` seconds, until ``stop`` is set."""

    def __init__(self, assignment_id: int, every: float) -> None:
        super().__init__(name="sampler", daemon=True)
        self.assignment_id = assignment_id
        self.every = every
        self.samples: list[Sample] = []
        self.done = threading.Event()

    def run(self) -> None:
        from django.db import connection

        last: list[float] = []
        machine_now(last)
        try:
            while not self.done.wait(self.every):
                self.samples.append(self.sample(last))
        finally:
            connection.close()

    def sample(self, last: list[float]) -> Sample:
        from platform.observability.health import queue_stats

        cpu, used, total = machine_now(last)
        return Sample(
            at=time.time(),
            queues={
                s.queue: {"depth": s.depth, "oldest_age_seconds": s.oldest_age_seconds}
                for s in queue_stats()
            },
            graded=graded_count(self.assignment_id),
            cpu_percent=cpu,
            memory_used_mb=used,
            memory_total_mb=total,
            load=[round(x, 2) for x in os.getloadavg()],
        )


def graded_count(assignment_id: int) -> int:
    """Attempts of the assignment whose grading ended (graded or failed)."""
    from submissions.models import Submission

    return Submission.objects.filter(
        assignment_id=assignment_id,
        status__in=[Submission.Status.GRADED, Submission.Status.FAILED],
    ).count()


def stored_count(assignment_id: int) -> int:
    from submissions.models import Submission

    return Submission.objects.filter(assignment_id=assignment_id).count()


def grading_times(assignment_id: int) -> dict[str, Any]:
    """From the database: attempts and their outcome, the last upload, the last grading."""
    from django.db.models import Count, Max

    from submissions.models import GradingRun, Submission

    attempts = Submission.objects.filter(assignment_id=assignment_id)
    runs = GradingRun.objects.filter(submission__assignment_id=assignment_id)
    last_upload = attempts.aggregate(at=Max("submitted_at"))["at"]
    last_graded = runs.aggregate(at=Max("finished_at"))["at"]
    return {
        "attempts": attempts.count(),
        "by_status": dict(
            attempts.order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        ),
        "last_upload_at": last_upload.timestamp() if last_upload else None,
        "last_graded_at": last_graded.timestamp() if last_graded else None,
    }


# --- the report ----------------------------------------------------------------------------


def read_locust_stats(text: str) -> list[dict[str, Any]]:
    """Locust's ``*_stats.csv``: per endpoint (and "Aggregated") requests, failures and the
    response time percentiles in ms."""
    rows = []
    for row in csv.DictReader(text.splitlines()):
        rows.append(
            {
                "type": row["Type"],
                "name": row["Name"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": _number(row["Max Response Time"]),
            }
        )
    return rows


def read_locust_failures(text: str) -> list[dict[str, Any]]:
    return [
        {
            "method": row["Method"],
            "name": row["Name"],
            "error": row["Error"],
            "occurrences": int(row["Occurrences"]),
        }
        for row in csv.DictReader(text.splitlines())
    ]


def _number(value: str) -> float | None:
    return None if value in {"", "N/A"} else float(value)


def percentile(values: Iterable[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value at least ``share`` of all are at or below."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def build_report(
    *,
    endpoints: list[dict[str, Any]],
    failures: list[dict[str, Any]],
    uploads: list[dict[str, float]],
    samples: list[Sample],
    grading: dict[str, Any],
    t0: float,
    window_s: float,
    expected_uploads: int,
    context: dict[str, Any],
) -> dict[str, Any]:
    """Everything the markdown and the plot show, as plain data (saved as JSON)."""
    upload_ms = [u["seconds"] * 1000 for u in uploads]
    p95 = percentile(upload_ms, 0.95)
    errors = sum(row["failures"] for row in endpoints if row["name"] != "Aggregated")
    last_graded = grading.get("last_graded_at")
    last_upload = grading.get("last_upload_at")
    ages = [max(s.queues.get("grading", {}).get("oldest_age_seconds", 0.0), 0.0) for s in samples]
    return {
        **context,
        "window_s": window_s,
        "endpoints": endpoints,
        "failures": failures,
        "errors": errors,
        "uploads": {
            "expected": expected_uploads,
            "answered": len(upload_ms),
            "stored": grading.get("attempts", 0),
            "by_status": grading.get("by_status", {}),
            "p50_ms": percentile(upload_ms, 0.5),
            "p95_ms": p95,
            "p99_ms": percentile(upload_ms, 0.99),
            "target_p95_ms": UPLOAD_P95_TARGET_MS,
            "target_met": p95 is not None and p95 < UPLOAD_P95_TARGET_MS,
            "series": [[round(u["at"] - t0, 2), round(u["seconds"] * 1000, 1)] for u in uploads],
        },
        "grading": {
            "last_upload_s": None if last_upload is None else last_upload - t0,
            "last_graded_s": None if last_graded is None else last_graded - t0,
            "last_graded_after_last_upload_s": (
                None if last_graded is None or last_upload is None else last_graded - last_upload
            ),
            "last_graded_after_window_s": (
                None if last_graded is None else last_graded - (t0 + window_s)
            ),
            "max_queue_age_s": max(ages, default=0.0),
            "max_queue_depth": max(
                (s.queues.get("grading", {}).get("depth", 0) for s in samples), default=0
            ),
        },
        "machine_samples": {
            "cpu_percent_median": _median(s.cpu_percent for s in samples),
            "cpu_percent_max": max((s.cpu_percent for s in samples), default=None),
            "memory_used_mb_max": max((s.memory_used_mb for s in samples), default=None),
            "memory_total_mb": samples[-1].memory_total_mb if samples else None,
            "load_max": max((s.load[0] for s in samples), default=None),
        },
        "samples": [asdict(s) | {"t": round(s.at - t0, 2)} for s in samples],
    }


def _median(values: Iterable[float]) -> float | None:
    listed = list(values)
    return statistics.median(listed) if listed else None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def markdown(report: dict[str, Any]) -> str:
    uploads, grading, box = report["uploads"], report["grading"], report["machine_samples"]
    lines = [
        "# Load test: the deadline rush",
        "",
        f"{report['when']}; {report['participants']} participants uploading in "
        f"{report['window_s'] / 60:g} min (a third in the last minute), {report['instructors']} "
        f"instructors, {report['verifications']} verifications; {report['database']}; "
        f"gunicorn workers {report['web_workers']}, grading workers "
        f"{report['grading_workers']}, rendering workers {report['render_workers']}; "
        f"notebook: {report['size']}.",
        "",
        f"- uptime before: `{report['uptime_before']}`",
        f"- uptime after: `{report['uptime_after']}`",
        "",
        "| endpoint | requests | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in report["endpoints"]:
        lines.append(
            f"| {row['type']} {row['name']} | {row['requests']} | {row['failures']} | "
            f"{_ms(row['median_ms'])} | {_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | "
            f"{_ms(row['max_ms'])} |"
        )
    verdict = "met" if uploads["target_met"] else "MISSED"
    lines += [
        "",
        f"- **errors: {report['errors']}** (target: none)",
        f"- **upload answer p95: {_ms(uploads['p95_ms'])} ms** (target < "
        f"{uploads['target_p95_ms']:.0f} ms: {verdict}); p50 {_ms(uploads['p50_ms'])} ms, "
        f"p99 {_ms(uploads['p99_ms'])} ms; {uploads['answered']} of {uploads['expected']} "
        f"uploads answered, {uploads['stored']} stored ({uploads['by_status']})",
        f"- last upload at {_s(grading['last_upload_s'])}, last grading stored at "
        f"{_s(grading['last_graded_s'])} (from the window's start): **the last grading was "
        f"stored {_s(grading['last_graded_after_last_upload_s'])} after the last upload "
        f"arrived**, {_s(grading['last_graded_after_window_s'])} after the window closed "
        "(negative: before)",
        f"- grading queue: at most {grading['max_queue_depth']} waiting, the oldest waiting "
        f"at most {_s(grading['max_queue_age_s'])}",
        f"- machine: CPU median {_ms(box['cpu_percent_median'])} %, max "
        f"{_ms(box['cpu_percent_max'])} % (of all cores); memory used at most "
        f"{_ms(box['memory_used_mb_max'])} of {_ms(box['memory_total_mb'])} MB; load average "
        f"(1 min) at most {box['load_max']}",
    ]
    for failure in report["failures"]:
        lines.append(
            f"- failure: {failure['method']} {failure['name']}: {failure['error']} "
            f"({failure['occurrences']}x)"
        )
    lines += ["", "The grading queue over time (from the window's start):", ""]
    lines += [
        "| t (s) | waiting | oldest waiting (s) | graded | CPU % | load |",
        "|---|---|---|---|---|---|",
    ]
    samples = report["samples"]
    step = max(1, len(samples) // 30)
    for sample in samples[::step]:
        grading_queue = sample["queues"].get("grading", {})
        lines.append(
            f"| {sample['t']:.0f} | {grading_queue.get('depth', 0)} | "
            f"{grading_queue.get('oldest_age_seconds', 0.0):.1f} | {sample['graded']} | "
            f"{sample['cpu_percent']:.0f} | {sample['load'][0]} |"
        )
    if report.get("plot"):
        lines += ["", f"Plot: `{report['plot']}`"]
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> Path | None:
    """Queue depth and upload latency over time, as a PNG (matplotlib, Agg)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
        return None
    samples = report["samples"]
    figure, (depth_axes, latency_axes) = plt.subplots(2, 1, sharex=True, figsize=(9, 6))
    times = [s["t"] for s in samples]
    depth_axes.plot(
        times,
        [s["queues"].get("grading", {}).get("depth", 0) for s in samples],
        label="grading queue: waiting",
    )
    age_axes = depth_axes.twinx()
    age_axes.plot(
        times,
        [s["queues"].get("grading", {}).get("oldest_age_seconds", 0.0) for s in samples],
        color="tab:red",
        label="oldest waiting (s)",
    )
    depth_axes.set_ylabel("waiting")
    age_axes.set_ylabel("oldest waiting (s)", color="tab:red")
    depth_axes.axvline(report["window_s"], color="grey", linestyle="--")
    depth_axes.set_title("Grading queue")
    series = report["uploads"]["series"]
    latency_axes.scatter([t for t, _ in series], [ms for _, ms in series], s=8, label="upload")
    latency_axes.axhline(report["uploads"]["target_p95_ms"], color="tab:red", linestyle=":")
    latency_axes.axvline(report["window_s"], color="grey", linestyle="--")
    latency_axes.set_ylabel("upload answer (ms)")
    latency_axes.set_xlabel("seconds from the window's start")
    latency_axes.set_title("Upload latency (dotted: the p95 target)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


# --- running it ----------------------------------------------------------------------------


def database_url(prefer_postgres: bool) -> str:
    """A fresh ``certlab_load`` on the local PostgreSQL server, or "" (SQLite) with a warning."""
    if prefer_postgres:
        try:
            import psycopg

            with psycopg.connect(
                POSTGRES_SERVER.replace("postgres://", "postgresql://"),
                autocommit=True,
                connect_timeout=3,
            ) as server:
                server.execute(f"DROP DATABASE IF EXISTS {LOAD_DATABASE} WITH (FORCE)")
                server.execute(f"CREATE DATABASE {LOAD_DATABASE}")
            return POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{LOAD_DATABASE}"
        except Exception as error:  # noqa: BLE001 - any failure means: no PostgreSQL here
            print(f"WARNING: PostgreSQL at 127.0.0.1:5432 is not usable ({error})")
    print(
        "WARNING: running on SQLite (one writer at a time): the numbers are not those of a "
        "production installation, which runs on PostgreSQL."
    )
    return ""


def wait_for_workers(expected: int, server: subprocess.Popen[bytes], timeout: float) -> None:
    """Until ``expected`` grading workers have written a heartbeat (their template is started)."""
    from platform.models import WorkerHeartbeat

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("bin/serve ended by itself (its log is below)")
        if WorkerHeartbeat.objects.filter(queues__contains="grading").count() >= expected:
            return
        time.sleep(1)
    raise SystemExit("the grading workers did not start")


def wait_for_answer(url: str, server: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("bin/serve ended by itself (its log is below)")
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still starting up
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="the upload window")
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--instructors", type=int, default=20)
    parser.add_argument("--verifications", type=int, default=500)
    parser.add_argument("--certificates", type=int, default=50, help="to verify")
    parser.add_argument("--size", choices=SIZES, default="typical", help="the notebook")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--grading-workers", type=int, default=2)
    parser.add_argument("--render-workers", type=int, default=1)
    parser.add_argument("--drain-minutes", type=float, default=20.0, help="grading after it")
    parser.add_argument("--sample-seconds", type=float, default=3.0)
    parser.add_argument("--sqlite", action="store_true", help="even if PostgreSQL answers")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (and database)")
    args = parser.parse_args()
    if args.participants < 1 or args.minutes <= 0:
        parser.error("need at least one participant and a window")

    var = Path(tempfile.mkdtemp(prefix="certlab-load-"))
    url = database_url(prefer_postgres=not args.sqlite)
    database = "PostgreSQL" if url else "SQLite"
    print(f"preparing {args.participants} participants on {database} in {var} ...")
    # The rush sends no mail, but certificates do: nowhere to send them on this machine.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    django_env.configure(var, database_url=url)
    # A short doorbell path (SQLite: a UNIX socket path must stay under ~100 bytes).
    os.environ["DOORBELL_DIR"] = str(var / "bell")
    bench = assignment(args.size)
    plan = prepare(
        participants=args.participants,
        instructors=args.instructors,
        certificates=args.certificates,
        verifications=args.verifications,
        minutes=args.minutes,
        source=bench.source,
        submission=bench.submissions["correct"],
        var=var,
    )
    from django.db import connections

    connections.close_all()

    port = free_port()
    plan.base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "BACKEND_PORT": str(free_port()),
        "WEB_WORKERS": str(args.web_workers),
        "GRADING_WORKERS": str(args.grading_workers),
        "RENDER_WORKERS": str(args.render_workers),
        "LOG_LEVEL": "WARNING",
    }
    serve_log = (var / "serve.log").open("wb")
    # manage.py serve is what bin/serve runs (bin/serve also installs the lock first).
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=_ROOT,
        env=env,
        stdout=serve_log,
        stderr=subprocess.STDOUT,
    )
    locust: subprocess.Popen[bytes] | None = None
    sampler: Sampler | None = None
    try:
        wait_for_answer(f"{plan.base}/healthz", server, 180)
        wait_for_workers(args.grading_workers, server, 180)
        before = uptime()
        # Locust starts its users within seconds; the window opens after that.
        plan.t0 = time.time() + 15
        plan_path = var / "plan.json"
        plan_path.write_text(json.dumps(asdict(plan)))
        users = len(plan.participants) + len(plan.instructors) + plan.verifiers
        window_s = args.minutes * 60
        run_s = int(15 + window_s + args.drain_minutes * 60)
        locust = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("locust")),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                plan.base,
                "--users",
                str(users),
                "--spawn-rate",
                "100",
                "--run-time",
                f"{run_s}s",
                "--csv",
                str(var / "locust"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=var,
            env={**env, "LOAD_PLAN": str(plan_path)},
            stdout=(var / "locust.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        sampler = Sampler(plan.assignment_id, args.sample_seconds)
        sampler.start()
        print(f"the window opens at t0 and lasts {args.minutes:g} min ...")
        while locust.poll() is None:
            time.sleep(2)
            # Over when every moment has passed and every stored upload's grading has ended
            # (a participant refused before uploading is a failure in Locust's statistics).
            over = time.time() > plan.t0 + window_s + 10
            if over and graded_count(plan.assignment_id) >= stored_count(plan.assignment_id):
                break
            if server.poll() is not None:
                raise SystemExit("bin/serve ended by itself (its log is below)")
        if locust.poll() is None:
            locust.send_signal(signal.SIGTERM)  # Locust writes its statistics as it quits
            locust.wait(timeout=60)
        after = uptime()
        sampler.done.set()
        sampler.join()
        grading = grading_times(plan.assignment_id)
        connections.close_all()
        uploads = (
            [
                json.loads(line)
                for line in Path(plan.uploads_log).read_text().splitlines()
                if line.strip()
            ]
            if Path(plan.uploads_log).exists()
            else []
        )
        report = build_report(
            endpoints=read_locust_stats((var / "locust_stats.csv").read_text()),
            failures=read_locust_failures((var / "locust_failures.csv").read_text()),
            uploads=uploads,
            samples=sampler.samples,
            grading=grading,
            t0=plan.t0,
            window_s=window_s,
            expected_uploads=args.participants,
            context={
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "machine": machine(),
                "database": database,
                "participants": args.participants,
                "instructors": args.instructors,
                "verifications": len(plan.verifications),
                "size": args.size,
                "web_workers": args.web_workers,
                "grading_workers": args.grading_workers,
                "render_workers": args.render_workers,
                "uptime_before": before,
                "uptime_after": after,
            },
        )
        RESULTS.mkdir(parents=True, exist_ok=True)
        picture = plot(report, RESULTS / "load_test.png")
        report["plot"] = None if picture is None else str(picture.relative_to(_ROOT))
        text = markdown(report)
        (RESULTS / "load_test.md").write_text(text)
        path = save("load_test", report)
        print(text)
        print(f"raw numbers: {path.relative_to(_ROOT)}, bench/results/load_test.md")
    except BaseException:
        serve_log.flush()
        for name in ["serve.log", "locust.log"]:
            if (var / name).exists():
                tail = (var / name).read_text(errors="replace")[-4000:]
                print(f"--- the end of {name} ---\n{tail}", file=sys.stderr)
        raise
    finally:
        if sampler is not None:
            sampler.done.set()
        if locust is not None and locust.poll() is None:
            locust.kill()
        stop(server)
        serve_log.close()
        if args.keep:
            print(f"kept: {var}")
        else:
            shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
