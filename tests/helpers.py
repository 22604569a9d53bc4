"""What the tests and the benchmarks build: notebooks, uploads, people, courses, attempts,
autograde results, reviews and released grades (no fixtures here: import freely).

State is built through the public services (``enroll``, ``publish_assignment``,
``submit_attempt``, ``save_review``, ``release_review``, ``record_released_grade``), as a real
user's actions build it; only the worker's grading is written here by hand (see ``graded``).
``bench/`` imports these builders too, after ``bench.django_env.configure`` has set Django up.
"""

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from courses.models import (
    Assignment,
    Certificate,
    Cohort,
    Enrollment,
    Institution,
    Module,
    Program,
    Tandem,
)
from courses.nbgrader import cell_grade_id
from courses.plain_i18n import Message, verbatim
from courses.services import record_released_grade
from courses.tandems import services as tandem_services
from platform.models import User
from submissions import services
from submissions.grading import GradingReport, TestOutcome
from submissions.intake.services import DataCardInput, submit_attempt
from submissions.models import Submission
from submissions.publishing import services as publishing_services
from submissions.reviewing.services import release_review, save_review

if TYPE_CHECKING:
    from django.test import Client
    from nbclient import NotebookClient
    from rest_framework.test import APIClient

PASSWORD = "correct horse battery"  # every built user's, for logging in


# --- notebooks and uploads ------------------------------------------------------------------


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


def kernel_client(nb: nbformat.NotebookNode, workdir: Path) -> "NotebookClient":
    """A client that executes ``nb`` in a fresh ``python3`` kernel, errors recorded in the
    outputs (``cell_errors``) rather than raised. The kernel's working directory is
    ``workdir``: a notebook sees only its own files (and never the project root, which would
    shadow the stdlib's ``platform``)."""
    from nbclient import NotebookClient

    return NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        allow_errors=True,
        resources={"metadata": {"path": str(workdir)}},
    )


def cell_errors(nb: nbformat.NotebookNode) -> list[str]:
    """The errors an executed notebook's code cells raised, each with its cell's grade id."""
    return [
        f"{cell_grade_id(c) or '?'}: {o.get('ename')}: {o.get('evalue')}"
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]


# --- people and courses ---------------------------------------------------------------------


def log_in(client: "Client", user: User) -> "Client":
    """``client.force_login(user)`` as if the user had finished allauth's log-in with a second
    factor, which staff, coordinators and instructors need (platform.accounts.policy); the
    enforcement itself is tested in tests/platform/accounts with sessions made without it."""
    from platform.accounts.policy import second_factor_session

    client.force_login(user)
    session = client.session
    session.update(second_factor_session(user))
    session.save()
    return client


# The authenticator-app secret of every test user given a second factor (give_second_factor).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_second_factor(user: User) -> list[str]:
    """An authenticator app (``TOTP_SECRET``) and recovery codes for ``user``, as if set up on
    the second-factor pages; returns the recovery codes. Idempotent."""
    from platform.accounts.services import set_up_totp

    return set_up_totp(user=user, secret=TOTP_SECRET, recovery_seed=f"test-{user.pk}")


def make_user(username: str, **extra: Any) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", **extra
    )


def make_program(
    *,
    slug: str = "ml-data-science",
    title: str = "Machine Learning in Data Science",
    audience: str = "professionals",
    institution: Institution | None = None,
) -> Program:
    """A program of TU Dortmund (created on first use) unless ``institution`` says otherwise."""
    if institution is None:
        institution, _created = Institution.objects.get_or_create(
            slug="tu-dortmund",
            defaults={"name": "TU Dortmund University", "short_name": "TU Dortmund"},
        )
    return Program.objects.create(
        institution=institution, slug=slug, title=title, audience=audience
    )


def make_cohort(
    program: Program,
    *,
    instructors: Iterable[User] = (),
    name: str = "2026/27",
    starts_on: dt.date = dt.date(2026, 10, 1),
    ends_on: dt.date = dt.date(2027, 9, 30),
) -> Cohort:
    cohort = Cohort.objects.create(program=program, name=name, starts_on=starts_on, ends_on=ends_on)
    cohort.instructors.add(*instructors)
    return cohort


def publish(
    module: Module, slug: str = "squares", title: str = "Squares", **options: Any
) -> Assignment:
    """An assignment published through ``publish_assignment`` from ``tiny_source_notebook``
    (unless ``source=`` gives other nbgrader source bytes); ``options`` as the service takes
    them (``due_at``, ``max_attempts``, ...)."""
    options.setdefault("source", nbformat.writes(tiny_source_notebook()).encode())
    return publishing_services.publish_assignment(module=module, slug=slug, title=title, **options)


# Two nbgrader notebooks of one assignment folder; both name a test "test", as nbgrader allows.
PROBLEM1 = """def square(x):
    ### BEGIN SOLUTION
    return x * x
    ### END SOLUTION"""
PROBLEM2 = """def cube(x):
    ### BEGIN SOLUTION
    return x ** 3
    ### END SOLUTION"""


def two_notebook_sources() -> list[tuple[str, bytes]]:
    """The source notebooks of an nbgrader folder "ps1": problem1 (a test of 2 points),
    problem2 (a test of 3 points and a manually graded answer of 1 point)."""
    from tests.nbgrader_builders import answer, autotest, manual, notebook

    return [
        (
            "problem1.ipynb",
            notebook(answer("square", PROBLEM1), autotest("test", "assert square(3) == 9", 2)),
        ),
        (
            "problem2.ipynb",
            notebook(
                answer("cube", PROBLEM2),
                autotest("test", "assert cube(2) == 8", 3),
                manual("explain", "### BEGIN SOLUTION\nBecause.\n### END SOLUTION", 1),
            ),
        ),
    ]


def publish_two_notebooks(module: Module, slug: str = "ps1", **options: Any) -> Assignment:
    """A multi-notebook assignment "Problem set 1" from ``two_notebook_sources``."""
    options.setdefault("title", "Problem set 1")
    return publishing_services.publish_assignment(
        module=module, slug=slug, source=two_notebook_sources(), **options
    )


SQUARES_CSV = b"x,square\n2,4\n3,9\n"


def publish_two_notebooks_with_a_course_csv(module: Module, slug: str = "ps1") -> Assignment:
    """``publish_two_notebooks`` with the course file ``data/squares.csv``, which both
    notebooks need beside them: problem1's test checks ``square`` against its rows, problem2's
    test reads it too (docs/course-files.md, "Assignments of several notebooks")."""
    from submissions.publishing.course_files import store_course_files
    from tests.nbgrader_builders import answer, autotest, manual, notebook

    reads = "import csv\nrows = list(csv.reader(open('data/squares.csv')))[1:]\n"
    return publishing_services.publish_assignment(
        module=module,
        slug=slug,
        title="Problem set 1",
        source=[
            (
                "problem1.ipynb",
                notebook(
                    answer("square", PROBLEM1),
                    autotest(
                        "test", reads + "assert all(square(int(x)) == int(y) for x, y in rows)", 2
                    ),
                ),
            ),
            (
                "problem2.ipynb",
                notebook(
                    answer("cube", PROBLEM2),
                    autotest("test", reads + "assert len(rows) == 2\nassert cube(2) == 8", 3),
                    manual("explain", "### BEGIN SOLUTION\nBecause.\n### END SOLUTION", 1),
                ),
            ),
        ],
        course_files=store_course_files([("data/squares.csv", SQUARES_CSV)]),
    )


def release_notebooks(assignment: Assignment) -> dict[str, bytes]:
    """The assignment's release notebooks by file name, as participants download them."""
    from platform.blobs import read_blob

    return {n.name: read_blob(n.release_sha256) for n in assignment.notebook_set()}


def zipped_folder(
    files: dict[str, bytes], folder: str = "ps1", name: str = "ps1.zip"
) -> SimpleUploadedFile:
    """An assignment folder as the zip a participant hands in (``folder/<file>``)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file_name, data in files.items():
            archive.writestr(f"{folder}/{file_name}" if folder else file_name, data)
    return upload_file(buffer.getvalue(), name)


def graded_two_notebooks(submission: Submission) -> Submission:
    """Store on the latest run of an attempt at ``publish_two_notebooks`` what the worker would:
    problem1's test passed (2 of 2), problem2's failed (0 of 3), its manual answer waiting."""
    run = submission.grading_runs.latest()
    outcomes = (
        TestOutcome(
            "problem1/test", "autograded", Decimal(2), Decimal(2), "passed", Message(), False
        ),
        TestOutcome(
            "problem2/test",
            "autograded",
            Decimal(0),
            Decimal(3),
            "failed",
            verbatim("AssertionError"),
            False,
        ),
        TestOutcome(
            "problem2/explain", "manual", None, Decimal(1), "needs_manual", Message(), False
        ),
    )
    services.store_grading_report(
        run=run,
        report=GradingReport(
            status="graded",
            outcomes=outcomes,
            autograded_points=Decimal(2),
            autograded_max=Decimal(5),
            manual_max=Decimal(1),
        ),
    )
    submission.refresh_from_db()
    return submission


def keep_program_incomplete(assignment: Assignment) -> Assignment:
    """Add a second required module with an assignment nobody has a grade for, so releasing
    grades does not complete the program: no certificate is issued and nothing is frozen."""
    module = Module.objects.create(
        program=assignment.module.program, title="Later module", order=99
    )
    return publish(module, "later", "Later")


# --- attempts, autograde results, reviews, released grades ---------------------------------


def submit(
    user: User,
    assignment: Assignment,
    *,
    notebook: "bytes | UploadedFile[bytes] | None" = None,
    enrollment: Enrollment | None = None,
    data_files: Sequence["UploadedFile[bytes]"] = (),
    data_card: DataCardInput | None = None,
) -> Submission:
    """An upload through ``submit_attempt``, as the upload view makes it: ``notebook`` (bytes or
    an uploaded file; by default ``participant_notebook()``), by ``user``'s enrolment in the
    assignment's program. Grading stays queued (tasks run on commit, and a test's transaction
    never commits): ``graded`` stores what the worker would."""
    if notebook is None:
        notebook = participant_notebook()
    return submit_attempt(
        participant=user,
        enrollment=enrollment or user.enrollments.get(cohort__program=assignment.module.program),
        assignment=assignment,
        upload=upload_file(notebook) if isinstance(notebook, bytes) else notebook,
        data_files=data_files,
        data_card=data_card,
    )


# grade_id, kind, max points, hidden: the grade cells of ``tiny_source_notebook``
GRADE_CELLS = (
    ("test_square", "autograded", Decimal(2), False),
    ("test_square_hidden", "autograded", Decimal(1), True),
    ("explain", "manual", Decimal(2), False),
)


def graded(submission: Submission, *, passed: tuple[bool, bool] = (True, True)) -> Submission:
    """Store on the latest grading run, through the worker's own service
    (``services.store_grading_report``), the report of a run that graded the attempt (the
    grading engine has its own tests): a result per grade cell of ``tiny_source_notebook``,
    ``test_square`` (2 points) and the hidden test (1 point) passed or failed as ``passed``
    says, the manual answer waiting for review."""
    run = submission.grading_runs.latest()
    run.results.all().delete()  # where tasks ran on commit, the real grading stored its own
    outcomes = []
    for position, (grade_id, kind, max_points, hidden) in enumerate(GRADE_CELLS):
        ok = kind == "autograded" and passed[position]
        outcomes.append(
            TestOutcome(
                grade_id=grade_id,
                kind=kind,  # type: ignore[arg-type]
                points=None if kind == "manual" else (max_points if ok else Decimal(0)),
                max_points=max_points,
                status="needs_manual" if kind == "manual" else ("passed" if ok else "failed"),
                message=verbatim("AssertionError: secret detail") if hidden else Message(),
                hidden=hidden,
            )
        )
    autograded = [o for o in outcomes if o.kind == "autograded"]
    services.store_grading_report(
        run=run,
        report=GradingReport(
            status="graded",
            outcomes=tuple(outcomes),
            autograded_points=sum((o.points or Decimal(0) for o in autograded), Decimal(0)),
            autograded_max=sum((o.max_points for o in autograded), Decimal(0)),
            manual_max=sum((o.max_points for o in outcomes if o.kind == "manual"), Decimal(0)),
        ),
    )
    submission.refresh_from_db()
    return submission


def grading_failed(submission: Submission, *, error: str = "The kernel died.") -> Submission:
    """Store on the latest grading run, through the worker's service, a run that failed."""
    run = submission.grading_runs.latest()
    services.store_grading_report(
        run=run,
        report=GradingReport.failure(
            verbatim(error),
            autograded_max=sum(
                (m for _g, kind, m, _h in GRADE_CELLS if kind == "autograded"), Decimal(0)
            ),
        ),
    )
    submission.refresh_from_db()
    return submission


def review(
    grader: User,
    submission: Submission,
    *,
    manual: str = "2",
    comment: str = "",
    feedback: str = "",
) -> None:
    """A draft review through ``save_review``: ``manual`` points for the answer ``explain``."""
    save_review(
        grader=grader,
        submission=submission,
        points={"explain": Decimal(manual)},
        comments={"explain": comment} if comment else {},
        feedback=feedback,
    )


def release(grader: User, submission: Submission, **review_fields: str) -> None:
    """Review (``review``'s keywords) and release through ``release_review``, the one release."""
    review(grader, submission, **review_fields)
    release_review(grader=grader, submission=submission)


def review_data(points: str = "2", feedback: str = "Well argued.", **extra: str) -> dict[str, str]:
    """What the grading screen's review form posts."""
    return {"points__explain": points, "comment__explain": "ok", "feedback": feedback, **extra}


def release_grade(
    enrollment: Enrollment, assignment: Assignment, points: Decimal | str, *, submission_id: int = 1
) -> None:
    """A released grade straight into ``record_released_grade`` (what a release ends in), for
    progress and certificate tests that need no attempt behind it."""
    record_released_grade(
        enrollment=enrollment,
        assignment=assignment,
        points=Decimal(points),
        max_points=assignment.max_points,
        submission_id=submission_id,
    )


def issue_certificate(user: User, assignment: Assignment, points: str = "5") -> Certificate:
    """Release a grade for ``user``'s only enrolment; with the fixtures' single required module
    at or above its pass mark, that issues the certificate, as in production."""
    release_grade(user.enrollments.get(), assignment, points)
    return Certificate.objects.select_related("program__institution").get(user=user)


# --- clients and waiting --------------------------------------------------------------------


def api_client(user: User) -> "APIClient":
    """A REST client authenticated with a fresh personal token of ``user``."""
    from rest_framework.test import APIClient

    from platform.models import ApiToken

    _token, raw_key = ApiToken.create_for(user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def wait_for(condition: Any, *, timeout: float, log: Path) -> None:
    """Poll ``condition`` until it holds; after ``timeout`` seconds fail with the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out; worker log:\n{log.read_text(errors='replace')[-4000:]}")


def pair_with_new_student(
    senior: Enrollment, module: Module, *, email: str, name: str, by: User
) -> Tandem:
    """A student invited to the senior's cohort (``invite_student``) and paired with the senior
    in the tandem module (``pair``), as a coordinator does it (docs/tandems.md)."""
    student = tandem_services.invite_student(
        cohort=senior.cohort, email=email, full_name=name, language="en", invited_by=by
    ).student.user
    return tandem_services.pair(
        cohort=senior.cohort, module=module, senior=senior, student=student, by=by
    )
