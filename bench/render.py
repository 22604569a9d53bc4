"""Rendering benchmark: our safe pipeline against a plain nbconvert "lab" export, and the cached view.

Run from the project root::

    .venv/bin/python bench/render.py            # N = 7 (and 70 GETs of the cached view)
    .venv/bin/python bench/render.py --runs 15 --view-runs 500

Two notebooks are built in code (``bench/notebooks.py``): a typical course notebook (100 cells:
markdown, code, pandas tables, 4 matplotlib PNGs, tracebacks) and a notebook with about 2 MB of
outputs. For each, the medians over N runs of

* ``render_fragment(raw)``: validation, pre-filter, export, nh3 sanitizer, anchors, in this
  process, warm (exporter built and templates compiled by a first, untimed call);
* ``HTMLExporter(template_name="lab").from_file(raw)``: plain nbconvert on the same bytes, in this
  process, warm; runs alternate with ours so that load from elsewhere hits both alike;
* ``render_in_subprocess(raw)``: end to end in a fresh, resource-limited interpreter per
  notebook (imports and template compilation included), against plain nbconvert started cold
  in a subprocess the same way;
* the same with the child started ahead (``prestart_renderer``), as a rendering worker does:
  the time from handing the notebook over to the answer, with the child waiting, warm (each
  run waits until the next child has warmed up: a render that arrives while the next child
  still imports pays the rest of its start).

Target: ours at most 1.2x plain nbconvert (in-process, warm).

Then the cached view: a throwaway site (SQLite and blobs in a temp dir), the 2 MB notebook
uploaded through ``submit_attempt`` and rendered once by the worker's task; the median time of N
``GET submissions:notebook`` through Django's test client (the full middleware stack, session,
access check, blob read, document), with the CPU time of the thread that serves it beside
(the wall time stretches when other processes compete for the cores); 10 x N GETs by default, as one costs milliseconds and a
shared machine's noise needs more samples. Target: under 20 ms.

Results are printed as tables and written to ``bench/results/render.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path; the project root must be, so that ``platform``
# is the project's package (see docs/architecture.md) and ``bench`` is importable.
_ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == _ROOT / "bench":
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse
import io
import subprocess
import time
from typing import Any

from bench.common import machine, median, megabytes, save, seconds, table, timed
from bench.notebooks import course_notebook, large_output_notebook, to_bytes

RENDER_TARGET_RATIO = 1.2
VIEW_TARGET_SECONDS = 0.020
# Between renders with a child started ahead: ample for its imports and warm-up when idle.
WARM_UP_S = 3.0

# Plain nbconvert, cold, in a fresh interpreter: the baseline for render_in_subprocess. It gets
# the same start-up help our child gets (``rfc3987_syntax`` blocked: jsonschema would otherwise
# compile a Lark grammar on import, 2.7 s that has nothing to do with rendering).
_PLAIN_CHILD = (
    "import sys; sys.modules['rfc3987_syntax'] = None\n"
    "import nbformat\nfrom nbconvert import HTMLExporter\n"
    "nb = nbformat.reads(sys.stdin.buffer.read().decode('utf-8'), as_version=4)\n"
    "html, _ = HTMLExporter(template_name='lab').from_notebook_node(nb)\n"
    "sys.stdout.write(str(len(html)))\n"
)


def plain_cold(raw: bytes) -> None:
    subprocess.run(
        [sys.executable, "-I", "-B", "-c", _PLAIN_CHILD],
        input=raw,
        capture_output=True,
        check=True,
        cwd="/",
    )


def bench_notebook(name: str, raw: bytes, runs: int, *, subprocesses: bool) -> dict[str, Any]:
    from nbconvert import HTMLExporter

    from submissions.rendering import (
        prestart_renderer,
        render_document,
        render_fragment,
        render_in_subprocess,
        stop_prestarted_renderer,
    )

    plain_exporter = HTMLExporter(template_name="lab")

    def ours() -> str:
        return render_fragment(raw)

    def plain() -> str:
        html, _resources = plain_exporter.from_file(io.BytesIO(raw))
        return str(html)

    fragment, plain_html = ours(), plain()  # warm-up: build exporters, compile templates
    document = render_document(fragment, style_nonce="benchmarknonce0", title=name, language="en")
    ours_times: list[float] = []
    plain_times: list[float] = []
    for _run in range(runs):
        ours_times.append(timed(ours))
        plain_times.append(timed(plain))
    result: dict[str, Any] = {
        "notebook": name,
        "bytes": len(raw),
        "fragment_bytes": len(fragment),
        "document_bytes": len(document),
        "plain_bytes": len(plain_html),
        "render_fragment_s": ours_times,
        "plain_nbconvert_s": plain_times,
        "ratio": median(ours_times) / median(plain_times),
    }
    if subprocesses:
        child_times: list[float] = []
        cold_times: list[float] = []
        outcomes: list[Any] = []
        for _run in range(runs):
            child_times.append(timed(lambda: outcomes.append(render_in_subprocess(raw))))
            cold_times.append(timed(lambda: plain_cold(raw)))
        failed = [outcome.error for outcome in outcomes if not outcome.ok]
        if failed:
            raise RuntimeError(f"render_in_subprocess failed: {failed[0]}")
        result["render_in_subprocess_s"] = child_times
        result["plain_nbconvert_cold_subprocess_s"] = cold_times
        result["subprocess_ratio"] = median(child_times) / median(cold_times)
        prestart_renderer()
        ahead_times: list[float] = []
        try:
            for _run in range(runs):
                time.sleep(WARM_UP_S)
                ahead_times.append(timed(lambda: outcomes.append(render_in_subprocess(raw))))
        finally:
            stop_prestarted_renderer()
        if not all(outcome.ok for outcome in outcomes):
            raise RuntimeError("render_in_subprocess with a child started ahead failed")
        result["render_started_ahead_s"] = ahead_times
    return result


def bench_cached_view(raw: bytes, runs: int, *, keep: bool) -> dict[str, Any]:
    from bench import django_env

    with django_env.site("certlab-bench-render-", keep=keep) as var_dir:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client
        from django.urls import reverse

        course = django_env.make_course()
        submission = django_env.submit(
            course, SimpleUploadedFile("training-report.ipynb", raw, "application/x-ipynb+json")
        )
        django_env.render_now(submission)
        client = Client()
        client.force_login(course.participant)
        url = reverse("submissions:notebook", args=[submission.pk])

        def get() -> Any:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
            return response

        first = get()
        if 'id="cell-1"' not in first.text:
            raise RuntimeError(f"GET {url} did not answer the rendered notebook")
        for _warm in range(2):
            get()
        times: list[float] = []
        cpu: list[float] = []
        for _run in range(runs):
            cpu_started = time.thread_time()
            times.append(timed(get))
            cpu.append(time.thread_time() - cpu_started)
        return {
            "notebook_bytes": len(raw),
            "response_bytes": len(first.content),
            "content_security_policy": first.headers.get("Content-Security-Policy", ""),
            "get_s": times,
            "get_cpu_s": cpu,
            "var_dir": str(var_dir) if keep else None,
        }


def report(results: dict[str, Any]) -> str:
    lines = [
        f"Rendering benchmark: medians of {results['runs']} runs; {results['machine']['cpu']}, "
        f"{results['machine']['cores']} cores, load average {results['machine']['load_average']} "
        f"at start, {results['machine_after']['load_average']} at end",
        "",
        "In process, warm (target: ours <= 1.2x plain nbconvert)",
    ]
    rows = []
    for r in results["notebooks"]:
        ok = "OK" if r["ratio"] <= RENDER_TARGET_RATIO else "OVER TARGET"
        rows.append(
            [
                r["notebook"],
                megabytes(r["bytes"]),
                seconds(median(r["render_fragment_s"])),
                seconds(median(r["plain_nbconvert_s"])),
                f"{r['ratio']:.2f}x",
                ok,
                f"{megabytes(r['fragment_bytes'])} / {megabytes(r['plain_bytes'])}",
            ]
        )
    lines.append(
        table(
            [
                "notebook",
                "file",
                "render_fragment",
                "plain lab export",
                "ratio",
                "target",
                "html ours / plain",
            ],
            rows,
        )
    )
    if all("render_in_subprocess_s" in r for r in results["notebooks"]):
        lines += ["", "End to end in a fresh child process (what the worker does per notebook)"]
        lines.append(
            table(
                [
                    "notebook",
                    "render_in_subprocess",
                    "plain nbconvert, cold subprocess",
                    "ratio",
                    "child started ahead",
                ],
                [
                    [
                        r["notebook"],
                        seconds(median(r["render_in_subprocess_s"])),
                        seconds(median(r["plain_nbconvert_cold_subprocess_s"])),
                        f"{r['subprocess_ratio']:.2f}x",
                        seconds(median(r["render_started_ahead_s"])),
                    ]
                    for r in results["notebooks"]
                ],
            )
        )
    view = results.get("cached_view")
    if view:
        value = median(view["get_s"])
        lines += [
            "",
            f"Cached view: GET submissions:notebook, {megabytes(view['notebook_bytes'])} notebook, "
            f"{megabytes(view['response_bytes'])} response (target: median < 20 ms)",
            table(
                ["requests", "median", "min", "max", "median CPU time", "target"],
                [
                    [
                        str(len(view["get_s"])),
                        seconds(value),
                        seconds(min(view["get_s"])),
                        seconds(max(view["get_s"])),
                        seconds(median(view["get_cpu_s"])),
                        "OK" if value < VIEW_TARGET_SECONDS else "OVER TARGET",
                    ]
                ],
            ),
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument(
        "--view-runs",
        type=int,
        help="GETs of the cached view (default: 10 x --runs; each is cheap)",
    )
    parser.add_argument(
        "--no-subprocess", action="store_true", help="skip the render_in_subprocess measurements"
    )
    parser.add_argument("--no-view", action="store_true", help="skip the cached-view measurement")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway site's temp dir")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    print("Building the notebooks…", file=sys.stderr)
    course = to_bytes(course_notebook())
    large = to_bytes(large_output_notebook())
    results: dict[str, Any] = {"runs": args.runs, "machine": machine(), "notebooks": []}
    for name, raw in (("course notebook (100 cells)", course), ("2 MB of outputs", large)):
        print(f"Rendering: {name}…", file=sys.stderr)
        results["notebooks"].append(
            bench_notebook(name, raw, args.runs, subprocesses=not args.no_subprocess)
        )
    if not args.no_view:
        print("Cached view…", file=sys.stderr)
        results["cached_view"] = bench_cached_view(
            large, args.view_runs or 10 * args.runs, keep=args.keep
        )
    results["machine_after"] = machine()
    print(report(results))
    print(f"\nRaw timings: {save('render', results).relative_to(_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
