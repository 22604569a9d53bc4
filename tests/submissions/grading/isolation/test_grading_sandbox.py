"""The grading sandbox: its settings, the bubblewrap command it builds, and a kernel's view.

Kernel tests here run under bubblewrap with a uid of their own (see ``test_grading_hostile``
for attacks); under CI (``CI=true``) bubblewrap is required, and a test says so.
"""

import json
import logging
import os
import struct
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from courses.nbgrader import publish
from courses.plain_i18n import verbatim
from submissions.grading import GradingLimits, GradingReport, grade_notebook
from submissions.grading.isolation import sandbox, seccomp
from submissions.grading.isolation.launch import kernel_command, kernel_environment
from submissions.grading.isolation.output import message_limit
from submissions.grading.isolation.sandbox import (
    LAUNCHER_SOURCE,
    Isolation,
    SandboxMisconfigured,
    SandboxPaths,
    SandboxUnavailable,
    bwrap_arguments,
    grading_ids,
    kernel_python,
    python_layout,
    resolve_isolation,
    sandbox_interpreter,
    sandbox_mode,
    write_etc,
)
from submissions.grading.report import MiB
from tests.nbgrader_builders import answer, autotest, edited, notebook

PROJECT_ROOT = Path(__file__).resolve().parents[4]
# A uid and gid no other test module (or engineer's concurrent run) uses.
TEST_UID = 300_000 + os.getpid() % 100_000
TEST_GID = TEST_UID


def _bwrap_works() -> bool:
    try:
        return resolve_isolation({"GRADING_SANDBOX": "bwrap"}).kind == "bwrap"
    except SandboxUnavailable:
        return False


BWRAP = _bwrap_works()
needs_bwrap = pytest.mark.skipif(not BWRAP, reason="bubblewrap cannot run on this host")


def tiny_submission() -> tuple[bytes, Any]:
    published = publish(notebook(answer("a", "x = 1"), autotest("t", "assert x == 2")))
    return edited(published.release_notebook, a="x = 2"), published


# -- settings ----------------------------------------------------------------------------------


def test_the_sandbox_setting_defaults_to_auto_and_refuses_anything_else() -> None:
    assert sandbox_mode({}) == "auto"
    assert sandbox_mode({"GRADING_SANDBOX": " BWRAP "}) == "bwrap"
    assert sandbox_mode({"GRADING_SANDBOX": "off"}) == "off"
    with pytest.raises(SandboxMisconfigured, match="not one of auto, bwrap, off"):
        sandbox_mode({"GRADING_SANDBOX": "yes"})


def test_the_grading_uid_and_gid_come_from_the_environment() -> None:
    assert grading_ids({}) == (65534, 65534)
    assert grading_ids({"GRADING_UID": "2000", "GRADING_GID": "3000"}) == (2000, 3000)
    for bad in ("0", "-5", "nobody", str(2**32)):
        with pytest.raises(SandboxMisconfigured):
            grading_ids({"GRADING_UID": bad})


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("CI", "").lower() not in ("1", "true"), reason="CI only")
def test_ci_grades_under_bubblewrap() -> None:
    assert resolve_isolation().kind == "bwrap", "CI must run the grading sandbox"
    submission, published = tiny_submission()

    report = grade_notebook(submission=submission, published=published)

    assert (report.status, report.isolation) == ("graded", "bwrap")
    assert "isolation: bubblewrap sandbox" in report.log_excerpt


def test_a_required_sandbox_that_cannot_run_fails_grading_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADING_SANDBOX", "bwrap")
    monkeypatch.setattr("submissions.grading.isolation.sandbox.shutil.which", lambda name: None)
    submission, published = tiny_submission()

    report = grade_notebook(submission=submission, published=published)

    assert report.status == "failed"
    assert str(report.error).startswith(
        "The notebook could not be graded: the grading sandbox is not available on this worker."
    )
    assert "bubblewrap (bwrap) is not installed" in report.log_excerpt
    assert report.autograded_max == Decimal(1)


def test_a_misspelled_setting_fails_grading_instead_of_running_unsandboxed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADING_SANDBOX", "of")
    submission, published = tiny_submission()

    report = grade_notebook(submission=submission, published=published)

    assert report.status == "failed"
    assert "GRADING_SANDBOX='of' is not one of auto, bwrap, off" in report.log_excerpt


@pytest.mark.slow
def test_without_bubblewrap_grading_runs_with_limits_and_warns_loudly_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GRADING_SANDBOX", "auto")
    monkeypatch.setattr("submissions.grading.isolation.sandbox.shutil.which", lambda name: None)
    monkeypatch.setattr(sandbox, "_warned", set())
    submission, published = tiny_submission()

    with caplog.at_level(logging.WARNING, logger="submissions.grading"):
        report = grade_notebook(submission=submission, published=published)
        resolve_isolation()

    assert (report.status, report.isolation, report.autograded_points) == (
        "graded",
        "off",
        Decimal(1),
    )
    assert report.log_excerpt.splitlines()[-1].startswith("isolation: NO SANDBOX")
    warnings = [r for r in caplog.records if "THE GRADING SANDBOX IS OFF" in r.getMessage()]
    assert len(warnings) == 1
    assert "bubblewrap (bwrap) is not installed" in warnings[0].getMessage()


@pytest.mark.slow
def test_switched_off_grading_says_so_in_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADING_SANDBOX", "off")
    submission, published = tiny_submission()

    report = grade_notebook(submission=submission, published=published)

    assert (report.status, report.isolation) == ("graded", "off")
    assert "isolation: NO SANDBOX (GRADING_SANDBOX=off" in report.log_excerpt


def test_reports_say_which_isolation_was_used_and_older_json_still_reads() -> None:
    report = GradingReport.failure(verbatim("x"), isolation="bwrap")

    again = GradingReport.from_json(report.to_json())
    older = json.loads(report.to_json())
    del older["isolation"]

    assert again.isolation == "bwrap"
    assert GradingReport.from_json(json.dumps(older)).isolation == ""
    older["isolation"] = "docker"
    with pytest.raises(ValueError, match="isolation must be one of"):
        GradingReport.from_json(json.dumps(older))


# -- the command -------------------------------------------------------------------------------


def _command(tmp_path: Path) -> tuple[list[str], Isolation]:
    isolation = Isolation(
        "bwrap", TEST_UID, TEST_GID, bwrap="/usr/bin/bwrap", setpriv="/usr/bin/setpriv"
    )
    workdir = tmp_path / "work"
    socket_dir = tmp_path / "run" / "k"
    socket_dir.mkdir(parents=True)
    workdir.mkdir()
    interpreter = sandbox_interpreter()
    paths = SandboxPaths(
        workdir=workdir,
        socket_dir=socket_dir,
        etc=write_etc(tmp_path / "etc", TEST_UID, TEST_GID),
        pyvenv_cfg=tmp_path / "pyvenv.cfg",
        seccomp_fd=7,
    )
    env = kernel_environment(workdir, isolation, interpreter)
    args = bwrap_arguments(isolation, paths, interpreter, env, 16 * MiB, 64 * MiB)
    command = kernel_command(
        GradingLimits(), isolation, python=interpreter.executable, bwrap_args=args
    )
    return command, isolation


def _pairs(command: list[str], option: str) -> list[tuple[str, str]]:
    return [(command[i + 1], command[i + 2]) for i, arg in enumerate(command) if arg == option]


def test_the_kernel_command_is_bwrap_then_setpriv_then_python(tmp_path: Path) -> None:
    command, _ = _command(tmp_path)

    assert command[:3] == [command[0], "--ignore-signal=INT", "/usr/bin/bwrap"]
    assert command[0].endswith("/env")
    inner = command[command.index("--", 3) + 1 :]
    assert inner[:8] == [
        "/usr/bin/setpriv",
        f"--reuid={TEST_UID}",
        f"--regid={TEST_GID}",
        "--clear-groups",
        "--no-new-privs",
        "--bounding-set=-all",
        "--inh-caps=-all",
        "--",
    ]
    assert inner[8:12] == ["/opt/kernel/venv/bin/python", "-s", "-P", "/opt/kernel/launcher.py"]
    assert ("/opt/kernel/launcher.py", str(LAUNCHER_SOURCE)) in {
        (dest, source) for source, dest in _pairs(command, "--ro-bind")
    }
    assert inner[-3:] == ["-f", "{connection_file}", "--IPKernelApp.parent_handle=1"]
    for flag in (
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
    ):
        assert flag in command
    assert "--share-net" not in command
    assert tuple(command[command.index("--seccomp") :][:2]) == ("--seccomp", "7")


def test_the_sandbox_binds_only_the_system_the_interpreter_and_the_run(tmp_path: Path) -> None:
    command, _ = _command(tmp_path)
    read_only = _pairs(command, "--ro-bind") + _pairs(command, "--ro-bind-try")
    writable = _pairs(command, "--bind")

    # The working directory is a tmpfs of the disk quota, not the host's disk.
    assert writable == [(str(tmp_path / "run" / "k"), str(tmp_path / "run" / "k"))]
    (home,) = [
        i
        for i, arg in enumerate(command)
        if command[i - 1 : i + 1] == ["--tmpfs", arg] and arg == "/home/grader"
    ]
    assert command[home - 5 : home] == ["--perms", "1777", "--size", str(64 * MiB), "--tmpfs"]
    # The kernel's own venv (its lib and its read-only matplotlib cache), not the worker's.
    layout = python_layout(kernel_python())
    assert layout.venv is not None
    venv_parts = [layout.venv / "lib", layout.venv / "mplconfig"]
    # Of the project, only the launcher: that one file, not its directory.
    allowed = [Path("/usr"), Path("/etc"), layout.base, *venv_parts, LAUNCHER_SOURCE]
    for source, dest in read_only:
        path = Path(source)
        assert path != PROJECT_ROOT and path not in PROJECT_ROOT.parents, source
        assert any(path == a or a in path.parents for a in allowed) or tmp_path in path.parents
        if PROJECT_ROOT in path.parents:  # the venv lives in the project here; only its lib
            assert path in [*venv_parts, LAUNCHER_SOURCE], source
        assert Path(sys.prefix) not in (path, *path.parents), source  # not the web app's venv
        assert not dest.startswith(("/root", "/work", str(PROJECT_ROOT))), dest
    assert not any("db.sqlite3" in source for source, _ in read_only + writable)
    # bwrap mounts in order: the tmpfs first, or it would hide the run directory below it.
    tmpfs = [i for i, arg in enumerate(command) if command[i - 1 : i + 1] == ["--tmpfs", "/tmp"]]
    assert len(tmpfs) == 1
    assert tmpfs[0] < command.index(str(tmp_path / "run" / "k"))


def test_every_directory_the_sandbox_makes_is_readable(tmp_path: Path) -> None:
    command, _ = _command(tmp_path)

    for index, arg in enumerate(command):
        if arg == "--dir":
            assert command[index - 2 : index] == ["--perms", "0755"], command[index + 1]
        if arg == "--tmpfs":
            assert command[index - 4 : index - 2] == ["--perms", "1777"]


def test_the_kernel_environment_is_built_from_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("JPY_PARENT_PID", "1234")
    command, _ = _command(tmp_path)

    env = dict(_pairs(command, "--setenv"))

    assert set(env) <= {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "LC_ALL",
        "MPLBACKEND",
        "PYTHONHASHSEED",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "NBGRADER_EXECUTION",
        "USER",
        "LOGNAME",
        "LD_LIBRARY_PATH",
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
        "MPLCONFIGDIR",  # the kernel's own, seeded from the shared font list once it is built
    }
    assert env.get("MPLCONFIGDIR", "/tmp/matplotlib") == "/tmp/matplotlib"
    assert (env["HOME"], env["TMPDIR"], env["USER"]) == ("/home/grader", "/tmp", "grader")
    assert env["NBGRADER_EXECUTION"] == "autograde"
    assert "do-not-leak" not in " ".join(command)


def test_the_worker_refuses_messages_over_the_output_cap_plus_headroom() -> None:
    assert message_limit(GradingLimits(max_output_bytes=2_000_000)) == 2_000_000 + MiB


def test_the_seccomp_filter_is_well_formed() -> None:
    program = seccomp.program()
    instructions = [struct.unpack("=HBBI", program[i : i + 8]) for i in range(0, len(program), 8)]

    assert len(program) % 8 == 0 and 10 < len(instructions) < 256
    for index, (code, true, false, _) in enumerate(instructions):
        if code & 0x07 == 0x05:  # a jump: both targets inside the program
            assert index + 1 + max(true, false) < len(instructions)
    assert instructions[-1][0] == 0x06  # it ends in a return


# -- from inside -------------------------------------------------------------------------------

LIMITS = GradingLimits(cell_timeout_s=10, notebook_timeout_s=60, processes=96)
KERNEL_CODE = (
    "import os, sys\nfound = set(os.listdir('/opt/kernel'))\n"
    "assert found <= {'python', 'venv', 'mplconfig', 'launcher.py', 'template.py'}, found\n"
    "assert 'launcher.py' in found\n"
    "assert not [p for p in sys.path if p in ('', '.') or p.rstrip('/') == '/opt/kernel'], sys.path\n"
    "assert 'django' not in sys.modules and 'submissions' not in sys.modules"
)
FACTS = {
    "identity": f"import os\nassert (os.getuid(), os.getgid(), os.getgroups()) == "
    f"({TEST_UID}, {TEST_GID}, []), (os.getuid(), os.getgid(), os.getgroups())\n"
    "import pwd\nassert pwd.getpwuid(os.getuid()).pw_name == 'grader'",
    "no_privileges": "status = dict(line.split(':\\t') for line in "
    "open('/proc/self/status').read().splitlines() if ':\\t' in line)\n"
    "assert status['CapEff'] == status['CapPrm'] == status['CapBnd'] == '0000000000000000'\n"
    "assert status['NoNewPrivs'] == '1' and status['Seccomp'] == '2', status",
    "pid_namespace": "import os\nprocs = [p for p in os.listdir('/proc') if p.isdigit()]\n"
    "assert os.getpid() < 10 and len(procs) < 10, procs\n"
    # pid 1: bwrap's init, or the init a kernel forked from the template made
    "init = open('/proc/1/cmdline', 'rb').read()\n"
    "assert b'bwrap' in init or b'/opt/kernel/template.py' in init, init",
    "no_network": "import socket\nassert [n for _, n in socket.if_nameindex()] == ['lo']\n"
    "assert socket.gethostname() == 'grader'",
    "file_system": "import os\nassert set(os.listdir('/')) <= {'bin', 'dev', 'etc', 'home', "
    "'lib', 'lib32', 'lib64', 'libx32', 'opt', 'proc', 'sbin', 'tmp', 'usr', 'run', 'spool'}, "
    "os.listdir('/')\n"
    # a forked kernel: its socket directory, and the template's spool unmounted (empty)
    "assert os.listdir('/spool') == [] if os.path.exists('/spool') else True\n"
    "assert os.listdir('/run') == ['kernel'] if os.path.exists('/run') else True\n"
    "assert set(os.listdir('/etc')) <= {'passwd', 'group', 'hosts', 'nsswitch.conf', "
    "'ld.so.cache', 'localtime', 'alternatives', 'fonts', 'mime.types'}, os.listdir('/etc')\n"
    "assert os.listdir('/home') == ['grader'] and os.listdir('/opt') == ['kernel']",
    "read_only_system": "for path in ('/usr/x', '/etc/x', '/opt/kernel/venv/lib/x', '/x'):\n"
    "    try:\n        open(path, 'w')\n    except OSError:\n        pass\n"
    "    else:\n        raise AssertionError(path)",
    "interpreter": "import sys, numpy\nassert sys.prefix == '/opt/kernel/venv', sys.prefix\n"
    "assert sys.base_prefix.startswith(('/opt/kernel/python', '/usr')), sys.base_prefix",
    "environment": "import os\nassert 'JPY_PARENT_PID' not in os.environ\n"
    "assert os.getcwd() == os.environ['HOME'] == '/home/grader'\n"
    "assert os.path.exists('submission.ipynb')",
    "limits": "import resource\n"
    "assert resource.getrlimit(resource.RLIMIT_NPROC) == (96, 96)\n"
    # on top of what a forked kernel inherits from the template (see test_grading_engine)
    "extra = resource.getrlimit(resource.RLIMIT_AS)[0] - 3 * 1024 ** 3\n"
    "assert 0 <= extra < 1536 * 1024 ** 2, extra",
    # memory (tmpfs) within the disk quota, not the host's disk
    "scratch_space": "import os\nmounts = {}\nfor line in open('/proc/self/mountinfo'):\n"
    "    mounts[line.split()[4]] = line.split(' - ')[1].split()[0]\n"
    "for d in ('/tmp', '/dev/shm', '/home/grader'):\n"
    "    open(os.path.join(d, 'x'), 'w').write('x')\n"
    "    assert mounts[d] == 'tmpfs', (d, mounts[d])\n"
    "    assert os.statvfs(d).f_blocks * os.statvfs(d).f_frsize <= 512 * 1024 ** 2",
    "no_user_namespaces": "import os\ntry:\n    os.unshare(os.CLONE_NEWUSER)\n"
    "except PermissionError:\n    pass\nelse:\n    raise AssertionError('made a user namespace')",
    # of the project, only the launcher's file (and the template's), never on sys.path
    "kernel_code": KERNEL_CODE,
}


@pytest.fixture(scope="module")
def inside() -> GradingReport:
    published = publish(
        notebook(answer("a", "x = 1"), *(autotest(name, code) for name, code in FACTS.items()))
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADING_SANDBOX", "bwrap")
        patch.setenv("GRADING_UID", str(TEST_UID))
        patch.setenv("GRADING_GID", str(TEST_GID))
        return grade_notebook(
            submission=published.release_notebook, published=published, limits=LIMITS
        )


@pytest.mark.slow
@needs_bwrap
@pytest.mark.parametrize("fact", FACTS)
def test_inside_the_sandbox(inside: GradingReport, fact: str) -> None:
    assert inside.status == "graded", str(inside.error)
    (outcome,) = [o for o in inside.outcomes if o.grade_id == fact]
    assert outcome.status == "passed", str(outcome.message)


@pytest.mark.slow
@needs_bwrap
def test_a_kernel_of_its_own_sees_the_launcher_file_and_nothing_else_of_the_project(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADING_SANDBOX", "bwrap")
    monkeypatch.setenv("GRADING_KERNEL_TEMPLATE", "off")
    published = publish(notebook(answer("a", "x = 1"), autotest("kernel_code", KERNEL_CODE)))

    report = grade_notebook(submission=published.release_notebook, published=published)

    assert report.status == "graded", str(report.error)
    assert "kernel: forked" not in report.log_excerpt
    (outcome,) = report.outcomes
    assert outcome.status == "passed", str(outcome.message)
