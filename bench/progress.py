"""Progress benchmark: recomputing and storing progress, a release, and the home page.

Run from the project root::

    .venv/bin/python bench/progress.py                 # 300 participants, N = 7
    .venv/bin/python bench/progress.py --participants 1000 --runs 3

A throwaway site (``bench/django_env.py``) with one program under a published grading policy
(exercises 40 % with drop-lowest 1 and a 50 % minimum, the project 60 %, pass mark 60 %): three
exercise modules of three assignments each and a capstone project, a cohort of ``--participants``
people, each with released grades for every assignment. Measured (medians of N runs):

* ``recompute_progress`` for the whole cohort (what ``rebuild_progress --cohort`` does per
  batch, and what publishing a policy does), and per participant;
* ``record_released_grade`` for one participant: storing the grade, recomputing and storing
  their progress and checking the certificate rule (what a release costs on top of review);
* ``progress_for`` on one participant: reading the stored record against computing it live;
* the home page (``GET /``) through Django's test client, and its number of queries.

Results are printed as a table and written to ``bench/results/progress.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == _ROOT / "bench":
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse
from decimal import Decimal
from typing import Any

from bench.common import machine, median, save, seconds, table, timed


def _build(participants: int) -> dict[str, Any]:
    import datetime as dt

    from bench.django_env import source_notebook
    from courses.models import (
        Enrollment,
        Grade,
        GradingPolicy,
        Module,
        PolicyCategory,
        PolicyModule,
    )
    from courses.services import publish_assignment, publish_policy
    from platform.models import User
    from tests.helpers import make_cohort, make_program, make_user

    program = make_program(slug="ml", title="ML in Data Science")
    cohort = make_cohort(
        program, name="2026", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31)
    )
    source = source_notebook()
    modules = [
        Module.objects.create(program=program, title=f"Exercises {i}", order=i) for i in (1, 2, 3)
    ]
    project = Module.objects.create(program=program, title="Project", order=9, is_capstone=True)
    assignments = [
        publish_assignment(
            module=m, slug=f"ex-{m.order}-{j}", title=f"Ex {m.order}.{j}", source=source
        )
        for m in modules
        for j in (1, 2, 3)
    ]
    assignments.append(publish_assignment(module=project, slug="project", title="P", source=source))
    coordinator = make_user("cora", is_staff=True)
    policy = GradingPolicy.objects.create(program=program, version=1, pass_mark=Decimal(60))
    ex = PolicyCategory.objects.create(
        policy=policy, key="ex", title="Exercises", weight=40, drop_lowest=1, minimum=50
    )
    pr = PolicyCategory.objects.create(policy=policy, key="pr", title="Project", weight=60)
    for m in modules:
        PolicyModule.objects.create(policy=policy, module=m, category=ex, pass_mark=0)
    PolicyModule.objects.create(policy=policy, module=project, role="capstone", category=pr)
    publish_policy(actor=coordinator, policy=policy)
    users = User.objects.bulk_create(
        User(username=f"p{i:05}", first_name="P", last_name=f"{i}") for i in range(participants)
    )
    enrollments = Enrollment.objects.bulk_create(Enrollment(user=u, cohort=cohort) for u in users)
    Grade.objects.bulk_create(
        Grade(
            enrollment=e,
            assignment=a,
            points=Decimal((e.pk * 7 + a.pk * 3) % 2),  # 0 or 1 of 1 point
            max_points=a.max_points,
            submission_id=0,
        )
        for e in enrollments
        for a in assignments[:-1]
    )
    return {"enrollments": enrollments, "project": assignments[-1], "users": users}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from bench.django_env import site

    with site("bench-progress-", keep=args.keep):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from courses.models import Enrollment
        from courses.progress import (
            compute_results,
            progress_for,
            recompute_progress,
        )
        from courses.services import record_released_grade

        state = _build(args.participants)
        enrollments = state["enrollments"]
        cohort_runs = [
            timed(lambda: recompute_progress(enrollments=enrollments)) for _ in range(args.runs)
        ]
        one = Enrollment.objects.select_related("cohort").get(pk=enrollments[0].pk)
        points = iter(Decimal(i % 2) for i in range(10 * args.runs))
        release_runs = [
            timed(
                lambda: record_released_grade(
                    enrollment=one,
                    assignment=state["project"],
                    points=next(points),
                    max_points=state["project"].max_points,
                    submission_id=0,
                )
            )
            for _ in range(args.runs)
        ]
        stored_runs = [timed(lambda: progress_for([one])) for _ in range(args.runs * 10)]
        live_runs = [timed(lambda: compute_results([one])) for _ in range(args.runs * 10)]
        client = Client()
        client.force_login(state["users"][1])
        client.get("/")
        home_runs = [timed(lambda: client.get("/")) for _ in range(args.runs * 10)]
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        results = {
            "participants": args.participants,
            "recompute_cohort_s": median(cohort_runs),
            "recompute_per_participant_s": median(cohort_runs) / args.participants,
            "release_s": median(release_runs),
            "progress_stored_s": median(stored_runs),
            "progress_live_s": median(live_runs),
            "home_page_s": median(home_runs),
            "home_page_queries": len(queries),
            "machine": machine(),
        }
        rows = [
            [f"recompute_progress, cohort of {args.participants}", seconds(median(cohort_runs))],
            ["  per participant", seconds(results["recompute_per_participant_s"])],
            ["record_released_grade (with recompute)", seconds(median(release_runs))],
            ["progress_for, stored record", seconds(median(stored_runs))],
            ["compute_results, live", seconds(median(live_runs))],
            [f"home page ({len(queries)} queries)", seconds(median(home_runs))],
        ]
        print(table(["measurement (median)", "time"], rows))
        print(f"load average {results['machine']['load_average']}")
        print(f"written to {save('progress', results)}")


if __name__ == "__main__":
    main()
