"""The disk quota: what one grading kernel may write in all (docs/grading-sandbox.md).

Under bubblewrap the kernel's working directory, /tmp and /dev/shm are memory (tmpfs), never the
host's disk, and hold at most ``GradingLimits.disk_bytes`` (a kernel forked from the template:
one tmpfs for all three; a kernel of its own: its working directory). A notebook that fills it,
with one big file, many files or many small ones, ends its attempt with a reason the participant
can read; the worker carries on and the next submission is graded. The participant's files count
against the quota and must fit; without bubblewrap there is no quota, and the worker says so.
"""

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from courses.nbgrader import PublishedAssignment, publish
from courses.plain_i18n import Message
from submissions.grading import GradingLimits, GradingReport, grade_notebook
from submissions.grading.isolation import forkserver, sandbox
from submissions.grading.isolation.sandbox import resolve_isolation
from submissions.grading.isolation.staging import DISK_FULL, FILES_TOO_LARGE
from submissions.grading.report import GiB, MiB
from submissions.models import GradingRun, Submission
from submissions.tasks import grading_limits
from tests.helpers import submit
from tests.nbgrader_builders import SQUARE_SOURCE, answer, autotest, edited, notebook
from tests.submissions.grading.isolation.kernel_helpers import grade_code, live_processes, sandboxed

QUOTA_UID = 500_000 + os.getpid() % 100_000
# The file size limit is above the quota, so that one big file meets the quota, not the limit.
LIMITS = GradingLimits(
    cell_timeout_s=3,
    notebook_timeout_s=40,
    max_output_bytes=100_000,
    memory_bytes=1 * GiB,
    file_size_bytes=64 * MiB,
    disk_bytes=32 * MiB,
    processes=64,
)
KERNELS = ["forked from the template", "of its own"]

ATTACKS = {
    "one_big_file": "open('big', 'wb').write(b'x' * (48 * 1024 * 1024))",
    "many_files": "for i in range(1000):\n    open(f'f{i}', 'wb').write(b'x' * (4 * 1024 * 1024))",
    "many_small_files": "for i in range(1_000_000):\n    open(f's{i}', 'w').write('x')",
    "ignoring_the_errors": "while True:\n    try:\n"
    "        open('again', 'ab').write(b'x' * (1024 * 1024))\n    except OSError:\n        pass",
    "temporary_folders": "for i in range(1000):\n"
    "    open(f'/tmp/t{i}', 'wb').write(b'x' * (1024 * 1024))",
}


needs_sandbox = pytest.mark.skipif(
    not sandboxed(), reason="the quota is the bubblewrap sandbox's tmpfs, which cannot run here"
)


@pytest.fixture(params=KERNELS)
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("GRADING_SANDBOX", "bwrap")
    monkeypatch.setenv("GRADING_UID", str(QUOTA_UID))
    monkeypatch.setenv("GRADING_GID", str(QUOTA_UID))
    if request.param == "of its own":
        monkeypatch.setenv("GRADING_KERNEL_TEMPLATE", "off")
    yield request.param
    forkserver.shutdown()


@pytest.fixture(scope="module")
def normal() -> tuple[PublishedAssignment, bytes]:
    published = publish(
        notebook(
            answer("square", SQUARE_SOURCE),
            autotest("test_square", "assert square(3) == 9", points=2),
        )
    )
    return published, edited(published.release_notebook, square="def square(x):\n    return x * x")


def grade(code: str, *tests: str, data_files: dict[str, Path] | None = None) -> GradingReport:
    named = [(f"test_{index}", test) for index, test in enumerate(tests)]
    return grade_code(code, *named, limits=LIMITS, data_files=data_files)


def running_as_the_grading_uid() -> list[int]:
    """Processes of the module's grading uid, but the kernel forked ahead for the next run."""
    processes = {pid: (parent, uid) for pid, parent, uid, _ in live_processes()}
    server = forkserver.current()
    waiting = server.ready_kernel() if server is not None else None
    ahead = {waiting.pid} if waiting is not None else set()
    for _ in range(4):  # the forked child -> its init -> the kernel
        ahead |= {pid for pid, (parent, _) in processes.items() if parent in ahead}
    return [pid for pid, (_, uid) in processes.items() if uid == QUOTA_UID and pid not in ahead]


def assert_the_next_submission_is_graded(normal: tuple[PublishedAssignment, bytes]) -> None:
    assert running_as_the_grading_uid() == []
    published, submission = normal
    report = grade_notebook(submission=submission, published=published, limits=LIMITS)
    assert (report.status, report.autograded_points) == ("graded", Decimal(2)), report.error


@pytest.mark.slow
@needs_sandbox
@pytest.mark.parametrize("attack", ATTACKS)
def test_a_notebook_that_fills_its_quota_ends_its_attempt_with_the_reason(
    kernel: str, attack: str, normal: tuple[PublishedAssignment, bytes]
) -> None:
    report = grade(ATTACKS[attack])

    assert (report.status, report.error) == ("failed", DISK_FULL)
    assert "cell 1 used up the disk quota (32 MiB)" in report.log_excerpt
    assert_the_next_submission_is_graded(normal)


@pytest.mark.slow
@needs_sandbox
def test_the_working_directory_and_the_temporary_folders_are_memory_within_one_quota(
    kernel: str,
) -> None:
    facts = (
        "import os\nmounts = {}\nfor line in open('/proc/self/mountinfo'):\n"
        "    mounts[line.split()[4]] = line.split(' - ')[1].split()[0]\n"
        "for place in ('/home/grader', '/tmp', '/dev/shm'):\n"
        "    assert mounts[place] == 'tmpfs', (place, mounts[place])\n"
        "info = os.statvfs('/home/grader')\n"
        f"assert info.f_blocks * info.f_frsize == {LIMITS.disk_bytes}, info\n"
    )
    if kernel == "forked from the template":  # one tmpfs for the three places
        facts += "assert len({os.stat(p).st_dev for p in ('.', '/tmp', '/dev/shm')}) == 1"

    report = grade("pass", facts)

    assert report.status == "graded", report.error
    assert [o.status for o in report.outcomes] == ["passed", "passed"], report.outcomes


@pytest.mark.slow
@needs_sandbox
def test_the_participants_files_and_the_notebooks_own_fit_within_the_quota(
    kernel: str, tmp_path: Path
) -> None:
    data = tmp_path / "data.bin"
    data.write_bytes(b"d" * (8 * MiB))

    report = grade(
        "open('out.bin', 'wb').write(b'o' * (16 * 1024 * 1024))",
        "import os\nassert os.path.getsize('data/data.bin') == 8 * 1024 ** 2\n"
        "assert os.path.getsize('out.bin') == 16 * 1024 ** 2",
        data_files={"data/data.bin": data},
    )

    assert report.status == "graded", report.error
    assert [o.status for o in report.outcomes] == ["passed", "passed"], report.outcomes


@pytest.mark.slow
@needs_sandbox
def test_files_larger_than_the_quota_fail_the_attempt_before_any_cell_runs(
    kernel: str, tmp_path: Path, normal: tuple[PublishedAssignment, bytes]
) -> None:
    data = tmp_path / "huge.bin"
    data.write_bytes(b"d" * (40 * MiB))

    report = grade("pass", data_files={"huge.bin": data})

    assert (report.status, report.error) == ("failed", FILES_TOO_LARGE)
    assert "the submission's files exceed the disk quota (32 MiB)" in report.log_excerpt
    assert_the_next_submission_is_graded(normal)


def test_without_the_sandbox_the_missing_quota_is_said_loudly() -> None:
    isolation = resolve_isolation({"GRADING_SANDBOX": "off"})

    assert isolation.kind == "off"
    assert "NO DISK QUOTA" in isolation.describe()  # the last line of every run's log
    assert any("no disk quota" in warning for warning in sandbox._warned)  # the worker's log


def test_the_quota_is_a_setting(settings: Any) -> None:
    settings.GRADING_DISK_QUOTA_MB = 100

    assert grading_limits().disk_bytes == 100 * MiB
    assert GradingLimits().disk_bytes == 512 * MiB


GERMAN = {
    DISK_FULL: "Das Notebook hat den Speicherplatz ausgeschöpft, den es während der Bewertung "
    "nutzen darf (sein Ordner und die temporären Ordner zusammen), und wurde deshalb angehalten.",
    FILES_TOO_LARGE: "Ihre Dateien passen nicht in den Speicherplatz, den ein Notebook während "
    "der Bewertung nutzen darf.",
}


@pytest.mark.parametrize("message", GERMAN)
def test_the_participant_reads_the_reason_in_german_on_the_page_and_in_the_api(
    message: Message, enrolled: Any, assignment: Any, client: Client
) -> None:
    english = str(message)
    submission = submit(enrolled, assignment)
    submission.grading_runs.update(status=GradingRun.Status.FAILED, error=message.dumps())
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.FAILED)
    client.force_login(enrolled)

    page = client.get(
        reverse("submissions:detail", args=[submission.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )
    api = client.get(
        reverse("submissions-api:submission", args=[submission.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )

    assert GERMAN[message] in page.content.decode()
    assert english not in page.content.decode()
    assert api.json()["error"] == GERMAN[message]
    in_english = client.get(reverse("submissions-api:submission", args=[submission.pk]))
    assert in_english.json()["error"] == english
