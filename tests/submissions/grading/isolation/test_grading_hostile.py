"""Hostile notebooks against the autograder.

Every attack ends with the submission graded, or failed with a reason a participant can read;
the worker (this test process) alive, with no grading thread left and no spike in its memory;
the host untouched; nothing the kernel started still running; and the next submission graded
normally. The notebooks are generated here, with small limits to keep the suite quick.

Kernels get a uid of this module's own (``GRADING_UID``), so "nothing left running" is a scan
of /proc for that uid and for markers planted in command lines. Attacks whose one defence is
the bubblewrap sandbox are skipped where it cannot run; CI requires it
(``test_grading_sandbox.test_ci_grades_under_bubblewrap``).

What the grade is, where a notebook tries to cheat: the semantics are nbgrader's. Text that
looks like results counts for nothing (only the test cells' own outputs are read); a value
whose ``__eq__`` always says yes passes an ``assert result == expected`` test, in nbgrader as
here, so tests that must hold against it check the type first (``type(result) is int``).
"""

import os
import random
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from courses.nbgrader import PublishedAssignment, publish
from submissions import services
from submissions.grading import GradingLimits, GradingReport, TestOutcome, grade_notebook
from submissions.grading.isolation import forkserver
from submissions.grading.report import GiB, MiB
from submissions.tasks import grade_submission
from tests.helpers import participant_notebook, submit
from tests.nbgrader_builders import SQUARE_SOURCE, answer, autotest, edited, notebook
from tests.submissions.grading.isolation.kernel_helpers import grade_code, live_processes, sandboxed

PROJECT_ROOT = Path(__file__).resolve().parents[4]
CORRECT_SQUARE = "def square(x):\n    return x * x"
HOSTILE_UID = 400_000 + os.getpid() % 100_000
LIMITS = GradingLimits(
    cell_timeout_s=2,
    notebook_timeout_s=40,
    max_output_bytes=100_000,
    memory_bytes=1 * GiB,
    file_size_bytes=8 * MiB,
    disk_bytes=64 * MiB,
    processes=64,
)
# A published assignment and a correct submission for it.
Normal = tuple[PublishedAssignment, bytes]
# For the kernel that builds a 200 MB message (and its JSON), which takes a while.
BIG_MEMORY = replace(LIMITS, memory_bytes=3 * GiB, cell_timeout_s=30)


needs_sandbox = pytest.mark.skipif(
    not sandboxed(), reason="the defence is the bubblewrap sandbox, which cannot run here"
)
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _own_uid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADING_UID", str(HOSTILE_UID))
    monkeypatch.setenv("GRADING_GID", str(HOSTILE_UID))


def token() -> str:
    """Digits, so that it also works as the fraction of a ``sleep`` argument."""
    return str(random.randrange(10**8, 10**9))


# -- grading and its aftermath -----------------------------------------------------------------


def attack(
    participant_code: str,
    *tests: tuple[str, str],
    limits: GradingLimits = LIMITS,
    data_files: dict[str, Path] | None = None,
) -> GradingReport:
    return grade_code(participant_code, *tests, limits=limits, data_files=data_files)


def outcome(report: GradingReport, grade_id: str) -> TestOutcome:
    (found,) = [o for o in report.outcomes if o.grade_id == grade_id]
    return found


def _waiting_kernel(processes: list[tuple[int, int, int, bytes]]) -> set[int]:
    """The kernel forked ahead for the next submission, and its processes: not a leftover."""
    server = forkserver.current()
    kernel = server.ready_kernel() if server is not None else None
    if kernel is None:
        return set()
    tree = {kernel.pid}
    for _ in range(4):  # builder -> init -> kernel
        tree |= {pid for pid, parent, _, _ in processes if parent in tree}
    return tree


def leftovers(*markers: str) -> list[tuple[int, bytes]]:
    found: list[tuple[int, bytes]] = []
    for _ in range(20):  # grading reaps before it returns; allow a moment for the kernel's
        processes = list(live_processes())
        waiting = _waiting_kernel(processes)
        found = [
            (pid, cmdline)
            for pid, _, uid, cmdline in processes
            if pid not in waiting
            and (uid == HOSTILE_UID or any(marker.encode() in cmdline for marker in markers))
        ]
        if not found:
            break
        time.sleep(0.1)
    return found


@pytest.fixture(scope="module")
def normal() -> Normal:
    published = publish(
        notebook(
            answer("square", SQUARE_SOURCE),
            autotest("test_square", "assert square(3) == 9", points=2),
        )
    )
    return published, edited(published.release_notebook, square=CORRECT_SQUARE)


def assert_aftermath(normal: Normal, *markers: str) -> None:
    """The worker alive, nothing left running, and the next submission graded normally."""
    assert not [t for t in threading.enumerate() if t.name == "grading-kernel"]
    assert leftovers(*markers) == []
    published, submission = normal
    report = grade_notebook(submission=submission, published=published, limits=LIMITS)
    assert (report.status, report.autograded_points) == ("graded", Decimal(2)), str(report.error)
    assert "leftover" not in report.log_excerpt
    assert leftovers(*markers) == []


def _status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise LookupError(name)


@contextmanager
def worker_memory_growth() -> Iterator[list[int]]:
    """How far the worker's resident memory rose above where it was (bytes), peak included."""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak
    before = _status_kib("VmRSS")
    growth: list[int] = []
    yield growth
    growth.append((_status_kib("VmHWM") - before) * 1024)


# -- the network -------------------------------------------------------------------------------

NETWORK = """\
import socket
def attempt(family, address):
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(3)
            sock.connect(address)
    except OSError as error:
        return type(error).__name__
    return 'connected'
results = dict(
    host_loopback=attempt(socket.AF_INET, ('127.0.0.1', PORT)),
    database=attempt(socket.AF_INET, ('127.0.0.1', 5432)),
    external=attempt(socket.AF_INET, ('1.1.1.1', 443)),
    abstract_socket=attempt(socket.AF_UNIX, '\\0ABSTRACT'),
)
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('8.8.8.8', 53))
    results['udp'] = 'sent'
except OSError as error:
    results['udp'] = type(error).__name__
try:
    socket.getaddrinfo('example.org', 443)
    results['dns'] = 'resolved'
except OSError as error:
    results['dns'] = type(error).__name__
results['interfaces'] = [name for _, name in socket.if_nameindex()]
"""


@needs_sandbox
def test_the_network_is_out_of_reach(normal: Normal) -> None:
    abstract = f"grading-hostile-{token()}"
    with socket.socket() as server, socket.socket(socket.AF_UNIX) as unix_server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        unix_server.bind("\0" + abstract)
        unix_server.listen()
        unix_server.setblocking(False)
        code = NETWORK.replace("PORT", str(server.getsockname()[1])).replace("ABSTRACT", abstract)

        report = attack(
            code,
            *(
                (name, f"assert results[{name!r}] not in ('connected', 'sent'), results")
                for name in ("host_loopback", "database", "external", "abstract_socket", "udp")
            ),
            ("dns", "assert results['dns'] != 'resolved', results"),
            ("interfaces", "assert results['interfaces'] == ['lo'], results"),
        )

        for listening in (server, unix_server):
            with pytest.raises(BlockingIOError):
                listening.accept()  # nobody came
    assert report.status == "graded", str(report.error)
    assert [o.grade_id for o in report.outcomes if o.status != "passed"] == []
    assert_aftermath(normal)


# -- secrets -----------------------------------------------------------------------------------

SECRETS = """\
import os
def readable(path):
    try:
        with open(path, 'rb') as file:
            file.read(1)
    except OSError:
        return False
    return True
seen = dict(
    environment=' '.join(f'{key}={value}' for key, value in os.environ.items()),
    shadow=readable('/etc/shadow'),
    databases=[path for path in DATABASES if os.path.exists(path) or readable(path)],
    project=os.path.exists(PROJECT) or os.path.exists(PROJECT + '/platform/settings.py'),
    root=os.path.exists('/root'),
    other_environ=[p for p in os.listdir('/proc') if p.isdigit() and p != str(os.getpid())
                   and readable(f'/proc/{p}/environ')],
)
try:
    import platform.settings
    seen['settings'] = 'imported'
except ImportError as error:
    seen['settings'] = type(error).__name__
"""


@needs_sandbox
def test_secrets_are_out_of_reach(normal: Normal, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"hostile-secret-{token()}"
    monkeypatch.setenv("SECRET_KEY", secret)
    monkeypatch.setenv("DATABASE_URL", f"postgres://grader:{secret}@localhost/certlab")
    database: dict[str, Any] = settings.DATABASES["default"]
    databases = [str(database["NAME"]), str(database.get("TEST", {}).get("NAME", ""))]
    code = SECRETS.replace("DATABASES", repr(databases)).replace("PROJECT", repr(str(PROJECT_ROOT)))

    report = attack(
        code,
        (
            "environment",
            f"assert 'SECRET_KEY' not in seen['environment']\n"
            f"assert 'DATABASE_URL' not in seen['environment']\n"
            f"assert {secret!r} not in seen['environment']",
        ),
        ("shadow", "assert not seen['shadow']"),
        ("database", "assert seen['databases'] == [], seen['databases']"),
        ("project", "assert not seen['project']"),
        ("root", "assert not seen['root']"),
        ("other_processes", "assert seen['other_environ'] == [], seen['other_environ']"),
        ("settings", "assert seen['settings'] == 'ModuleNotFoundError', seen['settings']"),
    )

    assert report.status == "graded", str(report.error)
    assert [o.grade_id for o in report.outcomes if o.status != "passed"] == []
    assert secret not in report.to_json()
    assert_aftermath(normal)


WEB_PACKAGES = """\
found = {}
for name in ('django', 'rest_framework', 'drf_spectacular', 'django_tasks_db', 'nbgrader',
             'psycopg', 'courses', 'submissions'):
    try:
        __import__(name)
        found[name] = 'imported'
    except ImportError as error:
        found[name] = type(error).__name__
"""


@needs_sandbox
def test_the_web_applications_packages_are_not_importable_in_the_kernel(normal: Normal) -> None:
    report = attack(
        WEB_PACKAGES,
        ("web", "assert set(found.values()) == {'ModuleNotFoundError'}, found"),
        ("course", "import numpy, pandas, sklearn, matplotlib, ipykernel"),
        # Instant in a kernel forked from the template; seconds in a kernel of its own.
        limits=replace(LIMITS, cell_timeout_s=60),
    )

    assert report.status == "graded", str(report.error)
    assert [o.grade_id for o in report.outcomes if o.status != "passed"] == []
    assert_aftermath(normal)


# -- the file system ---------------------------------------------------------------------------

WRITES = """\
import os
written = []
for path in ATTEMPTS:
    try:
        with open(path, 'w') as file:
            file.write('hostile')
        written.append(path)
    except OSError:
        pass
for path in ('submission.ipynb', 'data.csv'):
    try:
        with open(path, 'a') as file:
            file.write('hostile')
        written.append(path)
    except OSError:
        pass
try:
    os.chmod('data.csv', 0o666)
    written.append('chmod data.csv')
except OSError:
    pass
with open(OWN, 'w') as file:
    file.write('the working directory is writable')
"""


@needs_sandbox
def test_writes_outside_the_working_directory_fail(normal: Normal, tmp_path: Path) -> None:
    mark = token()
    canary = Path(tempfile.gettempdir()) / f"canary-{mark}"
    canary.write_text("host")
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    escapes = [
        f"/escape-{mark}",
        f"/etc/escape-{mark}",
        f"/usr/escape-{mark}",
        f"/opt/kernel/venv/lib/escape-{mark}",
        f"/home/grader/../escape-{mark}",
        f"{PROJECT_ROOT}/escape-{mark}",
        f"/root/escape-{mark}",
    ]
    private_tmp = [f"/tmp/hostile-{mark}", str(canary)]
    try:
        code = WRITES.replace("ATTEMPTS", repr(escapes + private_tmp))
        report = attack(
            code.replace("OWN", repr(f"own-file-{mark}")),
            ("only_private_places", f"assert set(written) <= {set(private_tmp)!r}, written"),
            ("own_files", f"assert open('own-file-{mark}').read().startswith('the working')"),
            data_files={"data.csv": data},
        )

        assert report.status == "graded", str(report.error)
        assert [o.grade_id for o in report.outcomes if o.status != "passed"] == []
        assert canary.read_text() == "host"
        assert data.read_text() == "a,b\n1,2\n"
        assert not (Path(tempfile.gettempdir()) / f"hostile-{mark}").exists()
        for path in escapes:
            assert not Path(os.path.normpath(path)).exists(), path
        assert not list(Path(tempfile.gettempdir()).glob(f"grading-*/own-file-{mark}"))
    finally:
        canary.unlink()
    assert_aftermath(normal)


def test_a_huge_file_stops_at_the_file_size_limit(normal: Normal) -> None:
    report = attack(
        "pass",
        ("huge", "open('huge', 'wb').write(b'x' * (64 * 1024 * 1024))"),
    )

    assert report.status == "graded", str(report.error)
    huge = outcome(report, "huge")
    assert (huge.points, str(huge.message)) == (Decimal(0), "OSError: [Errno 27] File too large")
    assert outcome(report, "after").status == "passed"
    assert_aftermath(normal)


# -- processes and resources -------------------------------------------------------------------


@needs_sandbox
def test_a_fork_bomb_meets_the_process_limit(normal: Normal) -> None:
    started = time.monotonic()
    report = attack(
        "def square(x):\n    import os\n    while True:\n        os.fork()",
        ("bomb", "square(3)"),
    )

    assert time.monotonic() - started < 30
    if report.status == "graded":
        assert outcome(report, "bomb").points == Decimal(0)
        assert outcome(report, "after").status == "passed"
    else:
        assert str(report.error) in (
            "Cell 2 did not stop when it was interrupted after 2 seconds, so the kernel was "
            "stopped.",
            "The notebook did not finish within 40 seconds.",
        )
    assert_aftermath(normal)


def test_a_memory_bomb_meets_the_memory_limit(normal: Normal) -> None:
    with worker_memory_growth() as growth:
        report = attack(
            "hoard = []",
            ("grows", "while True:\n    hoard.append(bytearray(64 * 1024 ** 2))"),
            ("at_once", "hoard.clear()\nbytearray(8 * 1024 ** 3)"),
        )

    assert report.status == "graded", str(report.error)
    assert (outcome(report, "grows").points, str(outcome(report, "grows").message)) == (
        Decimal(0),
        "MemoryError",
    )
    assert str(outcome(report, "at_once").message) == "MemoryError"
    assert outcome(report, "after").status == "passed"
    assert growth[0] < 100 * MiB
    assert_aftermath(normal)


def test_an_infinite_loop_is_interrupted_and_the_rest_still_runs(normal: Normal) -> None:
    report = attack("def square(x):\n    while True:\n        pass", ("loops", "square(3)"))

    loops = outcome(report, "loops")
    assert (report.status, loops.points) == ("graded", Decimal(0))
    assert str(loops.message) == "The cell did not finish within 2 seconds and was interrupted."
    assert outcome(report, "after").status == "passed"
    assert_aftermath(normal)


@pytest.mark.parametrize(
    "code",
    [
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except KeyboardInterrupt:\n        pass",
    ],
    ids=["sig_ign", "swallowed"],
)
def test_a_cell_that_ignores_the_interrupt_stops_the_kernel(normal: Normal, code: str) -> None:
    started = time.monotonic()
    report = attack("pass", ("stubborn", code))

    assert report.status == "failed"
    assert str(report.error) == (
        "Cell 2 did not stop when it was interrupted after 2 seconds, so the kernel was stopped."
    )
    assert time.monotonic() - started < 15
    assert_aftermath(normal)


DETACHED = """\
import os, signal, subprocess, time
subprocess.Popen(['sleep', '1000.FIRST'], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if os.fork() == 0:
        os.execvp('sleep', ['sleep', '1000.SECOND'])
    os._exit(0)
def running(marker):
    for _ in range(50):
        for pid in os.listdir('/proc'):
            try:
                if pid.isdigit() and marker in open(f'/proc/{pid}/cmdline', 'rb').read():
                    return True
            except OSError:
                pass
        time.sleep(0.05)
    return False
"""


@needs_sandbox
def test_a_detached_background_process_does_not_survive_the_run(normal: Normal) -> None:
    first, second = token(), token()
    code = DETACHED.replace("FIRST", first).replace("SECOND", second)

    report = attack(
        code,
        ("started", f"assert running(b'1000.{first}') and running(b'1000.{second}')"),
    )

    assert report.status == "graded", str(report.error)
    assert outcome(report, "started").status == "passed"  # it was running during the run
    assert leftovers(first, second) == []
    assert_aftermath(normal, first, second)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (
            "import os\n    os.kill(os.getpid(), 9)",
            "The kernel was killed while running cell 2 (it may have run out of memory).",
        ),
        (
            "import os\n    os._exit(3)",
            "The kernel died while running cell 2: its process exited with status 3.",
        ),
        (
            "import os, signal\n    os.kill(os.getpid(), signal.SIGSEGV)",
            "The kernel died while running cell 2 (signal 11).",
        ),
    ],
    ids=["sigkill", "exit", "segv"],
)
def test_a_kernel_that_kills_itself_fails_the_notebook_with_the_reason(
    normal: Normal, code: str, error: str
) -> None:
    report = attack(f"def square(x):\n    {code}", ("dies", "square(3)"))

    assert (report.status, str(report.error)) == ("failed", error)
    assert report.outcomes == ()
    assert_aftermath(normal)


def test_input_fails_the_cell_instead_of_waiting(normal: Normal) -> None:
    started = time.monotonic()
    report = attack("def ask():\n    return input('Your name? ')", ("asks", "ask()"))

    assert report.status == "graded", str(report.error)
    asks = outcome(report, "asks")
    assert asks.points == Decimal(0)
    assert str(asks.message).startswith("StdinNotImplementedError")
    assert time.monotonic() - started < 15
    assert_aftermath(normal)


# -- output ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flood",
    [
        "while True:\n    print('x' * 1000)",
        "import sys\nwhile True:\n    sys.stderr.write('y' * 1000)",
        "import os\nwhile True:\n    os.write(1, b'z' * 1000)",
    ],
    ids=["print", "stderr", "file_descriptor"],
)
def test_an_output_flood_is_cut_off_and_interrupted(normal: Normal, flood: str) -> None:
    with worker_memory_growth() as growth:
        report = attack("pass", ("flood", flood))

    assert report.status == "graded", str(report.error)
    flooded = outcome(report, "flood")
    assert flooded.points == Decimal(0)
    assert "Its output was cut off after 100,000 bytes." in str(flooded.message)
    assert outcome(report, "after").status == "passed"
    assert len(report.to_json()) < 30_000
    assert growth[0] < 100 * MiB
    assert_aftermath(normal)


def test_one_200_mb_output_message_never_reaches_the_worker_whole(normal: Normal) -> None:
    with worker_memory_growth() as growth:
        report = attack(
            "pass",
            ("display", "display({'text/plain': 'x' * 200_000_000}, raw=True)"),
            limits=BIG_MEMORY,
        )

    # The kernel trims it on its way out; the output counts as cut off.
    assert report.status == "graded", str(report.error)
    assert str(outcome(report, "display").message) == "Its output was cut off after 100,000 bytes."
    assert outcome(report, "after").status == "passed"
    assert growth[0] < 100 * MiB
    assert_aftermath(normal)


def test_a_200_mb_message_past_the_kernels_trimming_stops_the_kernel(normal: Normal) -> None:
    # Straight onto the output socket, as hostile code can: the worker's ZMQ_MAXMSGSIZE
    # refuses it, and as later outputs could no longer be trusted the notebook fails.
    with worker_memory_growth() as growth:
        report = attack(
            "pass",
            (
                "raw",
                "get_ipython().kernel.iopub_socket.send_multipart([b'x' * 200_000_000])\n"
                "import time\ntime.sleep(5)",
            ),
            limits=BIG_MEMORY,
        )

    assert report.status == "failed"
    assert str(report.error) == (
        "Cell 2 sent a single message larger than 1.1 MB to the grader, so the kernel was "
        "stopped and the notebook could not be graded."
    )
    assert growth[0] < 100 * MiB
    assert_aftermath(normal)


# -- cheating ----------------------------------------------------------------------------------

FAKE_RESULTS = """\
import json, sys
report = dict(status='graded', autograded_points='100', autograded_max='2', outcomes=[])
print(json.dumps(report))
print('All tests passed: 2 of 2 points', file=sys.__stdout__)
with open('report.json', 'w') as file:
    json.dump(report, file)
def square(x):
    print('test_square: passed (2/2 points)')
    return x + x
"""


def test_text_that_looks_like_results_counts_for_nothing(normal: Normal) -> None:
    report = attack(FAKE_RESULTS, ("test_square", "assert square(3) == 9"))

    assert report.status == "graded", str(report.error)
    faked = outcome(report, "test_square")
    assert (faked.points, faked.status, str(faked.message)) == (
        Decimal(0),
        "failed",
        "AssertionError",
    )
    assert report.autograded_points == Decimal(1)  # "after" only
    assert_aftermath(normal)


EQ_OVERRIDE = """\
class Anything:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
def square(x):
    return Anything()
"""


def test_an_always_equal_value_passes_an_equality_test_as_in_nbgrader(normal: Normal) -> None:
    report = attack(
        EQ_OVERRIDE,
        ("equality_only", "assert square(3) == 9"),
        ("checks_the_type", "result = square(3)\nassert type(result) is int and result == 9"),
    )

    # nbgrader semantics: the test cell ran without an error, so it earns its points; a test
    # that checks the type is not fooled.
    assert report.status == "graded", str(report.error)
    assert outcome(report, "equality_only").status == "passed"
    assert outcome(report, "checks_the_type").points == Decimal(0)
    assert_aftermath(normal)


def test_hiding_tracebacks_does_not_turn_a_failing_test_into_points(normal: Normal) -> None:
    """The showtraceback exploit: the kernel's reply still says the cell failed."""
    report = attack(
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.showtraceback = lambda *args, **kwargs: None\n"
        "def square(x):\n    return 0",
        ("hidden_failure", "assert square(3) == 9"),
    )

    assert report.status == "graded", str(report.error)
    failed = outcome(report, "hidden_failure")
    assert (failed.points, failed.status) == (Decimal(0), "failed")
    assert "AssertionError" in str(failed.message)
    assert_aftermath(normal)


# -- through the worker: a dying kernel is reported, not retried ---------------------------------


def test_a_kernel_that_dies_fails_its_run_once_with_the_reason(
    enrolled: Any, assignment: Any, django_capture_on_commit_callbacks: Any
) -> None:
    body = "    import os\n    os.kill(os.getpid(), 9)"
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(enrolled, assignment, notebook=participant_notebook(body))

    run = submission.grading_runs.get()
    submission.refresh_from_db()
    assert (run.status, submission.status) == ("failed", "failed")
    assert run.error_text.startswith("The kernel was killed while running cell")
    assert run.log_excerpt.splitlines()[-1].startswith("isolation: ")
    assert services.requeue_abandoned_runs() == []
    assert grade_submission.call(run.pk) == "skipped"
    assert submission.grading_runs.count() == 1
    assert leftovers() == []
