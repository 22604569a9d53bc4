"""The kernel template: kernels forked from one pre-imported parent, each in its own sandbox.

Consecutive submissions forked from the same template must not see each other: not their
files, not their modules' state, not their random numbers. A template that dies is noticed
and replaced; where no template can run or fork, grading falls back to a bubblewrap kernel of
the submission's own. The attacks of ``test_grading_hostile`` run against forked kernels too
(the template is the default wherever bubblewrap runs as root).
"""

import ast
import logging
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from courses.nbgrader import PublishedAssignment, publish
from submissions.grading import GradingLimits, GradingReport, grade_notebook
from submissions.grading.isolation import forkserver, uids
from submissions.grading.isolation.forkserver import ForkedKernel, ForkServer, TemplateUnavailable
from submissions.grading.isolation.rundirs import prestart_template
from submissions.grading.isolation.sandbox import SandboxUnavailable, resolve_isolation
from tests.nbgrader_builders import answer, autotest, edited, notebook

TEMPLATE_UID = 500_000 + os.getpid() % 100_000
LIMITS = GradingLimits(cell_timeout_s=20, notebook_timeout_s=60)
FORKED = "kernel: forked from the kernel template"
AHEAD = "kernel: forked from the kernel template ahead of the submission"


def _template_possible() -> bool:
    try:
        isolation = resolve_isolation({"GRADING_SANDBOX": "bwrap"})
    except SandboxUnavailable:
        return False
    return isolation.uid is not None and os.geteuid() == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not _template_possible(), reason="the template needs bubblewrap and a root worker"
    ),
]


@pytest.fixture(autouse=True)
def _own_uid(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GRADING_UID", str(TEMPLATE_UID))
    monkeypatch.setenv("GRADING_GID", str(TEMPLATE_UID))
    monkeypatch.setenv("GRADING_SANDBOX", "bwrap")
    monkeypatch.delenv("GRADING_KERNEL_TEMPLATE", raising=False)
    yield


@pytest.fixture(scope="module", autouse=True)
def _stop_template() -> Iterator[None]:
    yield
    forkserver.shutdown()


def run(code: str, *checks: str) -> GradingReport:
    """Grade ``code`` (the answer) against a test that fails on purpose to report ``facts``.

    Each check is a test cell of its own; the last test, "facts", always fails with
    ``repr(facts)`` as its message, so that the values seen inside come back in the report.
    """
    published: PublishedAssignment = publish(
        notebook(
            answer("answer", "pass"),
            *(autotest(f"check{i}", check) for i, check in enumerate(checks)),
            autotest("facts", "assert False, repr(facts)"),
        )
    )
    return grade_notebook(
        submission=edited(published.release_notebook, answer=code),
        published=published,
        limits=LIMITS,
    )


def facts(report: GradingReport) -> Any:
    (outcome,) = [o for o in report.outcomes if o.grade_id == "facts"]
    message = str(outcome.message)
    return ast.literal_eval(message[message.index(":") + 1 :].strip())


def passed(report: GradingReport) -> bool:
    return report.status == "graded" and all(
        o.status == "passed" for o in report.outcomes if o.grade_id != "facts"
    )


FIRST = """\
import os, sys, numpy, pandas
open('/home/grader/mine.txt', 'w').write('first')
open('/tmp/mine.txt', 'w').write('first')
open('/dev/shm/mine.txt', 'w').write('first')
numpy.grading_marker = 'first'
pandas.options.display.max_rows = 3
sys.modules['planted_by_first'] = sys
os.environ['PLANTED'] = 'first'
import ctypes, socket
shm = ctypes.CDLL(None).shmget(0x5EED, 4096, 0o1000 | 0o600)  # IPC_CREAT: outlives the kernel
facts = [os.getpid(), shm, socket.gethostname()]
"""

SECOND = """\
import os, sys, numpy, pandas
facts = dict(
    home=sorted(os.listdir('/home/grader')),
    tmp=os.listdir('/tmp'),
    shm=os.listdir('/dev/shm'),
    spool=os.listdir('/spool') if os.path.isdir('/spool') else None,
    marker=getattr(numpy, 'grading_marker', None),
    max_rows=pandas.options.display.max_rows,
    planted='planted_by_first' in sys.modules,
    environ=os.environ.get('PLANTED'),
    processes=sorted(p for p in os.listdir('/proc') if p.isdigit()),
    sysv=__import__('ctypes').CDLL(None).shmget(0x5EED, 0, 0),
)
"""


def test_consecutive_forks_see_neither_files_nor_state_of_each_other() -> None:
    first = run(FIRST)
    second = run(SECOND)

    assert FORKED in first.log_excerpt and AHEAD in second.log_excerpt
    assert first.status == second.status == "graded", (str(first.error), str(second.error))
    assert facts(first)[1] >= 0 and facts(first)[2] == "grader"
    seen = facts(second)
    assert seen["sysv"] == -1  # the first kernel's SysV segment is in another ipc namespace
    assert seen["home"] == [".ipython", "submission.ipynb"], seen  # its own files only
    # /tmp holds only its own matplotlib directory (seeded with the font list), not mine.txt
    assert seen["tmp"] == ["matplotlib"] and seen["shm"] == [], seen
    assert seen["spool"] == [], seen  # no other job's directory, not even its name
    assert seen["marker"] is None
    assert seen["max_rows"] == 60  # pandas' default, not the first submission's setting
    assert seen["planted"] is False
    assert seen["environ"] is None
    assert seen["processes"] == ["1", "2"]  # its sandbox's init and itself


RANDOM = """\
import random, numpy, os
facts = [random.random(), float(numpy.random.rand()), os.urandom(4).hex()]
"""


def test_every_fork_gets_fresh_random_state() -> None:
    reports = [run(RANDOM) for _ in range(3)]

    assert all(FORKED in report.log_excerpt for report in reports)
    values = [facts(report) for report in reports]
    for position in range(3):
        column = [value[position] for value in values]
        assert len(set(column)) == 3, column


IDENTITY = """\
import os
status = open('/proc/self/status').read()
def field(name):
    return status.split(name + ':')[1].split()[0]
facts = dict(
    uid=os.getuid(), euid=os.geteuid(), groups=os.getgroups(),
    cap_eff=field('CapEff'), cap_prm=field('CapPrm'), cap_bnd=field('CapBnd'),
    no_new_privs=field('NoNewPrivs'), seccomp=field('Seccomp'),
    cwd=os.getcwd(), home=os.environ['HOME'],
    mpl=os.environ.get('MPLCONFIGDIR'), shared_writable=os.access('/opt/kernel/mplconfig', os.W_OK),
    fonts=[n for n in os.listdir(os.environ['MPLCONFIGDIR']) if n.startswith('fontlist-')],
    init_caps=open('/proc/1/status').read().split('CapEff:')[1].split()[0],
    interfaces=sorted(name for _, name in __import__('socket').if_nameindex()),
)
try:
    os.setuid(0)
    facts['setuid'] = 'worked'
except PermissionError:
    facts['setuid'] = 'refused'
try:
    os.unshare(os.CLONE_NEWNS)
    facts['unshare'] = 'worked'
except PermissionError:
    facts['unshare'] = 'refused'
"""


def test_a_forked_kernel_has_dropped_every_privilege_of_the_template() -> None:
    report = run(IDENTITY)

    assert FORKED in report.log_excerpt
    seen = facts(report)
    assert (seen["uid"], seen["euid"], seen["groups"]) == (TEMPLATE_UID, TEMPLATE_UID, [])
    assert seen["cap_eff"] == seen["cap_prm"] == seen["cap_bnd"] == "0000000000000000"
    assert (seen["no_new_privs"], seen["seccomp"]) == ("1", "2")
    assert (seen["cwd"], seen["home"]) == ("/home/grader", "/home/grader")
    assert seen["mpl"] == "/tmp/matplotlib" and len(seen["fonts"]) == 1
    assert seen["shared_writable"] is False
    assert seen["setuid"] == seen["unshare"] == "refused"
    assert seen["init_caps"] == "0000000000000000"  # the namespace's init kept none either
    assert seen["interfaces"] == ["lo"]


def test_a_dead_template_is_noticed_and_replaced() -> None:
    assert prestart_template()
    server = forkserver.current()
    assert server is not None and server.process is not None
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)

    report = run("facts = 1", "assert 1 + 1 == 2")

    assert passed(report), str(report.error)
    assert FORKED in report.log_excerpt
    replacement = forkserver.current()
    assert replacement is not None and replacement is not server and replacement.alive()
    assert not server.spool.exists()


def test_a_forked_kernel_cannot_reach_the_template_or_its_init() -> None:
    assert prestart_template()
    server = forkserver.current()
    assert server is not None and server.process is not None
    template = server.process.pid

    report = run(
        "import os, signal\n"
        "facts = []\n"
        f"for pid in ({template}, 1):\n"
        "    try:\n"
        "        os.kill(pid, signal.SIGKILL)\n"
        "        facts.append('sent')\n"
        "    except OSError as error:\n"
        "        facts.append(type(error).__name__)\n",
        "import os\nassert os.path.exists('/proc/1')",  # the init ignores it: still there
    )

    assert passed(report), str(report.error)
    # The template's pid means nothing in the kernel's pid namespace; the init is root's.
    assert facts(report)[0] in ("ProcessLookupError", "PermissionError")
    assert facts(report)[1] in ("PermissionError", "sent")
    assert server.alive() and forkserver.current() is server


def test_without_the_template_grading_uses_a_kernel_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADING_KERNEL_TEMPLATE", "off")

    report = run("facts = 1", "assert 1 + 1 == 2")

    assert passed(report), str(report.error)
    assert "kernel template" not in report.log_excerpt
    assert "bubblewrap sandbox" in report.log_excerpt


def test_a_template_that_cannot_start_falls_back_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    forkserver.shutdown()

    def broken(self: ForkServer) -> None:
        raise TemplateUnavailable("it exited (simulated)")

    monkeypatch.setattr(ForkServer, "start", broken)
    with caplog.at_level(logging.WARNING, logger="submissions.grading"):
        report = run("facts = 1", "assert 1 + 1 == 2")

    assert passed(report), str(report.error)
    assert FORKED not in report.log_excerpt
    assert "falls back to one bubblewrap kernel per submission" in caplog.text
    forkserver.shutdown()  # forget the failure: the next test starts a real template


def test_a_template_that_cannot_fork_falls_back_for_that_submission(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(self: ForkServer, *args: Any) -> None:
        raise TemplateUnavailable("the template did not answer (simulated)")

    monkeypatch.setattr(ForkServer, "spawn", refuse)
    with caplog.at_level(logging.WARNING, logger="submissions.grading"):
        report = run("facts = 1", "assert 1 + 1 == 2")

    assert passed(report), str(report.error)
    assert "the kernel template failed (the template did not answer (simulated))" in (
        report.log_excerpt
    )
    assert "falling back to a bubblewrap kernel of its own" in caplog.text


def test_a_forked_kernel_that_dies_is_reported_and_the_next_one_is_graded() -> None:
    dying = run("import os\nos.kill(os.getpid(), 9)")
    after = run("facts = 1", "assert 1 + 1 == 2")

    assert dying.status == "failed" and "killed" in str(dying.error), str(dying.error)
    assert passed(after), str(after.error)
    assert after.autograded_points == Decimal(1)


PLOTTING = """\
import subprocess, sys
import matplotlib.pyplot as plt
plt.plot([1, 2], [2, 1])
plt.savefig('/tmp/plot.png')
child = subprocess.run(
    [sys.executable, '-c', 'import matplotlib.pyplot'], capture_output=True, text=True
)
assert child.returncode == 0 and child.stderr == '', child.stderr
"""


@pytest.mark.parametrize("template", ["auto", "off"])
def test_matplotlib_finds_its_font_list_without_a_word_on_stderr(
    template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No kernel rebuilds the font list or warns that its directory is not writable (stderr
    would fail the test), not even a Python process the notebook starts."""
    monkeypatch.setenv("GRADING_KERNEL_TEMPLATE", template)

    report = run("facts = 1", PLOTTING)

    assert passed(report), [(o.grade_id, str(o.message)) for o in report.outcomes]
    assert (FORKED in report.log_excerpt) is (template == "auto")


# -- the kernel forked ahead of the next submission -----------------------------------------------


def waiting_kernel() -> ForkedKernel:
    """The kernel forked for the next submission (it is forked in the background after a run)."""
    server = forkserver.current()
    assert server is not None
    for _ in range(100):
        kernel = server.ready_kernel()
        if kernel is not None:
            return kernel
        time.sleep(0.1)
    raise AssertionError("no kernel was forked ahead")


def gone(kernel: ForkedKernel) -> bool:
    try:
        kernel.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return False
    return True


def test_the_worker_forks_the_first_kernel_before_any_submission() -> None:
    forkserver.shutdown()
    assert prestart_template(LIMITS)
    ahead = waiting_kernel()
    assert ahead.poll() is None

    report = run("facts = 1", "assert 1 + 1 == 2")

    assert passed(report), str(report.error)
    assert AHEAD in report.log_excerpt
    assert gone(ahead)  # used once, by that submission, then stopped


def test_each_run_forks_the_next_kernel_ahead_and_each_is_used_once() -> None:
    run("facts = 1")
    first = waiting_kernel()
    report = run("import os\nfacts = os.getpid()")
    second = waiting_kernel()

    assert AHEAD in report.log_excerpt
    assert second is not first and second.pid != first.pid
    assert gone(first) and second.poll() is None


def test_a_kernel_forked_with_other_limits_is_not_used_but_killed() -> None:
    run("facts = 1")
    ahead = waiting_kernel()
    other = GradingLimits(cell_timeout_s=19, notebook_timeout_s=60, memory_bytes=2 * 1024**3)
    published = publish(notebook(answer("answer", "pass"), autotest("t", "assert 1 + 1 == 2")))

    report = grade_notebook(
        submission=edited(published.release_notebook, answer="x = 1"),
        published=published,
        limits=other,
    )

    assert report.status == "graded" and report.autograded_points == Decimal(1), str(report.error)
    assert FORKED in report.log_excerpt and AHEAD not in report.log_excerpt
    assert gone(ahead)


def test_a_kernel_forked_ahead_that_died_is_replaced_by_a_fresh_fork() -> None:
    run("facts = 1")
    ahead = waiting_kernel()
    os.kill(ahead.pid, signal.SIGKILL)
    assert gone(ahead)

    report = run("facts = 1", "assert 1 + 1 == 2")

    assert passed(report), str(report.error)
    assert FORKED in report.log_excerpt and AHEAD not in report.log_excerpt


def test_with_a_uid_range_the_kernel_runs_as_this_workers_own_uid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GRADING_UID=first-last: the worker holds one uid of the range, and its kernels run as it."""
    first = TEMPLATE_UID + 10
    monkeypatch.setenv("GRADING_UID", f"{first}-{first + 3}")

    report = run("import os\nfacts = [os.getuid(), os.geteuid()]")

    assert FORKED in report.log_excerpt
    held = uids.claim(range(first, first + 4))
    assert facts(report) == [held, held] and held in range(first, first + 4)
    assert f"uid {held}" in report.log_excerpt  # the isolation line names it
