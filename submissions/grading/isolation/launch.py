"""What a kernel is started with: its command, environment and limits, and its run directory.

A kernel of its own is the kernel venv's interpreter running ``inside/launcher.py`` (sets the
limits, trims outgoing messages, then becomes ipykernel in the same process, so the limits bind
the kernel itself); where the host allows it (``sandbox.py``) inside bubblewrap, as a dedicated
non-root uid, with no network and nothing of the host but the read-only system, the interpreter,
the launcher and the kernel's sockets; otherwise with the limits and a scrubbed environment
only. A forked kernel gets the same limits and environment through the template's request.
Nothing depends on the user's kernelspec directories.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

from submissions.grading.isolation import seccomp
from submissions.grading.isolation.forkserver import RUN_INSIDE
from submissions.grading.isolation.output import message_cap
from submissions.grading.isolation.sandbox import (
    LAUNCHER_INSIDE,
    LAUNCHER_SOURCE,
    MPLCONFIG_KERNEL,
    SANDBOX_HOME,
    SANDBOX_TMP,
    SANDBOX_USER,
    SYSTEM_PATH,
    Interpreter,
    Isolation,
    SandboxPaths,
    disk_inodes,
    font_cache_dir,
    font_cache_ready,
    kernel_python,
    sandbox_interpreter,
    setpriv_prefix,
    write_etc,
)
from submissions.grading.report import GradingLimits

# Passed on to the kernel from the worker's environment: hardware hints for OpenBLAS.
_PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def kernel_rlimits(limits: GradingLimits, isolation: Isolation) -> list[tuple[str, int, int]]:
    """The resource limits a kernel sets on itself: ``(name, soft, hard)``."""
    cpu = math.ceil(limits.notebook_timeout_s + limits.kernel_startup_timeout_s) + 10
    rlimits = [
        ("RLIMIT_CPU", cpu, cpu + 5),
        ("RLIMIT_AS", limits.memory_bytes, limits.memory_bytes),
        ("RLIMIT_FSIZE", limits.file_size_bytes, limits.file_size_bytes),
        ("RLIMIT_NOFILE", limits.open_files, limits.open_files),
        ("RLIMIT_CORE", 0, 0),
    ]
    # RLIMIT_NPROC counts every process of the uid: it would also count the worker's own
    # processes (and does not bind root at all), so only a kernel with a uid of its own gets it.
    if isolation.dedicated_uid or isolation.private_user_namespace:
        rlimits.append(("RLIMIT_NPROC", limits.processes, limits.processes))
    return rlimits


def kernel_command(
    limits: GradingLimits,
    isolation: Isolation,
    *,
    python: str | None = None,
    bwrap_args: list[str] | None = None,
) -> list[str]:
    python = python or kernel_python()
    # The launcher is a file (inside the sandbox the one bound at LAUNCHER_INSIDE), run with
    # -s -P so that neither its directory nor the working directory is on sys.path.
    script = LAUNCHER_INSIDE if isolation.kind == "bwrap" else str(LAUNCHER_SOURCE)
    launcher = [
        python,
        "-s",
        "-P",
        script,
        json.dumps(kernel_rlimits(limits, isolation)),
        str(message_cap(limits)),
        "-f",
        "{connection_file}",
    ]
    if isolation.kind == "bwrap":
        # The worker's pid means nothing in the kernel's pid namespace (JPY_PARENT_PID is not
        # passed in): its parent is the sandbox's init, pid 1, which takes the kernel along
        # when it goes. Saying so keeps ipykernel from polling a parent and from printing
        # console instructions into the log.
        launcher.append("--IPKernelApp.parent_handle=1")
    if isolation.uid is not None and isolation.gid is not None:
        launcher = setpriv_prefix(isolation.setpriv, isolation.uid, isolation.gid) + launcher
    if isolation.kind != "bwrap":
        return launcher
    # jupyter_client interrupts with killpg(SIGINT), which would kill bwrap and, through
    # --die-with-parent, the kernel: bwrap ignores SIGINT, and interrupts go to the sandbox's
    # own process group (see KernelHandle.interrupt). Python resets SIGINT for each cell.
    env = shutil.which("env") or "/usr/bin/env"
    return [env, "--ignore-signal=INT", isolation.bwrap, *(bwrap_args or []), "--", *launcher]


def kernel_environment(
    workdir: Path,
    isolation: Isolation | None = None,
    interpreter: Interpreter | None = None,
    *,
    font_cache: bool | None = None,
) -> dict[str, str]:
    """Everything the kernel gets from us; no secret or setting of the worker leaks in.

    ``font_cache``: whether the read-only matplotlib cache is mounted (default: under
    bubblewrap, when it has been built).
    """
    sandboxed = isolation is not None and isolation.kind == "bwrap" and interpreter is not None
    if sandboxed and interpreter is not None:
        home, tmp = SANDBOX_HOME, SANDBOX_TMP
        bindir = str(Path(interpreter.executable).parent)
    else:
        home = tmp = str(workdir)
        bindir = str(Path(kernel_python()).parent)
    env = {
        "PATH": f"{bindir}:{SYSTEM_PATH}",
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        # nbgrader sets this while autograding; instructors' notebooks test it to skip slow
        # cells or to behave differently when graded.
        "NBGRADER_EXECUTION": "autograde",
    }
    if sandboxed and interpreter is not None:
        env["USER"] = env["LOGNAME"] = SANDBOX_USER
        if interpreter.library_path:
            env["LD_LIBRARY_PATH"] = interpreter.library_path
        if font_cache is None:
            font_cache = font_cache_ready() is not None
        if font_cache:
            env["MPLCONFIGDIR"] = MPLCONFIG_KERNEL
    for name in _PASSED_THROUGH:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def prepare_run(rundir: Path, workdir: Path, isolation: Isolation) -> SandboxPaths:
    """The run directory's layout, and ownership for the kernel's uid.

    ``rundir/k`` holds the ipc sockets and the connection file; it is the only part of the run
    directory the kernel reaches (its log and the generated /etc stay the worker's).
    """
    socket_dir = rundir / "k"
    socket_dir.mkdir(mode=0o700, exist_ok=True)
    if isolation.uid is not None and isolation.gid is not None:
        for path in (socket_dir, workdir):
            os.chown(path, isolation.uid, isolation.gid)
            path.chmod(0o700)
        if isolation.kind != "bwrap":
            rundir.chmod(0o711)  # the kernel's uid walks through to its sockets, lists nothing
    if isolation.kind != "bwrap":
        return SandboxPaths(workdir, socket_dir, {}, None, None)
    uid = isolation.uid if isolation.uid is not None else os.getuid()
    gid = isolation.gid if isolation.gid is not None else os.getgid()
    etc = write_etc(rundir / "etc", uid, gid)
    pyvenv_cfg: Path | None = None
    interpreter = sandbox_interpreter()
    if interpreter.pyvenv_cfg:
        pyvenv_cfg = rundir / "pyvenv.cfg"
        pyvenv_cfg.write_text(interpreter.pyvenv_cfg)
        pyvenv_cfg.chmod(0o644)
    return SandboxPaths(
        workdir,
        socket_dir,
        etc,
        pyvenv_cfg,
        seccomp.program_fd() if seccomp.supported() else None,
    )


def template_request(limits: GradingLimits, isolation: Isolation) -> dict[str, Any]:
    """What a forked kernel needs besides its job: limits, identity, environment, arguments."""
    interpreter = sandbox_interpreter()
    return {
        "uid": isolation.uid,
        "gid": isolation.gid,
        "rlimits": kernel_rlimits(limits, isolation),
        "message_cap": message_cap(limits),
        "disk_bytes": limits.disk_bytes,
        "disk_inodes": disk_inodes(limits.disk_bytes),
        "env": template_environment(isolation, interpreter),
        "argv": [
            "-f",
            f"{RUN_INSIDE}/kernel.json",
            "--HistoryManager.hist_file=:memory:",
            "--IPKernelApp.parent_handle=1",
        ],
    }


def template_environment(
    isolation: Isolation, interpreter: Interpreter | None = None
) -> dict[str, str]:
    """The environment of the template and of every kernel forked from it."""
    interpreter = interpreter or sandbox_interpreter()
    return kernel_environment(
        Path(SANDBOX_HOME), isolation, interpreter, font_cache=font_cache_dir() is not None
    )
