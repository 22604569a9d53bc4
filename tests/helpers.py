"""Notebooks and uploads the tests build (no fixtures here: import freely)."""

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from django.core.files.uploadedfile import SimpleUploadedFile

from platform.models import User

if TYPE_CHECKING:
    from rest_framework.test import APIClient

    from courses.models import Certificate


def nbgrader_meta(
    grade_id: str, *, grade: bool, solution: bool, locked: bool, points: int | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def tiny_source_notebook() -> nbformat.NotebookNode:
    """A small nbgrader source: a solution, a visible test, a hidden test, a manual answer."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Squares\nWrite `square(x)`.",
            metadata=nbgrader_meta("intro", grade=False, solution=False, locked=True),
        ),
        nbformat.v4.new_code_cell(
            "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
            metadata=nbgrader_meta("square", grade=False, solution=True, locked=False),
        ),
        nbformat.v4.new_code_cell(
            "assert square(3) == 9",
            metadata=nbgrader_meta(
                "test_square", grade=True, solution=False, locked=True, points=2
            ),
        ),
        nbformat.v4.new_code_cell(
            "assert square(2) == 4\n### BEGIN HIDDEN TESTS\nassert square(-4) == 16\n### END HIDDEN TESTS",
            metadata=nbgrader_meta(
                "test_square_hidden", grade=True, solution=False, locked=True, points=1
            ),
        ),
        nbformat.v4.new_markdown_cell(
            "Explain why squares are never negative.",
            metadata=nbgrader_meta("explain", grade=True, solution=True, locked=False, points=2),
        ),
    ]
    return nb


def participant_notebook(
    body: str = "    return x * x", answer: str = "Because (-x)(-x) = x²."
) -> bytes:
    """What a participant uploads: the release notebook with the solution filled in."""
    nb = tiny_source_notebook()
    nb.cells[1].source = f"def square(x):\n{body}"
    nb.cells[3].source = "assert square(2) == 4"
    nb.cells[4].source = answer
    return nbformat.writes(nb).encode()


def upload_file(data: bytes, name: str = "attempt.ipynb") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def make_user(username: str, **extra: Any) -> User:
    return User.objects.create_user(
        username=username,
        password="correct horse battery",
        email=f"{username}@example.org",
        **extra,
    )


def api_client(user: User) -> "APIClient":
    """A REST client authenticated with a fresh personal token of ``user``."""
    from rest_framework.test import APIClient

    from platform.models import ApiToken

    _token, raw_key = ApiToken.create_for(user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def issue_certificate(user: User, assignment: Any, points: str = "5") -> "Certificate":
    """Release a grade for ``user``'s only enrolment; with the fixtures' single required module
    at or above its pass mark, that issues the certificate, as in production."""
    from decimal import Decimal

    from courses.models import Certificate
    from courses.services import record_released_grade

    record_released_grade(
        enrollment=user.enrollments.get(),
        assignment=assignment,
        points=Decimal(points),
        max_points=assignment.max_points,
        submission_id=1,
    )
    return Certificate.objects.select_related("program__institution").get(user=user)


def keep_program_incomplete(assignment: Any) -> Any:
    """Add a second required module with an assignment nobody has a grade for, so releasing
    grades does not complete the program: no certificate is issued and nothing is frozen."""
    import nbformat as nbf

    from courses.models import Module
    from courses.services import publish_assignment

    module = Module.objects.create(
        program=assignment.module.program, title="Later module", order=99
    )
    return publish_assignment(
        module=module,
        slug="later",
        title="Later",
        source=nbf.writes(tiny_source_notebook()).encode(),
    )


def wait_for(condition: Any, *, timeout: float, log: Path) -> None:
    """Poll ``condition`` until it holds; after ``timeout`` seconds fail with the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out; worker log:\n{log.read_text(errors='replace')[-4000:]}")
