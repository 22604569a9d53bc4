"""Grading workers on two hosts share PostgreSQL and the blob store, and drain one queue.

Two hosts simulated on one machine (docs/operations.md, "Several hosts"): each worker gets its
own ``WORKER_HOST``, ``VAR_DIR``, temporary directory (``TMPDIR``), doorbell directory and
grading uid range with its own lock directory; both get the same database and the same
``PRIVATE_FILES_ROOT``. Every submission is graded exactly once, and both hosts take work.
"""

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from courses.models import Assignment, Cohort
from courses.services import enroll
from platform.models import WorkerHeartbeat
from submissions.models import GradingRun, Submission
from tests.helpers import make_user, submit, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="hosts share a PostgreSQL database (SQLite is one host's file)",
    ),
]

SUBMISSIONS = 12
HOSTS = {"host-a": "61000-61001", "host-b": "61002-61003"}  # a grading uid range each


@pytest.fixture
def host_dirs() -> Iterator[dict[str, Path]]:
    """A short private directory per host (run directories need short socket paths)."""
    dirs = {host: Path(tempfile.mkdtemp(prefix=f"{host}-")) for host in HOSTS}
    yield dirs
    for directory in dirs.values():
        shutil.rmtree(directory, ignore_errors=True)


def log_of(tmp_path: Path, n: int) -> Path:
    return tmp_path / f"worker-{n}.log"


@pytest.mark.django_db(transaction=True)
def test_two_hosts_drain_one_queue_and_grade_every_submission_exactly_once(
    start_worker: Callable[..., Any],
    host_dirs: dict[str, Path],
    cohort: Cohort,
    assignment: Assignment,
    tmp_path: Path,
) -> None:
    workers = {}
    for n, (host, uids) in enumerate(HOSTS.items(), start=1):
        base = host_dirs[host]
        for sub in ("var", "tmp", "bell", "uids"):
            (base / sub).mkdir()
        workers[host] = start_worker(
            queue_name="grading",
            WORKER_HOST=host,
            VAR_DIR=str(base / "var"),
            TMPDIR=str(base / "tmp"),
            DOORBELL_DIR=str(base / "bell"),
            GRADING_UID=uids,
            GRADING_UID_LOCK_DIR=str(base / "uids"),
        )
        # Ready to grade (its kernel template started) before any work comes in, so neither
        # host has the whole queue to itself while the other is still starting.
        wait_for(
            lambda n=n: "serves the queues" in log_of(tmp_path, n).read_text(errors="replace"),
            timeout=120,
            log=log_of(tmp_path, n),
        )

    attempts = []
    for i in range(SUBMISSIONS):
        user = make_user(f"rush{i}")
        enroll(user=user, cohort=cohort)
        attempts.append(submit(user, assignment))  # commits: each one rings both hosts

    wait_for(
        lambda: (
            Submission.objects.filter(
                pk__in=[a.pk for a in attempts], status=Submission.Status.GRADED
            ).count()
            == SUBMISSIONS
            or Submission.objects.filter(status=Submission.Status.FAILED).exists()
        ),
        timeout=600,
        log=log_of(tmp_path, 1),
    )
    for host, process in workers.items():
        assert process.poll() is None, f"{host}'s worker died"

    # One finished run per submission, none started twice or abandoned.
    runs = list(GradingRun.objects.order_by("pk"))
    assert len(runs) == SUBMISSIONS
    assert sorted(r.submission_id for r in runs) == sorted(a.pk for a in attempts)
    assert {r.status for r in runs} == {GradingRun.Status.GRADED}
    assert {r.autograded_points for r in runs} == {3}
    tasks = list(DBTaskResult.objects.filter(task_path__endswith="grade_submission"))
    assert len(tasks) == SUBMISSIONS
    assert {t.status for t in tasks} == {TaskResultStatus.SUCCESSFUL}
    assert {t.return_value for t in tasks} == {"graded"}  # never "skipped": run once each
    assert all(len(t.worker_ids) == 1 for t in tasks)

    # Both hosts took work, and each announced itself under its own name.
    assert {r.worker.split(":")[0] for r in runs} == set(HOSTS)
    beats = set(WorkerHeartbeat.objects.values_list("name", flat=True))
    assert beats == {f"{host}:{process.pid}" for host, process in workers.items()}

    # Each host used its own temporary directory and its own uid range.
    for host, process in workers.items():
        base = host_dirs[host]
        spools = [p.name for p in (base / "tmp").iterdir()]
        assert all(name.startswith(f"grs-{process.pid}.") for name in spools), spools
        if os.geteuid() == 0:  # only a root worker switches uids (and locks one)
            first, last = (int(x) for x in HOSTS[host].split("-"))
            locked = {int(p.stem) for p in (base / "uids").glob("*.lock")}
            assert locked and locked <= set(range(first, last + 1)), locked
