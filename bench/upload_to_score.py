"""Latency from upload to score, end to end, on an idle system: the issue's latency target.

``bench/grading.py`` times ``grade_notebook`` from call to report. This script times what a
participant waits for: ``submit_attempt`` (intake, storage, queueing) in this process, then a
real ``manage.py grading_worker`` (kernel template, bubblewrap sandbox, woken by the doorbell
as the attempt is queued; ``--interval`` is only its fallback poll) picks the attempt up, grades
it and stores the result; the clock stops when the grading run is stored as graded. Each upload
comes after ``--pause`` seconds of idleness. The typical notebook's correct submission is used (pandas + scikit-learn, see
``bench/grading_notebooks.py``); its points are checked.

    .venv/bin/python bench/upload_to_score.py [--runs 9] [--size typical] [--interval 0.1]

Everything lives in a temporary ``VAR_DIR`` with its own SQLite database; nothing of ``var/``
is touched. Target: median < 1.5 s for the typical notebook.
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

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

from bench.common import machine, save, table  # noqa: E402
from bench.grading_notebooks import SIZES, assignment  # noqa: E402

TARGET_S = 1.5


def _setup(size: str) -> tuple[Any, Any, Any, Decimal]:
    from django.core.management import call_command  # noqa: PLC0415

    from courses.models import Cohort, Institution, Module, Program  # noqa: PLC0415
    from courses.services import enroll, publish_assignment  # noqa: PLC0415
    from platform.models import User  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    bench = assignment(size)  # type: ignore[arg-type]
    institution = Institution.objects.create(name="Bench", short_name="Bench", slug="bench")
    program = Program.objects.create(
        institution=institution, slug="bench", title="Bench", audience="bench"
    )
    cohort = Cohort.objects.create(
        program=program, name="bench", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 1, 1)
    )
    module = Module.objects.create(program=program, title="Bench", order=1)
    published = publish_assignment(module=module, slug="bench", title="Bench", source=bench.source)
    published.max_attempts = 1000  # every measured upload is another attempt
    published.save(update_fields=["max_attempts"])
    participant = User.objects.create_user(username="p", email="p@example.org")  # no log-in
    enrollment = enroll(user=participant, cohort=cohort)
    expected = sum(bench.expected["correct"].values(), Decimal(0))
    return published, participant, (enrollment, bench.submissions["correct"]), expected


def _wait(predicate: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.005)


def _upload_and_wait(
    submit_attempt: Any,
    grading_run: Any,
    participant: Any,
    enrollment: Any,
    published: Any,
    notebook: bytes,
) -> Any:
    """Upload the notebook as a new attempt and wait until its grading run is stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    submission = submit_attempt(
        participant=participant,
        enrollment=enrollment,
        assignment=published,
        upload=SimpleUploadedFile("project.ipynb", notebook),
    )
    done = grading_run.objects.filter(
        submission=submission,
        status__in=[grading_run.Status.GRADED, grading_run.Status.FAILED],
    )
    _wait(done.exists, timeout=300, what="the score")
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--size", choices=SIZES, default="typical")
    parser.add_argument("--interval", type=float, default=None, help="worker poll interval")
    parser.add_argument("--pause", type=float, default=3.0, help="idle seconds before each upload")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="certlab-u2s-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "platform.settings",
            "VAR_DIR": str(var),
            "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        }
    )
    os.environ.pop("PRIVATE_FILES_ROOT", None)
    import django  # noqa: PLC0415

    django.setup()
    from submissions.models import GradingRun  # noqa: PLC0415
    from submissions.services import submit_attempt  # noqa: PLC0415

    worker = None
    try:
        published, participant, (enrollment, notebook), expected = _setup(args.size)
        command = [sys.executable, "manage.py", "grading_worker"]
        if args.interval is not None:
            command += ["--interval", str(args.interval)]
        worker = subprocess.Popen(command, cwd=_ROOT, env=os.environ.copy())
        # A first, unmeasured upload: when it is graded the worker and its template are warm.
        _upload_and_wait(submit_attempt, GradingRun, participant, enrollment, published, notebook)
        load_before = os.getloadavg()[0]
        latencies: list[float] = []
        phases: list[tuple[float, float]] = []
        for _ in range(args.runs):
            time.sleep(args.pause)
            started = time.perf_counter()
            done = _upload_and_wait(
                submit_attempt, GradingRun, participant, enrollment, published, notebook
            )
            latencies.append(time.perf_counter() - started)
            run = done.get()
            assert run.started_at and run.finished_at
            phases.append(
                (
                    (run.started_at - run.enqueued_at).total_seconds(),
                    (run.finished_at - run.started_at).total_seconds(),
                )
            )
            if run.status != GradingRun.Status.GRADED or run.autograded_points != expected:
                raise SystemExit(
                    f"wrong result: {run.status}, {run.autograded_points} (expected {expected})"
                )
        median = statistics.median(latencies)
        rows = [
            [
                args.size,
                str(args.runs),
                f"{median:.2f} s",
                f"{min(latencies):.2f} s",
                f"{max(latencies):.2f} s",
                f"{'<' if median < TARGET_S else '>='} {TARGET_S} s",
                f"{load_before:.2f}",
            ]
        ]
        print("Upload to score, a real worker, idle between uploads")
        print(table(["size", "N", "median", "min", "max", "target", "load"], rows))
        pickup = statistics.median(p[0] for p in phases)
        grading = statistics.median(p[1] for p in phases)
        print(
            f"median: queued -> picked up by the worker {pickup:.2f} s, "
            f"picked up -> graded and stored {grading:.2f} s, "
            f"the rest (intake before queueing, noticing the result) "
            f"{median - pickup - grading:.2f} s"
        )
        save(
            "upload_to_score",
            {
                "machine": machine(),
                "size": args.size,
                "interval": args.interval,
                "latencies_s": latencies,
                "median_s": median,
            },
        )
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
