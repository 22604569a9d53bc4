"""Periodic jobs (``platform.schedule``): each due run happens once however many workers
claim it, its outcome is recorded, and a failing job does not stop the others."""

from datetime import timedelta
from typing import Any

import pytest

from platform import schedule
from platform.models import ScheduledJob


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> dict[str, schedule.Job]:
    """An empty registry of jobs for the test (the real modules' jobs stay out of it)."""
    registry: dict[str, schedule.Job] = {}
    monkeypatch.setattr(schedule, "JOBS", registry)
    monkeypatch.setattr(schedule, "PERIODIC_MODULES", [])
    return registry


def test_the_project_registers_its_jobs(db: None) -> None:
    names = set(schedule.load_jobs())
    assert {"deliver-due-mail", "expire-application-offers"} <= names


def test_a_due_job_runs_once_until_its_period_is_over(
    jobs: dict[str, schedule.Job], db: None, later: Any
) -> None:
    runs: list[int] = []

    @schedule.periodic("count", every=timedelta(minutes=10))
    def count() -> int:
        runs.append(1)
        return len(runs)

    assert schedule.run_due_jobs() == ["count"]
    assert schedule.run_due_jobs() == []
    later(9 * 60)
    assert schedule.run_due_jobs() == []
    later(60)
    assert schedule.run_due_jobs() == ["count"]
    assert len(runs) == 2
    row = ScheduledJob.objects.get(name="count")
    assert row.last_result == "2" and row.last_error == ""
    assert row.last_finished_at is not None and row.last_started_at is not None


def test_two_workers_claiming_the_same_run_get_it_once(
    jobs: dict[str, schedule.Job], db: None
) -> None:
    job = schedule.Job(name="once", every=timedelta(minutes=1), run=lambda: None)
    assert [schedule.claim(job), schedule.claim(job), schedule.claim(job)] == [True, False, False]
    assert ScheduledJob.objects.filter(name="once").count() == 1


def test_a_failing_job_is_recorded_and_the_others_still_run(
    jobs: dict[str, schedule.Job], db: None
) -> None:
    @schedule.periodic("broken", every=timedelta(minutes=1))
    def broken() -> None:
        raise ValueError("no such table")

    @schedule.periodic("fine", every=timedelta(minutes=1))
    def fine() -> str:
        return "ok"

    assert schedule.run_due_jobs() == ["broken", "fine"]
    assert ScheduledJob.objects.get(name="broken").last_error == "ValueError: no such table"
    assert ScheduledJob.objects.get(name="fine").last_result == "ok"
