"""A throwaway site for the benchmarks: its own SQLite database and blob store in a temp dir.

``configure`` must run before anything imports Django models: it sets the environment that
``platform.settings`` reads (``VAR_DIR``, ``DATABASE_URL``, ``PRIVATE_FILES_ROOT``; production-like
``DEBUG=false``), calls ``django.setup()`` and migrates. Nothing outside the temp dir is touched,
and a ``DATABASE_URL`` set in the caller's environment is deliberately overridden (only
``bench/gradebook.py`` passes one, its own PostgreSQL scratch database). ``site()`` makes such a
site in a new temp dir and removes it afterwards.

State is built with the tests' builders (``tests/helpers.py``: people, a program and cohort,
an upload through ``submit_attempt``) and the services (``enroll``, ``publish_assignment``);
rendering runs the worker's own task synchronously (``render_notebook.call``), in the same
resource-limited child process the worker uses. The builders import Django models, so import
them only after ``configure``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Course",
    "configure",
    "make_course",
    "render_now",
    "site",
    "source_notebook",
    "stored_attempt",
    "submit",
]


def configure(var_dir: Path, *, migrate: bool = True, database_url: str = "") -> None:
    """Point Django at a fresh site in ``var_dir`` (its SQLite database there, unless
    ``database_url`` names another) and set it up."""
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "platform.settings",
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}",
            "PRIVATE_FILES_ROOT": str(var_dir / "private"),
            # Production-like: no query logging, no debug pages. Plain HTTP on loopback only.
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            # Queued tasks stay rows in the database; nothing grades in the background.
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    # Child processes of a benchmark must share the secret key (sessions) and the site.
    os.environ["BENCH_SECRET_KEY"] = os.environ["SECRET_KEY"]
    import django  # after the environment is set

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


@contextmanager
def site(prefix: str, *, keep: bool = False, migrate: bool = True) -> Iterator[Path]:
    """A throwaway site in a new temp dir, configured (and migrated, unless ``migrate`` is
    false: enough for code that imports models but stores nothing); removed afterwards unless
    ``keep``."""
    var_dir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        configure(var_dir, migrate=migrate)
        yield var_dir
    finally:
        if keep:
            print(f"site kept in {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


@dataclass(frozen=True)
class Course:
    participant: Any
    instructor: Any
    enrollment: Any
    assignment: Any


def source_notebook() -> bytes:
    """A minimal nbgrader source: one solution cell and one autograded test (1 point)."""
    import nbformat
    from nbformat import v4

    from tests.helpers import nbgrader_meta as meta

    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        v4.new_markdown_cell(
            "# Air quality", metadata=meta("intro", grade=False, solution=False, locked=True)
        ),
        v4.new_code_cell(
            "def mean(xs):\n    ### BEGIN SOLUTION\n    return sum(xs) / len(xs)\n    ### END SOLUTION",
            metadata=meta("mean", grade=False, solution=True, locked=False),
        ),
        v4.new_code_cell(
            "assert mean([1, 3]) == 2",
            metadata=meta("test_mean", grade=True, solution=False, locked=True, points=1),
        ),
    ]
    return nbformat.writes(nb).encode()


def make_course(*, max_attempts: int = 1000, source: bytes | None = None) -> Course:
    """An institution, program, cohort and module; a published assignment (from ``source``,
    an nbgrader source notebook, or ``source_notebook()``); an enrolled participant and the
    cohort's instructor, both with the password ``tests.helpers.PASSWORD``."""
    from courses.models import Module
    from courses.services import enroll
    from submissions.publishing.services import publish_assignment
    from tests.helpers import make_cohort, make_program, make_user

    participant = make_user("ada", first_name="Ada", last_name="Lovelace")
    instructor = make_user("ines", first_name="Ines", last_name="Instructor")
    program = make_program()
    cohort = make_cohort(program, instructors=[instructor])
    module = Module.objects.create(program=program, title="Foundations", order=1, pass_mark=50)
    assignment = publish_assignment(
        module=module,
        slug="air-quality",
        title="Week 3: Air quality",
        source=source if source is not None else source_notebook(),
        max_attempts=max_attempts,
    )
    enrollment = enroll(user=participant, cohort=cohort)
    return Course(participant, instructor, enrollment, assignment)


def submit(course: Course, upload: Any) -> Any:
    """Upload an attempt of the course's participant through the tests' ``submit`` builder
    (``submit_attempt``, as the upload view calls it)."""
    from tests.helpers import submit as submit_attempt

    return submit_attempt(
        course.participant, course.assignment, notebook=upload, enrollment=course.enrollment
    )


def stored_attempt(enrollment: Any, assignment: Any, attempt_no: int = 1, **fields: Any) -> Any:
    """An unsaved attempt row for ``bulk_create``, where a benchmark needs thousands of attempts
    and measures reading them (its notebook is never read)."""
    from submissions.models import Submission

    defaults: dict[str, Any] = {"notebook_sha256": "0" * 64, "size": 1000, "status": "graded"}
    return Submission(
        assignment=assignment,
        enrollment=enrollment,
        participant_id=enrollment.user_id,
        attempt_no=attempt_no,
        **(defaults | fields),
    )


def render_now(submission: Any) -> Any:
    """Render the submission's notebook with the worker's task, in this process's foreground."""
    from submissions.services import request_rendering
    from submissions.tasks import render_notebook

    rendered = request_rendering(notebook_sha256=submission.notebook_sha256)
    render_notebook.call(rendered.pk)
    rendered.refresh_from_db()
    if rendered.status != "ok":
        raise RuntimeError(f"rendering failed: {rendered.error_text}")
    return rendered
