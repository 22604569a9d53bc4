"""A throwaway site for the benchmarks: its own SQLite database and blob store in a temp dir.

``configure`` must run before anything imports Django models: it sets the environment that
``platform.settings`` reads (``VAR_DIR``, ``DATABASE_URL``, ``PRIVATE_FILES_ROOT``; production-like
``DEBUG=false``), calls ``django.setup()`` and migrates. Nothing outside the temp dir is touched,
and a ``DATABASE_URL`` set in the caller's environment is deliberately overridden.

State is built through the services, as people would build it: ``enroll``,
``publish_assignment``, ``submit_attempt``; rendering runs the worker's own task synchronously
(``render_notebook.call``), in the same resource-limited child process the worker uses.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Course", "configure", "make_course", "render_now", "submit"]

PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway site's demo user


def configure(var_dir: Path, *, migrate: bool = True) -> None:
    """Point Django at a fresh site in ``var_dir`` and set it up."""
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "platform.settings",
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}",
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
    import django  # noqa: PLC0415 - after the environment is set

    django.setup()
    if migrate:
        from django.core.management import call_command  # noqa: PLC0415

        call_command("migrate", verbosity=0, interactive=False)


@dataclass(frozen=True)
class Course:
    participant: Any
    instructor: Any
    enrollment: Any
    assignment: Any


def _source_notebook() -> bytes:
    """A minimal nbgrader source: one solution cell and one autograded test."""
    import nbformat  # noqa: PLC0415
    from nbformat import v4  # noqa: PLC0415

    def meta(grade_id: str, **flags: Any) -> dict[str, Any]:
        return {"nbgrader": {"grade_id": grade_id, "schema_version": 3, **flags}}

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
    an nbgrader source notebook, or a minimal one); an enrolled participant and the cohort's
    instructor, both with the password ``PASSWORD``."""
    from courses.models import Cohort, Institution, Module, Program  # noqa: PLC0415
    from courses.services import enroll, publish_assignment  # noqa: PLC0415
    from platform.models import User  # noqa: PLC0415

    participant = User.objects.create_user(
        username="ada", password=PASSWORD, first_name="Ada", last_name="Lovelace"
    )
    instructor = User.objects.create_user(
        username="ines", password=PASSWORD, first_name="Ines", last_name="Instructor"
    )
    institution = Institution.objects.create(
        name="TU Dortmund University", short_name="TU Dortmund", slug="tu-dortmund"
    )
    program = Program.objects.create(
        institution=institution,
        slug="ml-data-science",
        title="Machine Learning in Data Science",
        audience="professionals",
    )
    cohort = Cohort.objects.create(
        program=program,
        name="2026/27",
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2027, 9, 30),
    )
    cohort.instructors.add(instructor)
    module = Module.objects.create(program=program, title="Foundations", order=1, pass_mark=50)
    assignment = publish_assignment(
        module=module,
        slug="air-quality",
        title="Week 3: Air quality",
        source=source if source is not None else _source_notebook(),
        max_attempts=max_attempts,
    )
    enrollment = enroll(user=participant, cohort=cohort)
    return Course(participant, instructor, enrollment, assignment)


def submit(course: Course, upload: Any) -> Any:
    """Upload an attempt through ``submit_attempt``, as the upload view does."""
    from submissions.services import submit_attempt  # noqa: PLC0415

    return submit_attempt(
        participant=course.participant,
        enrollment=course.enrollment,
        assignment=course.assignment,
        upload=upload,
    )


def render_now(submission: Any) -> Any:
    """Render the submission's notebook with the worker's task, in this process's foreground."""
    from submissions.services import request_rendering  # noqa: PLC0415
    from submissions.tasks import render_notebook  # noqa: PLC0415

    rendered = request_rendering(notebook_sha256=submission.notebook_sha256)
    render_notebook.call(rendered.pk)
    rendered.refresh_from_db()
    if rendered.status != "ok":
        raise RuntimeError(f"rendering failed: {rendered.error_text}")
    return rendered
