"""The demo content's reference solutions: how long each takes to run in a fresh kernel.

Run from the project root::

    .venv/bin/python bench/demo_grading.py                  # every demo assignment, N = 3
    .venv/bin/python bench/demo_grading.py --runs 1 --slugs ml-capstone-byod

Each demo assignment's reference solution (``courses.demo.notebooks.solution_notebook``) is
executed as the demo's tests execute it (``tests/courses/test_demo_content.py``, which asserts
what the notebooks do, never how long they take): ``nbclient`` with the ``python3`` kernel, a
fresh kernel per run, the working directory a temp dir of its own (the capstone's next to the
participant's ``data.csv``). Notebooks run one after another, so that they do not compete for
the cores. A run that raises an error in a cell stops the script. Reported per notebook: the
median and the minimum wall-clock time of ``--runs`` runs (kernel start, imports and cells).
Target: median **< 5 s** per notebook on a quiet machine (kernel start about 0.6 s, imports
about 2 s). Results are printed as a table and written to ``bench/results/demo_grading.json``.
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
import tempfile
from typing import Any

from bench import django_env
from bench.common import machine, median, save, seconds, table, timed

TARGET_SECONDS = 5.0


def run_solution(slug: str, workdir: Path) -> tuple[Any, float]:
    """Execute ``slug``'s reference solution in a fresh kernel in ``workdir``: the executed
    notebook and the seconds the execution took (kernel start, imports, cells)."""
    from courses.demo import notebooks
    from tests.helpers import kernel_client

    nb = notebooks.solution_notebook(notebooks.source_notebook(slug))
    if slug == notebooks.CAPSTONE_SLUG:
        (workdir / notebooks.CAPSTONE_DATA_FILENAME).write_bytes(notebooks.capstone_data_csv())
    return nb, timed(kernel_client(nb, workdir).execute)


def main() -> None:
    from courses.demo.notebooks import ASSIGNMENT_SLUGS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--slugs", default=",".join(ASSIGNMENT_SLUGS), help="comma-separated (default: all)"
    )
    args = parser.parse_args()
    slugs = [s for s in args.slugs.split(",") if s]
    unknown = set(slugs) - set(ASSIGNMENT_SLUGS)
    if unknown:
        parser.error(f"unknown slugs {sorted(unknown)}; known: {', '.join(ASSIGNMENT_SLUGS)}")
    with django_env.site("certlab-bench-demo-", migrate=False):  # tests.helpers imports models
        measure(slugs, args.runs)


def measure(slugs: list[str], runs: int) -> None:
    from tests.helpers import cell_errors

    results: dict[str, Any] = {"machine": machine(), "runs": runs, "seconds": {}}
    rows = []
    for slug in slugs:
        times = []
        for _run in range(runs):
            with tempfile.TemporaryDirectory(prefix=f"demo-{slug}-") as workdir:
                nb, elapsed = run_solution(slug, Path(workdir))
            if errors := cell_errors(nb):
                sys.exit(f"{slug}: the reference solution raised {errors}")
            times.append(elapsed)
        results["seconds"][slug] = times
        verdict = "ok" if median(times) < TARGET_SECONDS else "OVER TARGET"
        rows.append([slug, seconds(median(times)), seconds(min(times)), verdict])
    print(f"Demo reference solutions, a fresh kernel each, medians of {runs} runs")
    print(table(["notebook", "median", "min", f"target < {TARGET_SECONDS:.0f} s"], rows))
    print(f"load average {results['machine']['load_average']}")
    print(f"written to {save('demo_grading', results)}")


if __name__ == "__main__":
    main()
