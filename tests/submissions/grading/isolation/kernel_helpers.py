"""Helpers for the tests that grade hostile notebooks in real kernels (slow tests)."""

from collections.abc import Iterator
from pathlib import Path

from courses.nbgrader import publish
from submissions.grading import GradingLimits, GradingReport, grade_notebook
from submissions.grading.isolation.sandbox import SandboxUnavailable, resolve_isolation
from tests.nbgrader_builders import answer, autotest, edited, notebook


def grade_code(
    participant_code: str,
    *tests: tuple[str, str],
    limits: GradingLimits,
    data_files: dict[str, Path] | None = None,
) -> GradingReport:
    """Grade the participant's code (in the answer cell) against ``tests`` (grade id, code).

    A last test, "after", checks that the kernel still works once the attack is over.
    """
    published = publish(
        notebook(
            answer("answer", "pass"),
            *(autotest(grade_id, code) for grade_id, code in tests),
            autotest("after", "assert 1 + 1 == 2"),
        )
    )
    return grade_notebook(
        submission=edited(published.release_notebook, answer=participant_code),
        published=published,
        limits=limits,
        data_files=data_files or {},
    )


def live_processes() -> Iterator[tuple[int, int, int, bytes]]:
    """(pid, parent pid, real uid, command line) of every live process."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("State", "").split()[:1] == ["Z"]:
            continue
        yield int(entry.name), int(fields["PPid"]), int(fields["Uid"].split()[0]), cmdline


def sandboxed() -> bool:
    """Whether bubblewrap runs here (CI requires it, see test_grading_sandbox)."""
    try:
        return resolve_isolation({"GRADING_SANDBOX": "bwrap"}).kind == "bwrap"
    except SandboxUnavailable:
        return False
