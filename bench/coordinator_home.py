"""Coordinator home benchmark: the home page of a coordinator of 20 cohorts × 60 participants.

Run from the project root::

    .venv/bin/python bench/coordinator_home.py                      # 20 x 60, N = 7
    .venv/bin/python bench/coordinator_home.py --cohorts 5 --participants 10 --runs 1

A throwaway site (``bench/django_env.py``) with one program (three modules of two assignments,
the first three due in the past), ``--cohorts`` running cohorts of ``--participants`` people each
(stored progress; released grades for the first assignment, some failing; a backlog of ungraded
attempts at the second; a few inactive participants; two applications to screen per cohort). The
coordinator (not staff, with a second factor) and the cohorts' instructor each open their home
(``GET /``) through Django's test client; medians of N runs (wall time, and the process's CPU
time, which a shared machine's load stretches less; the test client, the view and SQLite all run
in this process) and the number of queries. Target: the coordinator's home under 150 ms
(docs/workspace.md). Also timed: the periodic job ``judge-risk``, which judges every enrolment of
the running cohorts again and stores the judgement the home counts.

Results are printed as a table and written to ``bench/results/coordinator_home.json``.
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
import time
from decimal import Decimal
from typing import Any

from bench.common import machine, median, save, seconds, table, timed


def _build(cohorts: int, participants: int) -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from bench.django_env import source_notebook, stored_attempt
    from courses.models import Application, Enrollment, Grade, HandIn, Module
    from courses.progress import recompute_progress
    from courses.services import publish_assignment
    from platform.models import PrivacyNotice, User
    from submissions.models import Submission
    from tests.helpers import give_second_factor, make_cohort, make_program, make_user

    now = timezone.now()
    today = timezone.localdate()
    program = make_program(slug="ml", title="ML in Data Science")
    coordinator = make_user("paula")
    program.coordinators.add(coordinator)
    instructor = make_user("ines")
    for user in (coordinator, instructor):
        give_second_factor(user)
    source = source_notebook()
    assignments = []
    for i in (1, 2, 3):
        module = Module.objects.create(program=program, title=f"Module {i}", order=i)
        for j in (1, 2):
            n = len(assignments)
            assignments.append(
                publish_assignment(
                    module=module,
                    slug=f"a-{i}-{j}",
                    title=f"Assignment {i}.{j}",
                    source=source,
                    due_at=now + dt.timedelta(days=7 * (n - 3)),
                )
            )
    notice = PrivacyNotice.objects.current()
    enrollments: list[Any] = []
    for c in range(cohorts):
        cohort = make_cohort(
            program,
            instructors=[instructor],
            name=f"C{c:02}",
            starts_on=today - dt.timedelta(days=60),
            ends_on=today + dt.timedelta(days=120),
        )
        users = User.objects.bulk_create(
            User(username=f"p{c:02}-{i:03}", first_name="P", last_name=f"{c}-{i}", last_login=now)
            for i in range(participants)
        )
        enrollments += Enrollment.objects.bulk_create(
            Enrollment(user=u, cohort=cohort, enrolled_at=now - dt.timedelta(days=50))
            for u in users
        )
        Application.objects.bulk_create(
            Application(
                cohort=cohort,
                full_name=f"Applicant {c}-{k}",
                email=f"a{c}-{k}@example.org",
                language="en",
                motivation="Curious",
                privacy_notice=notice,
                consented_at=now,
                status=Application.Status.SUBMITTED,
            )
            for k in range(2)
        )
    first, second = assignments[0], assignments[1]
    Grade.objects.bulk_create(
        Grade(
            enrollment=e,
            assignment=first,
            points=first.max_points * Decimal("0.3" if e.pk % 7 == 0 else "0.9"),
            max_points=first.max_points,
            submission_id=0,
        )
        for e in enrollments
    )
    Submission.objects.bulk_create(
        stored_attempt(e, second, submitted_at=now - dt.timedelta(hours=e.pk % 90))
        for e in enrollments
        if e.pk % 3
    )
    HandIn.objects.bulk_create(
        HandIn(enrollment=e, assignment=second, first_at=now - dt.timedelta(hours=e.pk % 90))
        for e in enrollments
        if e.pk % 3
    )
    User.objects.filter(username__endswith="-000").update(last_login=None)
    for start in range(0, len(enrollments), 500):
        recompute_progress(enrollments=enrollments[start : start + 500])
    return {"coordinator": coordinator, "instructor": instructor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", type=int, default=20)
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from bench.django_env import site

    with site("bench-coordinator-home-", keep=args.keep):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from tests.helpers import log_in

        state = _build(args.cohorts, args.participants)
        results: dict[str, Any] = {
            "cohorts": args.cohorts,
            "participants": args.participants,
            "machine": machine(),
        }
        rows = []
        for role in ("coordinator", "instructor"):
            client = log_in(Client(), state[role])
            response = client.get("/")
            assert response.status_code == 200, response.status_code
            runs, cpu = [], []
            for _ in range(args.runs):
                started = time.process_time()
                runs.append(timed(lambda: client.get("/")))  # noqa: B023
                cpu.append(time.process_time() - started)
            with CaptureQueriesContext(connection) as queries:
                client.get("/")
            results[f"{role}_home_s"] = median(runs)
            results[f"{role}_home_cpu_s"] = median(cpu)
            results[f"{role}_home_queries"] = len(queries)
            rows.append(
                [
                    f"{role}'s home, {args.cohorts} x {args.participants} ({len(queries)} queries)",
                    seconds(median(runs)),
                    seconds(median(cpu)),
                ]
            )
        # The periodic job that keeps the stored at-risk judgement current (courses.risk).
        from django.utils import timezone

        from courses.risk import judge_running_cohorts

        runs, cpu = [], []
        for _ in range(args.runs):
            started = time.process_time()
            runs.append(timed(lambda: judge_running_cohorts(now=timezone.now())))
            cpu.append(time.process_time() - started)
        results["judge_risk_s"] = median(runs)
        results["judge_risk_cpu_s"] = median(cpu)
        rows.append(
            [
                f"judge-risk job, {args.cohorts * args.participants} enrolments",
                seconds(median(runs)),
                seconds(median(cpu)),
            ]
        )
        print(table(["measurement (median)", "wall time", "CPU time"], rows))
        print(f"load average {results['machine']['load_average']}")
        print(f"written to {save('coordinator_home', results)}")


if __name__ == "__main__":
    main()
