"""The real nbgrader, run on notebooks: the reference the platform's grading is compared with.

nbgrader (a test dependency, pinned in pyproject.toml) runs through its own command line in a
temporary course directory, in a child process:

* ``nbgrader generate_assignment`` turns the source notebook into the release notebook and
  fills the gradebook (``gradebook.db``) with the assignment's cells;
* every submission goes to ``submitted/<student>/<assignment>/<notebook>.ipynb`` (plus its data
  files), and **one** ``nbgrader autograde`` grades them all. An assignment may hold several
  notebooks and a student may hand in only some of them, so unrelated notebooks can share one
  batch: nbgrader's cost is a kernel per submitted notebook, never a process per submission;
* the per-cell scores are then read from the gradebook with ``nbgrader.api.Gradebook``.

The child process never sees the developer's own Jupyter or IPython set-up: ``HOME``, the
Jupyter config, data and runtime directories and ``IPYTHONDIR`` all point into the temporary
directory, which also holds the only kernel spec it can find (``python3`` and its old alias
``python``, both this virtualenv's interpreter). Nothing touches the network. The environment
the kernels inherit mirrors the platform's grading kernel where that cannot change a score
(``MPLBACKEND=Agg``, ``PYTHONHASHSEED=0``, single-threaded BLAS), so the two systems differ in
their rules only.

``autograde`` can run in the background (:meth:`NbgraderCourse.start_autograde`), so a test can
grade the same submissions with the platform meanwhile: two processes, two cores.

``bench/grading.py`` drives nbgrader through this same class: it stages once
(:meth:`NbgraderCourse.stage`) and autogrades the staged submissions repeatedly
(:meth:`NbgraderCourse.autograde_staged`, timed up to :meth:`AutogradeRun.finish`), runs several
copies of one generated course at once (:meth:`NbgraderCourse.copy_to`), invokes nbgrader's own
``nbgrader`` script (``command``) and shares one pre-built matplotlib cache (``mplconfig``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

# nbgrader's own entry point, in a child process. jsonschema (via nbformat) imports the optional
# ``rfc3987_syntax`` only to check the "iri" string format, which nbformat never asks for; that
# module builds a parser at import and costs ~4 s of CPU per nbgrader command here. Making it
# unimportable (jsonschema expects that case) changes nothing nbgrader does but its start-up.
_NBGRADER = [
    sys.executable,
    "-c",
    "import sys; sys.modules['rfc3987_syntax'] = None; "
    "from nbgrader.apps.nbgraderapp import main; sys.argv[0] = 'nbgrader'; main()",
]
_NBGRADER_TIMEOUT_S = 600
_KERNEL_NAMES = ("python3", "python")  # nbgrader's fixture notebooks name the kernel "python"


@dataclass(frozen=True)
class Submission:
    """One notebook a participant handed in, and the files that go next to it."""

    notebook: bytes
    files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class CellGrade:
    """One row of nbgrader's gradebook for a submitted notebook."""

    grade_id: str
    kind: Literal["grade", "task"]
    auto_score: float | None
    max_score: float
    needs_manual_grade: bool


# notebook id -> student -> grade id -> the gradebook's row
Grades = dict[str, dict[str, dict[str, CellGrade]]]
# notebook id -> the students who handed it in
Submitted = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class AutogradeResult:
    returncode: int
    log: str
    # Only notebooks nbgrader graded: a submission it failed on is missing.
    grades: Grades
    duration_s: float


@dataclass
class AutogradeRun:
    """A running ``nbgrader autograde``; :meth:`wait` collects the gradebook."""

    course: NbgraderCourse
    assignment: str
    submitted: Submitted
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    started: float
    # Wall clock at the start, less a second of file-time slack: an autograded notebook older
    # than this is left over from an earlier run of the same staged submissions.
    since: float
    finished: float | None = None

    def finish(self) -> int:
        """Wait for ``autograde`` to exit, without reading the gradebook: its return code."""
        try:
            returncode = self.process.wait(self.course.timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self.log_file.close()
        if self.finished is None:
            self.finished = time.monotonic()
        return returncode

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace")

    def wait(self) -> AutogradeResult:
        returncode = self.finish()
        assert self.finished is not None
        return AutogradeResult(
            returncode=returncode,
            log=self.log(),
            grades=self.course.read_grades(self.assignment, self.submitted, since=self.since),
            duration_s=self.finished - self.started,
        )


def python_kernel_spec() -> dict[str, object]:
    """This virtualenv's interpreter as an ipykernel, independent of PATH."""
    return {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": False},
    }


class NbgraderCourse:
    """An nbgrader course directory (and a private home) under ``root``.

    ``cell_timeout_s`` is nbgrader's ``Execute.timeout``; ``config`` is appended to the
    course's ``nbgrader_config.py``. ``command`` starts nbgrader (by default its entry point
    without the slow optional import, see ``_NBGRADER``), ``timeout_s`` bounds one nbgrader
    command, and ``mplconfig`` is a matplotlib cache directory to use instead of a private one.
    """

    def __init__(
        self,
        root: Path,
        *,
        cell_timeout_s: int = 120,
        config: str = "",
        command: Sequence[str] = tuple(_NBGRADER),
        timeout_s: float = _NBGRADER_TIMEOUT_S,
        mplconfig: Path | None = None,
    ) -> None:
        self.root = root
        self.home = root / "home"
        self.course_dir = root / "course"
        self.cell_timeout_s = cell_timeout_s
        self.config = config
        self.command = tuple(command)
        self.timeout_s = timeout_s
        self.mplconfig = mplconfig if mplconfig is not None else self.home / "matplotlib"
        for directory in (self.home, self.course_dir):
            directory.mkdir(parents=True, exist_ok=True)
        for name in _KERNEL_NAMES:
            spec_dir = self.home / "jupyter-data" / "kernels" / name
            spec_dir.mkdir(parents=True, exist_ok=True)
            (spec_dir / "kernel.json").write_text(json.dumps(python_kernel_spec()), "utf-8")
        self.db_path = self.course_dir / "gradebook.db"
        settings = f"""\
            c = get_config()
            c.CourseDirectory.root = {str(self.course_dir)!r}
            c.CourseDirectory.db_url = {"sqlite:///" + str(self.db_path)!r}
            c.Execute.timeout = {int(cell_timeout_s)}
            c.Execute.kernel_name = "python3"
            """
        (self.course_dir / "nbgrader_config.py").write_text(
            textwrap.dedent(settings) + textwrap.dedent(config), "utf-8"
        )

    def environment(self) -> dict[str, str]:
        """A scrubbed environment: nothing of the developer's home, no project on the path."""
        home = self.home
        env = {
            # nbgrader runs ``alembic`` from PATH when it opens a gradebook.
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "TMPDIR": str(home),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "JUPYTER_CONFIG_DIR": str(home / "jupyter-config"),
            "JUPYTER_DATA_DIR": str(home / "jupyter-data"),
            "JUPYTER_RUNTIME_DIR": str(home / "jupyter-runtime"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "IPYTHONDIR": str(home / "ipython"),
            "MPLCONFIGDIR": str(self.mplconfig),
            "MPLBACKEND": "Agg",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if name in os.environ:
                env[name] = os.environ[name]
        return env

    def copy_to(self, root: Path) -> NbgraderCourse:
        """Another course under ``root`` with this one's generated assignments and gradebook.

        Nothing submitted is copied; the copy has its own home and configuration (its paths).
        """
        other = NbgraderCourse(
            root,
            cell_timeout_s=self.cell_timeout_s,
            config=self.config,
            command=self.command,
            timeout_s=self.timeout_s,
            mplconfig=self.mplconfig,
        )
        shutil.copytree(
            self.course_dir,
            other.course_dir,
            ignore=shutil.ignore_patterns("submitted", "nbgrader_config.py"),
            dirs_exist_ok=True,
        )
        return other

    # -- running nbgrader ----------------------------------------------------------------------

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one nbgrader subcommand in the course directory and wait for it."""
        return subprocess.run(
            [*self.command, *args],
            cwd=self.course_dir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=self.timeout_s,
            check=False,
        )

    def _checked(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self.run(*args)
        if result.returncode != 0:
            raise RuntimeError(
                f"nbgrader {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def update(self, notebook: bytes) -> bytes:
        """What ``nbgrader update`` does to one notebook: old metadata (schema 0-2) upgraded.

        Done in this process with the very calls ``nbgrader update`` makes (UpdateApp.start:
        ``MetadataValidator().upgrade_notebook_metadata``, then nbgrader's validating
        ``write``), which saves an interpreter start.
        """
        import nbformat
        from nbgrader.nbgraderformat import MetadataValidator, write

        path = self.root / "update" / "notebook.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(notebook)
        nb = nbformat.read(str(path), nbformat.current_nbformat)
        write(MetadataValidator().upgrade_notebook_metadata(nb), str(path))
        return path.read_bytes()

    def generate_assignment(
        self,
        assignment: str,
        sources: Mapping[str, bytes],
        files: Mapping[str, bytes] | None = None,
        course_files: Mapping[str, bytes] | None = None,
    ) -> dict[str, bytes]:
        """``nbgrader generate_assignment`` for notebook id -> source; returns the releases.

        ``files`` (name -> content) go into the assignment's source folder: nbgrader copies them
        into every submission's folder before grading. ``course_files`` (path under the course
        root -> content) are the course's own: ``autotests.yml``, ``source/header.ipynb`` (for
        a ``c.IncludeHeaderFooter.header`` in ``config``).
        """
        for name, data in (course_files or {}).items():
            target = self.course_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        source_dir = self.course_dir / "source" / assignment
        source_dir.mkdir(parents=True, exist_ok=True)
        for notebook, data in sources.items():
            (source_dir / f"{notebook}.ipynb").write_bytes(data)
        for name, data in (files or {}).items():
            target = source_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        self._checked("generate_assignment", assignment, "--create", "--force")
        release = self.course_dir / "release" / assignment
        return {notebook: (release / f"{notebook}.ipynb").read_bytes() for notebook in sources}

    def start_autograde(
        self, assignment: str, submissions: Mapping[str, Mapping[str, Submission]]
    ) -> AutogradeRun:
        """Stage notebook id -> student -> submission and start one ``nbgrader autograde``."""
        return self.autograde_staged(assignment, self.stage(assignment, submissions))

    def stage(
        self, assignment: str, submissions: Mapping[str, Mapping[str, Submission]]
    ) -> Submitted:
        """Put notebook id -> student -> submission where ``autograde`` finds them."""
        submitted: Submitted = {}
        staged_files: dict[tuple[str, str], bytes] = {}
        for notebook, by_student in submissions.items():
            submitted[notebook] = tuple(by_student)
            for student, submission in by_student.items():
                folder = self.course_dir / "submitted" / student / assignment
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{notebook}.ipynb").write_bytes(submission.notebook)
                for name, data in submission.files.items():
                    # Files sit next to all of a student's notebooks: they must agree.
                    if staged_files.setdefault((student, name), data) != data:
                        raise ValueError(f"{student} hands in two different files {name!r}")
                    target = folder / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
        return submitted

    def autograde_staged(self, assignment: str, submitted: Submitted) -> AutogradeRun:
        """Start one ``nbgrader autograde`` over what :meth:`stage` put in place."""
        log_path = self.root / f"autograde-{assignment}.log"
        log_file = log_path.open("wb")
        since = time.time() - 1
        process = subprocess.Popen(
            [*self.command, "autograde", assignment, "--create", "--force"],
            cwd=self.course_dir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        return AutogradeRun(
            course=self,
            assignment=assignment,
            submitted=submitted,
            process=process,
            log_path=log_path,
            log_file=log_file,
            started=time.monotonic(),
            since=since,
        )

    def _autograded_path(self, assignment: str, student: str, notebook: str) -> Path:
        return self.course_dir / "autograded" / student / assignment / f"{notebook}.ipynb"

    def autograded_notebook(self, assignment: str, student: str, notebook: str) -> bytes | None:
        """The notebook as nbgrader executed it (None if it could not grade it)."""
        path = self._autograded_path(assignment, student, notebook)
        return path.read_bytes() if path.exists() else None

    def read_grades(
        self,
        assignment: str,
        submitted: Mapping[str, tuple[str, ...]],
        *,
        since: float | None = None,
    ) -> Grades:
        """The gradebook's rows for notebook id -> students (what nbgrader failed is left out).

        With ``since`` (wall-clock seconds), a notebook autograded before then counts as failed:
        nbgrader removes what it fails on, but a row from an earlier run would be stale.
        """
        from nbgrader.api import Gradebook, MissingEntry

        grades: Grades = {}
        with Gradebook("sqlite:///" + str(self.db_path)) as gradebook:
            for notebook_id, students in submitted.items():
                per_student = grades.setdefault(notebook_id, {})
                for student in students:
                    path = self._autograded_path(assignment, student, notebook_id)
                    if not path.exists() or (since is not None and path.stat().st_mtime < since):
                        continue  # nbgrader removes what it could not grade
                    try:
                        notebook = gradebook.find_submission_notebook(
                            notebook_id, assignment, student
                        )
                    except MissingEntry:
                        continue
                    task_ids = {cell.name for cell in notebook.notebook.task_cells}
                    per_student[student] = {
                        grade.name: CellGrade(
                            grade_id=grade.name,
                            kind="task" if grade.name in task_ids else "grade",
                            auto_score=None
                            if grade.auto_score is None
                            else float(grade.auto_score),
                            max_score=float(grade.max_score),
                            needs_manual_grade=bool(grade.needs_manual_grade),
                        )
                        for grade in notebook.grades
                    }
        return grades
