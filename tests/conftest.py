"""Shared fixtures: named roles, a small program with a published assignment, files in a tmp dir.

State is built through the public services (enroll, publish_assignment, submit_attempt), as a
real user's actions would build it.
"""

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from courses.models import Assignment, Cohort, Module, Program
from courses.services import enroll
from platform.models import User
from platform.observability.logging import ContextFilter, JsonFormatter
from tests.helpers import log_in, make_cohort, make_program, make_user, publish

ROOT = Path(__file__).resolve().parents[1]

IMMEDIATE_TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "grading", "rendering"],
    }
}


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Path) -> None:
    """Every test stores blobs in its own directory and runs tasks immediately (on commit)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    settings.TASKS = IMMEDIATE_TASKS
    # Heartbeats come from a side thread on its own connection, which a test's open
    # transaction would block; tests of the heartbeat set their own interval.
    settings.GRADING_HEARTBEAT_SECONDS = 3600
    # Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """Each test starts in English, whatever language an earlier test left active."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate-limit counters start at zero in every test.

    On the database (the default) they roll back with the test's transaction; on Redis
    (``REDIS_URL``, give the tests a Redis database of their own) they are flushed.
    """
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        yield
        return
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Move ``timezone.now`` forward by some seconds (the database's rate-limit counters read
    it; Redis keeps its own clock)."""
    from django.utils import timezone

    real_now = timezone.now
    offset = dt.timedelta()

    def advance(seconds: int) -> None:
        nonlocal offset
        offset += dt.timedelta(seconds=seconds)
        monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)

    return advance


# --- people and courses -----------------------------------------------------------------------


@pytest.fixture
def participant(db: None) -> User:
    return make_user("ada", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def other_participant(db: None) -> User:
    return make_user("grace", first_name="Grace", last_name="Hopper")


@pytest.fixture
def instructor(db: None) -> User:
    return make_user("ines", first_name="Ines", last_name="Instructor")


@pytest.fixture
def other_instructor(db: None) -> User:
    return make_user("otto", first_name="Otto", last_name="Other")


@pytest.fixture
def coordinator(db: None) -> User:
    return make_user("cora", first_name="Cora", last_name="Coordinator", is_staff=True)


@pytest.fixture
def program(db: None) -> Program:
    return make_program()


@pytest.fixture
def cohort(program: Program, instructor: User) -> Cohort:
    return make_cohort(program, instructors=[instructor])


@pytest.fixture
def other_cohort(program: Program, other_instructor: User) -> Cohort:
    """Another program's cohort, taught by someone else."""
    other_program = make_program(
        institution=program.institution,
        slug="data-literacy",
        title="Data Literacy",
        audience="students",
    )
    return make_cohort(
        other_program,
        instructors=[other_instructor],
        name="2026",
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 9, 30),
    )


@pytest.fixture
def sibling_cohort(program: Program, other_instructor: User) -> Cohort:
    """Another cohort of the same program (so sharing its assignments), taught by someone
    else, with nobody enrolled yet."""
    cohort = Cohort.objects.create(
        program=program,
        name="2027/28",
        starts_on=dt.date(2027, 10, 1),
        ends_on=dt.date(2028, 9, 30),
    )
    cohort.instructors.add(other_instructor)
    return cohort


@pytest.fixture
def module(program: Program) -> Module:
    return Module.objects.create(program=program, title="Foundations", order=1, pass_mark=50)


@pytest.fixture
def assignment(module: Module) -> Assignment:
    return publish(module)


@pytest.fixture
def anonymous_assignment(assignment: Assignment) -> Assignment:
    """The assignment, graded anonymously (identities not revealed)."""
    assignment.settings.anonymous_grading = True
    assignment.settings.save(update_fields=["anonymous_grading"])
    return assignment


@pytest.fixture
def program_coordinator(program: Program) -> User:
    """Not staff: coordinates this one program (``Program.coordinators``), teaches no cohort."""
    user = make_user("paula", first_name="Paula", last_name="Programme")
    program.coordinators.add(user)
    return user


@pytest.fixture
def foreign_coordinator(other_cohort: Cohort) -> User:
    """Coordinates another program only."""
    user = make_user("fred", first_name="Fred", last_name="Foreign")
    other_cohort.program.coordinators.add(user)
    return user


@pytest.fixture
def enrolled(participant: User, cohort: Cohort) -> User:
    enroll(user=participant, cohort=cohort)
    return participant


@pytest.fixture
def other_enrolled(other_participant: User, cohort: Cohort) -> User:
    enroll(user=other_participant, cohort=cohort)
    return other_participant


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    """A client logged in as ``user`` (with a second factor, see ``tests.helpers.log_in``)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            log_in(client, user)
        return client

    return make


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    """pytest-django's ``admin_client``, logged in as a superuser who used a second factor
    (the admin, like every staff page, needs one: docs/accounts.md)."""
    return log_in(Client(), admin_user)


# --- a real background worker -------------------------------------------------------------


def database_url_for_worker() -> str:
    """The test database, as a DATABASE_URL the worker process understands."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def database_tasks(settings: Any) -> None:
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "grading", "rendering"],
        }
    }


@pytest.fixture
def start_worker(
    database_tasks: None, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `manage.py grading_worker` processes on the test database (needs `transactional_db`).

    ``interval`` is the worker's fallback poll (new work wakes it at once through the doorbell);
    ``queue_name`` the queues it serves (all by default).
    Each writes its log to ``tmp_path/worker-N.log``; all are stopped when the test ends.
    """
    if connection.vendor == "sqlite" and str(connection.settings_dict["NAME"]).startswith(
        ("file:", ":memory:")
    ):
        pytest.skip("the worker needs a file-backed SQLite test database")
    processes: list[tuple[subprocess.Popen[bytes], Any]] = []

    def start(
        *, interval: float = 0.2, queue_name: str = "*", **extra_env: str
    ) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_worker(),
            "PRIVATE_FILES_ROOT": str(django_settings.STORAGES["private"]["OPTIONS"]["location"]),
            "DJANGO_SETTINGS_MODULE": "platform.settings",
            **extra_env,
        }
        log = (tmp_path / f"worker-{len(processes) + 1}.log").open("wb")
        process = subprocess.Popen(
            [
                *(sys.executable, "manage.py", "grading_worker", "--interval", str(interval)),
                *("--queue-name", queue_name),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append((process, log))
        return process

    yield start
    for process, log in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.fixture
def worker(start_worker: Callable[..., subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """One background worker on the test database (needs `transactional_db`)."""
    return start_worker()


# --- markers --------------------------------------------------------------------------------

_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that never touch the database ``nodb``: CI runs them once, on SQLite only.

    A test touches the database when it (or a fixture it uses) requests one of the database
    fixtures, or carries ``django_db``.
    """
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if not fixtures & _DB_FIXTURES and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.nodb)


@pytest.fixture
def json_log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Every record of the root and Django's loggers, formatted as LOG_FORMAT=json does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(), logging.getLogger("django")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)
