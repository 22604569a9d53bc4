"""The grading queue at cohort scale: 500 participants x 12 assignments (7,200 attempts).

Run from the project root::

    .venv/bin/python bench/grading_queue.py [--runs 15] [--keep]

A throwaway site (``bench/django_env.py``) gets one cohort of 500 participants and 12 published
assignments; every participant has an attempt at every assignment, a fifth of them a second
one (superseded, so the queue must skip it), a third of the latest attempts have a review, a
few are leased. Rows are bulk-created: the queue reads rows, not notebooks. Measured with
Django's test client (full middleware, session, CSP, templates), medians of ``--runs``:

- ``GET /grading/`` (first page of 50, every filter choice rendered),
- ``GET /grading/?state=needs_grading&assignment=…`` (a narrowed queue),
- ``GET /api/v1/grading/queue/`` (first page of 100),
- ``take_next`` (the query behind "next ungraded", plus taking the lease, released again).
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
import datetime as dt
import secrets
from typing import Any

from bench import django_env
from bench.common import machine, median, save, seconds, table, timed

PARTICIPANTS = 500
ASSIGNMENTS = 12


def build() -> dict[str, Any]:
    from django.utils import timezone

    from courses.models import Enrollment
    from platform.models import User
    from submissions.models import GradingLease, Review, Submission
    from submissions.publishing.services import publish_assignment

    course = django_env.make_course()
    assignment = course.assignment
    cohort = course.enrollment.cohort
    assignments = [assignment] + [
        publish_assignment(
            module=assignment.module,
            slug=f"week-{n}",
            title=f"Week {n}",
            source=django_env.source_notebook(),
        )
        for n in range(2, ASSIGNMENTS + 1)
    ]
    users = User.objects.bulk_create(
        User(username=f"p{n:03}", first_name="P", last_name=f"{n:03}")
        for n in range(1, PARTICIPANTS)
    )
    Enrollment.objects.bulk_create(Enrollment(user=u, cohort=cohort) for u in users)
    enrollments = list(Enrollment.objects.filter(cohort=cohort).order_by("pk"))
    rows = []
    for i, enrollment in enumerate(enrollments):
        for work in assignments:
            attempts = 2 if i % 5 == 0 else 1
            rows += [
                django_env.stored_attempt(enrollment, work, n, size=1)
                for n in range(1, attempts + 1)
            ]
    Submission.objects.bulk_create(rows, batch_size=1000)
    latest = list(Submission.objects.order_by("pk"))
    Review.objects.bulk_create(
        Review(submission=s, grader=course.instructor, state="draft") for s in latest[::3]
    )
    until = timezone.now() + dt.timedelta(minutes=30)
    GradingLease.objects.bulk_create(
        GradingLease(
            submission=s,
            holder=course.instructor,
            token=secrets.token_urlsafe(24),
            expires_at=until,
        )
        for s in latest[1::97]
    )
    return {"instructor": course.instructor, "assignment": assignments[5], "rows": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    with django_env.site("certlab-bench-queue-", keep=options.keep):
        from django.test import Client
        from django.urls import reverse

        from submissions.reviewing import leases
        from submissions.reviewing.queue import QueueFilter, take_next

        world = build()
        client = Client()
        client.force_login(world["instructor"])
        queue = reverse("submissions:queue")
        narrowed = f"{queue}?state=needs_grading&who=all&assignment={world['assignment'].pk}"
        api = reverse("submissions-api:queue")

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        def next_one() -> None:
            picked = take_next(world["instructor"], QueueFilter())
            assert picked is not None
            leases.release_lease(
                grader=world["instructor"], submission=picked[0], token=picked[1].token
            )

        measurements = {
            "GET /grading/ (50 rows)": lambda: get(queue),
            "GET /grading/ narrowed": lambda: get(narrowed),
            "GET /api/v1/grading/queue/ (100 rows)": lambda: get(api),
            "take_next + release": next_one,
        }
        results: dict[str, Any] = {"machine": machine(), "attempts": world["rows"]}
        table_rows = []
        for name, function in measurements.items():
            function()  # warm
            times = [timed(function) for _ in range(options.runs)]
            results[name] = times
            table_rows.append([name, seconds(median(times)), seconds(min(times))])
        print(
            f"{world['rows']} attempts ({PARTICIPANTS} participants x {ASSIGNMENTS} "
            f"assignments), SQLite, {options.runs} runs"
        )
        print(table(["measurement", "median", "min"], table_rows))
        print(f"saved to {save('queue', results)}")


if __name__ == "__main__":
    main()
