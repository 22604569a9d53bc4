"""Upload benchmark: a 20 MB notebook through intake validation and through the upload service.

Run from the project root::

    .venv/bin/python bench/upload.py            # N = 7
    .venv/bin/python bench/upload.py --runs 3

The notebook (just under the 20 MiB default ``NOTEBOOK_MAX_BYTES``; outputs of pandas tables,
training logs and matplotlib PNGs) is built in code (``bench/notebooks.py``). Measured:

* ``validate_notebook(raw)``: the synchronous intake check (decode, structure scan, JSON parse,
  schema validation, caps), on bytes already in memory;
* ``submit_attempt(...)``: the whole upload service on a throwaway site (SQLite and blobs in a
  temp dir): reading the uploaded file, validation, content-addressed storage (with fsync), the
  attempt row and the queued grading and rendering. Django's upload handlers spool uploads over
  2.5 MB to a temporary file, so the upload here is a file on disk too; every run uploads
  different bytes (blob storage stores identical bytes once).

Time: median of N runs in this process. Memory, in a fresh child process per path so that the
high-water mark means something: the ``tracemalloc`` peak (Python allocations during the call)
and the growth of ``ru_maxrss`` (the process's peak resident memory) across the call, both also
as a multiple of the file size. Target: memory stays a small multiple of the file size.

Results are printed as a table and written to ``bench/results/upload.json``.
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
import gc
import json
import resource
import subprocess
import tracemalloc
from collections.abc import Callable
from typing import Any

from bench.common import machine, median, megabytes, save, seconds, table, timed
from bench.notebooks import to_bytes, upload_notebook, variant

MEMORY_TARGET_MULTIPLE = 10  # "a small multiple of the file size"


def _small_notebook() -> bytes:
    from nbformat import v4

    nb = v4.new_notebook()
    nb.cells = [v4.new_markdown_cell("# warm-up"), v4.new_code_cell("1 + 1")]
    return to_bytes(nb)


def _uploaded(path: Path) -> Any:
    """The file as Django hands it to a view: an ``UploadedFile`` backed by a file on disk."""
    from django.core.files.uploadedfile import UploadedFile

    return UploadedFile(
        path.open("rb"),
        name="big-notebook.ipynb",
        content_type="application/x-ipynb+json",
        size=path.stat().st_size,
    )


def _course(ids: str) -> Any:
    from bench.django_env import Course
    from courses.models import Assignment, Enrollment
    from platform.models import User

    participant, instructor, enrollment, assignment = (int(x) for x in ids.split(","))
    return Course(
        User.objects.get(pk=participant),
        User.objects.get(pk=instructor),
        Enrollment.objects.get(pk=enrollment),
        Assignment.objects.get(pk=assignment),
    )


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def _own_rss() -> int:
    """The process's current resident memory (VmRSS), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _measure_memory(operation: Callable[[], Any], again: Callable[[], Any]) -> dict[str, int]:
    """ru_maxrss growth across ``operation``, then the tracemalloc peak of ``again``."""
    gc.collect()
    before, resident = _maxrss_bytes(), _own_rss()
    if before > resident * 1.2:
        raise RuntimeError("the peak RSS was reached before the measurement; it would read 0")
    operation()
    grown = _maxrss_bytes() - before
    gc.collect()
    tracemalloc.start()
    again()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"maxrss_growth": grown, "maxrss_before": before, "tracemalloc_peak": peak}


def child(mode: str, files: list[Path], var_dir: Path | None, ids: str | None) -> dict[str, int]:
    """One memory measurement in this (fresh) process; see ``_measure_memory``."""
    from submissions.intake.notebooks import validate_notebook

    if mode == "validate":
        validate_notebook(_small_notebook())  # warm-up: schema loaded, code paths imported
        raw = files[0].read_bytes()  # the input: in memory before the call, as in the service
        return _measure_memory(lambda: validate_notebook(raw), lambda: validate_notebook(raw))
    assert var_dir is not None and ids is not None
    from bench import django_env

    django_env.configure(var_dir, migrate=False)
    from django.core.files.uploadedfile import SimpleUploadedFile

    course = _course(ids)
    django_env.submit(course, SimpleUploadedFile("warm-up.ipynb", _small_notebook()))
    first, second = (_uploaded(path) for path in files)
    return _measure_memory(
        lambda: django_env.submit(course, first), lambda: django_env.submit(course, second)
    )


_LAUNCHER = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execv(sys.argv[1], sys.argv[1:])\n"
    "sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n"
)


def memory_in_child(mode: str, files: list[Path], var_dir: Path, ids: str) -> dict[str, int]:
    command = [sys.executable, __file__, "--child", mode, "--var-dir", str(var_dir)]
    command += ["--ids", ids, *(arg for path in files for arg in ("--file", str(path)))]
    # ru_maxrss survives exec: a child exec'd straight from this process (vfork or fork) would
    # start with this process's peak as its own. A small launcher forks a fresh process and
    # execs the measuring child in it, so the child's count starts from the launcher's few MB.
    done = subprocess.run(
        [sys.executable, "-I", "-c", _LAUNCHER, *command],
        capture_output=True,
        text=True,
        check=False,
        cwd=_ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory child failed:\n{done.stderr[-3000:]}")
    answer: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def run(runs: int, keep: bool) -> dict[str, Any]:
    from bench import django_env

    print("Building the 20 MB notebook…", file=sys.stderr)
    raw = upload_notebook()
    with django_env.site("certlab-bench-upload-", keep=keep) as var_dir:
        from submissions.intake.notebooks import validate_notebook
        from submissions.tasks import intake_limits

        course = django_env.make_course()
        ids = ",".join(
            str(x.pk)
            for x in (course.participant, course.instructor, course.enrollment, course.assignment)
        )
        limits = intake_limits()  # the site's caps, as the upload view applies them
        print("Timing validate_notebook…", file=sys.stderr)
        validated = validate_notebook(raw, limits)  # warm-up
        validate_times = [timed(lambda: validate_notebook(raw, limits)) for _run in range(runs)]

        print("Timing submit_attempt…", file=sys.stderr)
        uploads = var_dir / "uploads"
        uploads.mkdir()
        submit_times = []
        for number in range(1, runs + 2):  # the first run warms up
            path = uploads / f"run-{number}.ipynb"
            path.write_bytes(variant(raw, number))
            upload = _uploaded(path)
            elapsed = timed(lambda upload=upload: django_env.submit(course, upload))
            upload.close()
            path.unlink()
            if number > 1:
                submit_times.append(elapsed)

        print("Measuring memory in child processes…", file=sys.stderr)
        files = []
        for number in (1001, 1002):
            path = uploads / f"memory-{number}.ipynb"
            path.write_bytes(variant(raw, number))
            files.append(path)
        memory = {
            "validate_notebook": memory_in_child("validate", files[:1], var_dir, ids),
            "submit_attempt": memory_in_child("submit", files, var_dir, ids),
        }
        return {
            "runs": runs,
            "file_bytes": len(raw),
            "cells": validated.cell_count,
            "limits": {"max_bytes": limits.max_bytes, "max_cells": limits.max_cells},
            "validate_notebook_s": validate_times,
            "submit_attempt_s": submit_times,
            "memory": memory,
            "var_dir": str(var_dir) if keep else None,
        }


def report(results: dict[str, Any]) -> str:
    size = results["file_bytes"]
    lines = [
        f"Upload benchmark: {megabytes(size)} notebook ({results['cells']} cells), "
        f"medians of {results['runs']} runs; {results['machine']['cpu']}, "
        f"{results['machine']['cores']} cores, load average {results['machine']['load_average']} "
        f"at start, {results['machine_after']['load_average']} at end",
        f"(memory target: at most {MEMORY_TARGET_MULTIPLE}x the file size)",
        "",
    ]
    rows = []
    for name in ("validate_notebook", "submit_attempt"):
        memory = results["memory"][name]
        worst = max(memory["tracemalloc_peak"], memory["maxrss_growth"])
        rows.append(
            [
                name,
                seconds(median(results[f"{name}_s"])),
                f"{megabytes(memory['tracemalloc_peak'])} ({memory['tracemalloc_peak'] / size:.1f}x)",
                f"{megabytes(memory['maxrss_growth'])} ({memory['maxrss_growth'] / size:.1f}x)",
                "OK" if worst <= MEMORY_TARGET_MULTIPLE * size else "OVER TARGET",
            ]
        )
    lines.append(
        table(["path", "median time", "tracemalloc peak", "ru_maxrss growth", "target"], rows)
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway site's temp dir")
    parser.add_argument("--child", choices=["validate", "submit"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.file, args.var_dir, args.ids)))
        return 0
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    results: dict[str, Any] = {"machine": machine()}
    results.update(run(args.runs, args.keep))
    results["machine_after"] = machine()
    print(report(results))
    print(f"\nRaw timings: {save('upload', results).relative_to(_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
