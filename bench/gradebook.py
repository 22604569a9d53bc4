"""The cohort gradebook for 500 participants × 12 assignments, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/gradebook.py

``DATABASE_URL`` names the PostgreSQL *server* (its database part is ignored). The script never
touches an existing database: it creates its own scratch database ``certlab_bench`` (refusing
if that name exists and was not made by this script, unless ``--replace``), fills it through the
ORM's ``bulk_create`` (the services would take minutes for 6,000 attempts and are not what is
measured), renders the gradebook page through Django's test client (full middleware stack,
session, access check, template) many times, and drops the database again (``--keep`` keeps it).

Prints the median and 95th percentile of the server time, the number of queries per request,
and the CSV export's time; writes the raw timings to ``bench/results/gradebook.json``.
Target: median < 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import django_env
from bench.common import machine, save, table

BENCH_DB = "certlab_bench"
MARKER = "certlab gradebook benchmark scratch database"


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def create_scratch_database(url: str, *, replace: bool) -> None:
    """Create ``certlab_bench``; only ever drop a database this script made (its comment)."""
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [BENCH_DB],
        ).fetchone()
        if row is not None:
            if row[0] != MARKER and not replace:
                sys.exit(
                    f"A database {BENCH_DB!r} exists that this script did not create; "
                    "refusing to touch it (pass --replace to drop it anyway)."
                )
            conn.execute(f"DROP DATABASE {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
        conn.execute(f"COMMENT ON DATABASE {BENCH_DB} IS '{MARKER}'")


def drop_scratch_database(url: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def build(participants: int, assignments: int, seed: int, anonymous: int = 0) -> tuple[Any, Any]:
    """A program of three modules holding ``assignments`` assignments; one cohort of
    ``participants``; per cell: nothing (10 %), an upload (15 %), a draft review (15 %), or a
    released grade (60 %); a fifth of the participants uploaded twice, a tenth was late. The
    first ``anonymous`` assignments are graded anonymously (their unreleased cells hidden)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from courses.models import Assignment, Enrollment, Grade, HandIn, Module
    from platform.models import User
    from submissions.models import AssignmentSettings, Review, Submission
    from tests.helpers import make_cohort, make_program, make_user

    rng = random.Random(seed)
    now = timezone.now()
    instructor = make_user("ines")
    program = make_program(slug="mlds", title="Machine Learning")
    cohort = make_cohort(
        program,
        instructors=[instructor],
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    modules = [
        Module.objects.create(program=program, title=f"Module {m + 1}", order=m) for m in range(3)
    ]
    published = Assignment.objects.bulk_create(
        Assignment(
            module=modules[i % 3],
            slug=f"week-{i + 1}",
            title=f"Week {i + 1}",
            order=i,
            max_points=Decimal(10),
            published_at=now,
            due_at=now - dt.timedelta(days=30 - i),
        )
        for i in range(assignments)
    )
    AssignmentSettings.objects.bulk_create(
        AssignmentSettings(assignment=a, anonymous_grading=i < anonymous)
        for i, a in enumerate(published)
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        User(
            username=f"p{i:04}",
            first_name=f"First{i}",
            last_name=f"Last{rng.randrange(10_000):04}",
            email=f"p{i:04}@example.org",
            password=password,
        )
        for i in range(participants)
    )
    enrollments = Enrollment.objects.bulk_create(Enrollment(user=u, cohort=cohort) for u in users)
    submissions: list[Submission] = []
    outcomes: list[str] = []
    for enrollment in enrollments:
        for assignment in published:
            roll = rng.random()
            if roll < 0.10:
                continue
            outcome = "upload" if roll < 0.25 else "draft" if roll < 0.40 else "released"
            for attempt in range(1, 3 if rng.random() < 0.2 else 2):
                submissions.append(
                    django_env.stored_attempt(
                        enrollment,
                        assignment,
                        attempt,
                        original_filename="attempt.ipynb",
                        late_seconds=3600 if rng.random() < 0.1 else 0,
                    )
                )
                outcomes.append(outcome)
    Submission.objects.bulk_create(submissions, batch_size=2000)
    # What submit_attempt tells courses (courses.services.record_hand_in), for progress.
    HandIn.objects.bulk_create(
        {
            (s.enrollment_id, s.assignment_id): HandIn(
                enrollment_id=s.enrollment_id, assignment_id=s.assignment_id
            )
            for s in submissions
        }.values(),
        batch_size=2000,
    )
    latest: dict[tuple[int, int], tuple[Submission, str]] = {}
    for submission, outcome in zip(submissions, outcomes, strict=True):
        latest[(submission.enrollment_id, submission.assignment_id)] = (submission, outcome)
    reviews, grades = [], []
    for (enrollment_id, assignment_id), (submission, outcome) in latest.items():
        if outcome == "upload":
            continue
        points = Decimal(rng.randrange(0, 101)) / 10
        released = outcome == "released"
        reviews.append(
            Review(
                submission=submission,
                grader=instructor,
                state="released" if released else "draft",
                manual_points=Decimal(0),
                total_points=points if released else None,
                max_points=Decimal(10),
                released_at=now if released else None,
            )
        )
        if released:
            grades.append(
                Grade(
                    enrollment_id=enrollment_id,
                    assignment_id=assignment_id,
                    points=points,
                    raw_points=points,
                    max_points=Decimal(10),
                    late_seconds=submission.late_seconds,
                    submission_id=submission.pk,
                )
            )
    Review.objects.bulk_create(reviews, batch_size=2000)
    Grade.objects.bulk_create(grades, batch_size=2000)
    # A running platform stores each participant's progress whenever a grade is released
    # (courses.progress.recompute_progress); the rows above bypassed that, so store it now.
    from django.db import connection

    from courses.progress import recompute_progress

    recompute_progress(enrollments=enrollments)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return cohort, instructor


def measure(cohort: Any, instructor: Any, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(instructor)
    url = reverse("submissions:gradebook", args=[cohort.pk])
    csv_url = reverse("submissions:gradebook-csv", args=[cohort.pk])
    for _ in range(3):  # warm up: templates, translations, connection
        assert client.get(url).status_code == 200
    executed: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    page_bytes = len(response.content)
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200
    csv_timings = []
    for _ in range(max(3, runs // 5)):
        started = time.perf_counter()
        body = b"".join(client.get(csv_url).streaming_content)
        csv_timings.append(time.perf_counter() - started)
    return {
        "timings": timings,
        "cpu": cpu,
        "csv_timings": csv_timings,
        "queries": len(executed),
        "page_bytes": page_bytes,
        "csv_bytes": len(body),
    }


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--assignments", type=int, default=12)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--anonymous",
        type=int,
        default=0,
        help="how many assignments are graded anonymously (default 0)",
    )
    parser.add_argument("--keep", action="store_true", help="keep certlab_bench afterwards")
    parser.add_argument("--replace", action="store_true", help="drop a foreign certlab_bench")
    args = parser.parse_args()
    url = server_url()
    create_scratch_database(url, replace=args.replace)
    try:
        with tempfile.TemporaryDirectory(prefix="certlab-bench-") as var_dir:
            django_env.configure(Path(var_dir), database_url=with_database(url, BENCH_DB))
            started = time.perf_counter()
            cohort, instructor = build(
                args.participants, args.assignments, args.seed, args.anonymous
            )
            built = time.perf_counter() - started
            result = measure(cohort, instructor, args.runs)
            from django.db import connections

            connections.close_all()
    finally:
        if not args.keep:
            drop_scratch_database(url)
    ms = [t * 1000 for t in result["timings"]]
    csv_ms = [t * 1000 for t in result["csv_timings"]]
    cpu_ms = [t * 1000 for t in result["cpu"]]
    print(
        f"gradebook {args.participants} × {args.assignments} ({args.anonymous} anonymous) "
        "on PostgreSQL "
        f"(built in {built:.1f} s; {args.runs} requests after 3 warm-up ones)"
    )
    print(
        table(
            ["measurement", "median", "p95", "min", "queries", "size"],
            [
                [
                    "GET gradebook page",
                    f"{statistics.median(ms):.0f} ms",
                    f"{p95(ms):.0f} ms",
                    f"{min(ms):.0f} ms",
                    str(result["queries"]),
                    f"{result['page_bytes'] / 1024:.0f} KiB",
                ],
                [
                    "  of which CPU of this process",
                    f"{statistics.median(cpu_ms):.0f} ms",
                    f"{p95(cpu_ms):.0f} ms",
                    f"{min(cpu_ms):.0f} ms",
                    "",
                    "",
                ],
                [
                    "GET gradebook CSV",
                    f"{statistics.median(csv_ms):.0f} ms",
                    f"{p95(csv_ms):.0f} ms",
                    f"{min(csv_ms):.0f} ms",
                    "",
                    f"{result['csv_bytes'] / 1024:.0f} KiB",
                ],
            ],
        )
    )
    target = "met" if statistics.median(ms) < 300 else "MISSED"
    print(f"target: median < 300 ms — {target}")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    path = save(
        "gradebook",
        {
            "participants": args.participants,
            "assignments": args.assignments,
            "anonymous": args.anonymous,
            "page_ms": ms,
            "page_cpu_ms": cpu_ms,
            "csv_ms": csv_ms,
            "queries": result["queries"],
            "machine": machine(),
        },
    )
    print(f"raw timings: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
