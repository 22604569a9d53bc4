"""Executing a prepared notebook: one fresh, limited, sandboxed kernel per submission.

The kernel is the worker's interpreter started through a tiny launcher that sets resource
limits and then runs ipykernel in the same process, so the limits bind the kernel itself.
Where the host allows it (see ``sandbox.py``) the launcher runs inside bubblewrap, as a
dedicated non-root uid, with no network and nothing of the host but the read-only system, the
interpreter and the submission's working directory; otherwise it runs with the limits and a
scrubbed environment only. It never depends on the user's kernelspec directories.

nbclient drives execution (``allow_errors``, per-cell timeout with interrupt); a watchdog kills
the kernel at the notebook deadline, and everything the kernel started is killed at the end
(under bubblewrap the kernel's pid namespace dies with it, detached processes included).
The host counts output bytes per cell, and its ZMQ contexts refuse any single message over a
size limit, so no kernel can make the worker hold more than that at once (the launcher trims
honest notebooks' huge messages before they get there).
Execution runs in a thread of its own with its own event loop, so nbclient never installs
signal handlers in the worker's main thread and a running event loop is never in the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import math
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import IO, Any

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from courses.nbgrader import Notebook
from courses.plain_i18n import gettext_noop
from submissions.grading import forkserver, seccomp, spool
from submissions.grading.forkserver import RUN_INSIDE, ForkedKernel, ForkServer, TemplateUnavailable
from submissions.grading.report import GradingLimits, MiB, clip, clip_tail, seconds
from submissions.grading.sandbox import (
    MPLCONFIG_KERNEL,
    SANDBOX_HOME,
    SANDBOX_SHM,
    SANDBOX_TMP,
    SANDBOX_USER,
    SYSTEM_PATH,
    Interpreter,
    Isolation,
    SandboxMisconfigured,
    SandboxPaths,
    SandboxUnavailable,
    bwrap_arguments,
    disk_inodes,
    font_cache_dir,
    font_cache_ready,
    kernel_python,
    resolve_isolation,
    sandbox_interpreter,
    setpriv_prefix,
    short_run_base,
    write_etc,
)

logger = logging.getLogger("submissions.grading")

KERNEL_LOG_LIMIT = 4_000
_TRIMMED_TEXT = 1_000
# Time given to nbclient to notice a killed kernel before its coroutine is cancelled.
_DEADLINE_GRACE_S = 15.0
# How long a kernel's processes may take to disappear once killed.
_REAP_TIMEOUT_S = 5.0
# A dropped connection while the kernel still runs after this long was a message over the limit.
_DROP_GRACE_S = 0.5
# Room for a message's headers and JSON around the output it carries: the kernel trims what
# would exceed the output cap plus the headroom, the worker refuses what exceeds the cap plus
# the overhead.
_TRIM_HEADROOM = 64 * 1024
MESSAGE_OVERHEAD = 1 * MiB
_PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# What the participant reads when the disk quota (GradingLimits.disk_bytes) is in the way; the
# numbers go to the run's log. Marked for the catalogue, translated when shown.
DISK_FULL = gettext_noop(
    "The notebook filled the disk space it may use while it is graded (its folder and the "
    "temporary folders together), so it was stopped."
)
FILES_TOO_LARGE = gettext_noop(
    "Your files do not fit into the disk space a notebook may use while it is graded."
)
FILES_NOT_STAGED = "Your files could not be prepared for grading."

# Copies the submission's files into the kernel's working directory (given as the worker
# reaches it); raises OSError.
Stage = Callable[[Path], None]

# Runs as ``python -s -P -c``: sets the limits, trims outgoing messages, then becomes the kernel
# in the same process. -s -P is -I minus -E: the environment is built from scratch anyway, and
# -E would make it ignore PYTHONHASHSEED (deterministic hashing keeps grading reproducible).
# -P keeps the working directory, and so the project, off sys.path.
#
# The trimming is a courtesy to honest notebooks (an endless print loop, a huge DataFrame
# shown): a message that would exceed the worker's ZMQ_MAXMSGSIZE leaves the kernel with its
# payload cut down and a "grading_truncated" mark, so the output is truncated instead of the
# worker dropping the connection. It runs inside the sandbox, so hostile code can undo it; the
# worker's own limits do not depend on it. No braces here: jupyter_client formats every kernel
# argument as a template.
_LAUNCHER = """\
import os, resource, sys
for name, soft, hard in LIMITS:
    kind = getattr(resource, name)
    _, current = resource.getrlimit(kind)
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
        soft = min(soft, hard)
    resource.setrlimit(kind, (soft, hard))

def _trim_messages(cap):
    from jupyter_client.session import Session
    serialize = Session.serialize
    def trimmed(self, msg, ident=None):
        frames = serialize(self, msg, ident)
        size = sum(len(frame) for frame in frames)
        content = msg.get("content")
        if size <= cap or not isinstance(content, dict):
            return frames
        small = dict(content, grading_truncated=size)
        if isinstance(small.get("text"), str):
            small["text"] = small["text"][: cap // 8]
        if isinstance(small.get("data"), dict):
            small["data"] = dict([("text/plain", "[output of %d bytes dropped]" % size)])
            small["metadata"] = dict()
        if "evalue" in small:
            small["evalue"] = str(small["evalue"])[:1000]
        if isinstance(small.get("traceback"), list):
            small["traceback"] = [str(line)[:1000] for line in small["traceback"][-3:]]
        return serialize(self, dict(msg, content=small), ident)
    Session.serialize = trimmed

def _seed_matplotlib(seed):
    import shutil
    target = os.environ.get("MPLCONFIGDIR")
    if not target or not os.path.isdir(seed):
        return
    os.makedirs(target, mode=0o700, exist_ok=True)
    for name in os.listdir(seed):
        if name.startswith("fontlist-") and name.endswith(".json"):
            shutil.copyfile(os.path.join(seed, name), os.path.join(target, name))

try:
    _trim_messages(MESSAGE_CAP)
except Exception as error:
    print("output trimming unavailable:", repr(error), file=sys.stderr)
try:
    _seed_matplotlib("/opt/kernel/mplconfig")
except OSError as error:
    print("matplotlib font list not copied:", repr(error), file=sys.stderr)
sys.argv = ["ipykernel_launcher"] + sys.argv[1:]
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


def message_limit(limits: GradingLimits) -> int:
    """ZMQ_MAXMSGSIZE for the worker's sockets: no single output above the cap gets through."""
    return limits.max_output_bytes + MESSAGE_OVERHEAD


def kernel_rlimits(limits: GradingLimits, isolation: Isolation) -> list[tuple[str, int, int]]:
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
    code = _LAUNCHER.replace("LIMITS", repr(kernel_rlimits(limits, isolation))).replace(
        "MESSAGE_CAP", str(limits.max_output_bytes + _TRIM_HEADROOM)
    )
    launcher = [python, "-s", "-P", "-c", code, "-f", "{connection_file}"]
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
    # own process group (see _KernelHandle.interrupt). Python resets SIGINT for each cell.
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


# -- processes ---------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[-1].split()
    return int(fields[1]), fields[0]


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def _child_of(parent: int) -> int | None:
    for pid in _pids():
        stat = _stat(pid)
        if stat is not None and stat[0] == parent:
            return pid
    return None


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[1] not in ("Z", "X")


class _KernelHandle:
    """What the watchdog and the outer thread need to stop a kernel, whatever state it is in.

    Outside the sandbox the kernel leads its own process group. Under bubblewrap, the launched
    process is bwrap; its one child is the sandbox's init (pid 1 of the kernel's pid
    namespace), which leads the session the kernel and its children run in.
    """

    def __init__(self, sandboxed: bool = False) -> None:
        self.sandboxed = sandboxed
        self.process: subprocess.Popen[bytes] | None = None
        self.pgid: int | None = None
        self.init_pid: int | None = None
        self.pid_namespace: str | None = None
        self.deadline_hit = False
        self.oversized_cell: int | None = None
        self.leftovers = 0

    def reset(self) -> None:
        """Forget a kernel that never started, before another is started."""
        self.process = None
        self.pgid = self.init_pid = self.pid_namespace = None
        self.oversized_cell = None
        self.leftovers = 0

    def attach(self, provisioner: Any) -> None:
        self.process = getattr(provisioner, "process", None)
        pgid = getattr(provisioner, "pgid", None)
        self.pgid = pgid if isinstance(pgid, int) else getattr(self.process, "pid", None)

    def locate_sandbox(self) -> None:
        """Find the sandbox's init and pid namespace (once; bwrap forks it right away)."""
        if not self.sandboxed or self.init_pid is not None or self.process is None:
            return
        if self.process.poll() is not None:
            return
        child = _child_of(self.process.pid)
        namespace = _namespace(child) if child is not None else None
        if child is not None and namespace is not None and namespace != _namespace(os.getpid()):
            self.init_pid, self.pid_namespace = child, namespace

    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def inside(self, path: str) -> Path | None:
        """A path of the sandbox's file system as the worker reaches it: through its init's
        root (/proc/<pid>/root), in the sandbox's own mount namespace. None outside a sandbox
        or once the sandbox is gone."""
        if not self.sandboxed:
            return None
        self.locate_sandbox()
        if self.init_pid is None or _namespace(self.init_pid) != self.pid_namespace:
            return None
        return Path(f"/proc/{self.init_pid}/root{path}")

    def disk_full(self) -> bool:
        """Whether the kernel has used up its disk quota (space or files) in any place it may
        write. Without a sandbox there is no quota, and this is never true."""
        for place in (SANDBOX_HOME, SANDBOX_TMP, SANDBOX_SHM):
            path = self.inside(place)
            if path is None:
                return False
            try:
                info = os.statvfs(path)
            except OSError:
                return False  # the kernel is gone
            if info.f_bavail == 0 or (info.f_files and info.f_favail == 0):
                return True
        return False

    def _signal_sandbox(self, signum: int, *, group: bool) -> None:
        pid = self.init_pid
        if pid is None or _namespace(pid) != self.pid_namespace:
            return  # gone, and its pid may belong to someone else by now
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group:
                os.killpg(pid, signum)
            else:
                os.kill(pid, signum)

    def interrupt(self) -> None:
        """SIGINT to the kernel's process group, as Jupyter does; never to bwrap itself."""
        if self.sandboxed:
            self.locate_sandbox()
            self._signal_sandbox(signal.SIGINT, group=True)
        elif self.pgid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, signal.SIGINT)

    def kill(self) -> None:
        # Linux does not reuse a pid while a process group of that id has members, so this
        # reaches the kernel (or bwrap) and whatever stayed in its group, and nothing else.
        if self.sandboxed:
            self.locate_sandbox()
        if self.pgid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, signal.SIGKILL)
        # bwrap's death kills the sandbox's init (--die-with-parent), and the init's death
        # every process of its pid namespace, setsid or not; this does not wait for either.
        self._signal_sandbox(signal.SIGKILL, group=False)

    def reap(self) -> None:
        """Wait until nothing of the kernel runs any more, killing stragglers."""
        deadline = time.monotonic() + _REAP_TIMEOUT_S
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=_REAP_TIMEOUT_S)
        if self.pid_namespace is None:
            return
        # The init's death empties its namespace: the kernel kills and reaps every member first.
        # Whatever runs in the namespace after that (never seen so far) is killed and counted.
        while (
            self.init_pid is not None
            and _alive(self.init_pid)
            and _namespace(self.init_pid) == self.pid_namespace
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        while True:
            members = [pid for pid in _pids() if _namespace(pid) == self.pid_namespace]
            running = [pid for pid in members if _alive(pid)]
            if not running:
                return
            self.leftovers = max(self.leftovers, len(running))
            for pid in running:
                if _namespace(pid) == self.pid_namespace:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


# -- jupyter_client and nbclient, adapted ------------------------------------------------------


class _GradingKernelClient(AsyncKernelClient):
    """jupyter_client's client, waiting less idly for a new kernel.

    jupyter_client's ``wait_for_ready`` ends by draining IOPub until 0.2 s pass without a
    message: 0.2 s of nothing per kernel, most of a small notebook's latency once kernels are
    forked. nbclient matches every output to its request by id, so a late start-up message is
    ignored anyway; 20 ms of quiet is enough.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if reply["msg_type"] == "kernel_info_reply":
                    try:  # IOPub is connected once a message comes through it
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0.02)
            except Empty:
                break


class _GradingKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel spec is ours, never one found on disk."""

    grading_spec: KernelSpec | None = None
    connection_owner: tuple[int, int] | None = None
    handle: _KernelHandle | None = None
    message_limit: int = 0
    # A kernel already forked from the template: "launching" adopts it instead of a command.
    forked: ForkedKernel | None = None

    def write_connection_file(self, **kwargs: Any) -> None:
        if self.forked is not None:
            # Written before the fork (ForkServer.fork); the kernel may be reading it now.
            self._connection_file_written = True
            return
        # Written 0600 by the worker; the kernel's uid must read it (and nobody else).
        super().write_connection_file(**kwargs)
        if self.connection_owner is not None:
            os.chown(self.connection_file, *self.connection_owner)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        if self.forked is None:
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        provisioner: Any = self.provisioner
        provisioner.process = self.forked
        provisioner.pid = provisioner.pgid = self.forked.pid
        # No reconciling with the file: the kernel's copy names the socket directory as the
        # kernel sees it, and rewriting it would race the kernel reading it.

    @property
    def kernel_spec(self) -> KernelSpec | None:
        return self.grading_spec

    def client(self, **kwargs: Any) -> Any:
        # The client's own context (it destroys it when its channels stop) refuses messages
        # over the limit on every socket made from it.
        client = super().client(**kwargs)
        client.context.setsockopt(zmq.MAXMSGSIZE, self.message_limit)
        # The client connects before a new kernel has bound its sockets: retry after 10 ms,
        # not ZMQ's 100.
        client.context.setsockopt(zmq.RECONNECT_IVL, 10)
        return client

    async def interrupt_kernel(self) -> None:  # type: ignore[override]
        if self.handle is not None:
            self.handle.interrupt()
        else:
            await super().interrupt_kernel()


def _kernel_manager(
    limits: GradingLimits,
    connection_file: Path,
    command: list[str],
    handle: _KernelHandle,
    isolation: Isolation,
) -> _GradingKernelManager:
    # "python3" makes jupyter_client and nbclient treat the kernel as ipykernel.
    # IPC sockets live in a private run directory: no TCP port any local process could reach,
    # and the only way between worker and kernel when the kernel has no network.
    manager = _GradingKernelManager(
        kernel_name="python3",
        connection_file=str(connection_file),
        transport="ipc",
        ip=str(connection_file.with_name("kernel")),
    )
    manager.client_factory = _GradingKernelClient
    manager.message_limit = message_limit(limits)
    manager.context.setsockopt(zmq.MAXMSGSIZE, manager.message_limit)
    manager.handle = handle
    if isolation.uid is not None and isolation.gid is not None:
        manager.connection_owner = (isolation.uid, isolation.gid)
    manager.grading_spec = KernelSpec(
        argv=command,
        display_name="Python 3 (autograder)",
        language="python",
        interrupt_mode="signal",
        env={},
        metadata={},
    )
    return manager


def _utf8_size(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, dict):
        return sum(_utf8_size(k) + _utf8_size(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_utf8_size(item) for item in value)
    return 8


def _trimmed(output: NotebookNode) -> NotebookNode | None:
    """What of an output over the cap is still needed for grading, made small."""
    if output.get("output_type") == "error":
        return NotebookNode(
            output_type="error",
            ename=clip(str(output.get("ename", "")), 200),
            evalue=clip(str(output.get("evalue", "")), _TRIMMED_TEXT),
            traceback=[clip(str(line), _TRIMMED_TEXT) for line in output.get("traceback", [])[-3:]],
        )
    if output.get("output_type") == "execute_result":
        data = output.get("data", {})
        text = data.get("text/plain")
        if isinstance(text, list):
            text = "".join(text)
        return NotebookNode(
            output_type="execute_result",
            execution_count=output.get("execution_count"),
            metadata={},
            data={"text/plain": clip(text, _TRIMMED_TEXT)} if isinstance(text, str) else {},
        )
    return None


class _GradingClient(NotebookClient):
    """nbclient with a per-cell output cap counted here, and interrupt-then-kill on timeout."""

    def __init__(
        self, nb: NotebookNode, km: AsyncKernelManager, *, handle: _KernelHandle, **kw: Any
    ) -> None:
        self.max_output_bytes: int = kw.pop("max_output_bytes")
        super().__init__(nb, km=km, **kw)
        # No widget emulation: an Output widget would collect outputs past the cap.
        self.comm_open_handlers = {}
        self.handle = handle
        self.current_cell: int | None = None
        self.interrupted: set[int] = set()
        self.stuck_cell: int | None = None
        self.truncated: set[int] = set()
        self.output_bytes: dict[int, int] = {}
        self.disk_full_cell: int | None = None

    async def async_execute_cell(
        self,
        cell: NotebookNode,
        cell_index: int,
        execution_count: int | None = None,
        store_history: bool = True,
    ) -> NotebookNode:
        self.current_cell = cell_index
        executed = await super().async_execute_cell(
            cell, cell_index, execution_count, store_history
        )
        self._stop_if_disk_full(cell_index)
        return executed

    def _stop_if_disk_full(self, index: int) -> None:
        """End the attempt once the notebook has filled its disk quota (after each cell, and
        when a cell times out: it may be spinning on ENOSPC). Whatever ran next would fail in
        confusing ways, so the participant reads this reason instead."""
        if self.handle.disk_full():
            self.disk_full_cell = index
            self.handle.kill()
            raise DeadKernelError("the notebook used up its disk quota")

    async def _async_handle_timeout(
        self, timeout: int, cell: NotebookNode | None = None
    ) -> None | dict[str, Any]:
        if cell is None or self.current_cell is None:
            return None  # a wait outside any cell (kernel_info): nothing to interrupt
        index = self.current_cell
        self._stop_if_disk_full(index)
        if index in self.interrupted:
            # A second timeout on the same cell: it ignored the interrupt (a C loop, a signal
            # handler). Nothing short of killing the kernel ends it.
            self.stuck_cell = index
            self.handle.kill()
            raise DeadKernelError("the cell did not stop when interrupted")
        self.interrupted.add(index)
        return await super()._async_handle_timeout(timeout, cell)

    async def _check_raise_for_error(
        self, cell: NotebookNode, cell_index: int, exec_reply: dict[str, Any] | None
    ) -> None:
        """Trust the kernel's reply, not the cell's outputs, for whether the cell failed.

        A notebook can replace IPython's ``showtraceback`` so that a failing test leaves no
        error output (the "showtraceback exploit"); the execute reply still says "error".
        As nbgrader does, such a cell gets the error output it would have shown.
        """
        content = (exec_reply or {}).get("content", {})
        if content.get("status") == "error" and not any(
            output.get("output_type") == "error" for output in cell.get("outputs", [])
        ):
            cell.setdefault("outputs", []).append(
                NotebookNode(
                    output_type="error",
                    ename=str(content.get("ename") or "Error"),
                    evalue=clip(str(content.get("evalue") or ""), _TRIMMED_TEXT),
                    traceback=[],
                )
            )
        await super()._check_raise_for_error(cell, cell_index, exec_reply)

    def _update_display_id(self, display_id: str, msg: dict[str, Any]) -> None:
        # An update replaces earlier outputs in place, past the per-cell count: cap it alone.
        content = msg.get("content", {})
        if _utf8_size(content.get("data", {})) > self.max_output_bytes or content.get(
            "grading_truncated"
        ):
            if self.current_cell is not None:
                self.truncated.add(self.current_cell)
            return
        super()._update_display_id(display_id, msg)

    def output(
        self,
        outs: list[NotebookNode],
        msg: dict[str, Any],
        display_id: str | None,
        cell_index: int,
    ) -> NotebookNode | None:
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return None
        if msg.get("content", {}).get("grading_truncated"):
            self.truncated.add(cell_index)  # the kernel cut it down on its way out
        used = self.output_bytes.get(cell_index, 0) + _utf8_size(out)
        self.output_bytes[cell_index] = used
        if used <= self.max_output_bytes:
            return out
        if outs and outs[-1] is out:
            small = _trimmed(out)
            if small is not None or display_id:
                # Keep the slot: display ids point at output positions.
                outs[-1] = small or NotebookNode(output_type="display_data", data={}, metadata={})
            else:
                outs.pop()
        if cell_index not in self.truncated:
            self.truncated.add(cell_index)
            outs.append(
                NotebookNode(
                    output_type="stream",
                    name="stdout",
                    text=f"\n[output truncated: more than {self.max_output_bytes} bytes]\n",
                )
            )
        return None


async def _watch_connections(client: _GradingClient, handle: _KernelHandle) -> None:
    """Stop a kernel that sent a message over ZMQ_MAXMSGSIZE.

    ZMQ drops the connection the message came on, for good: later outputs (errors included)
    or replies would never arrive, and a cell could pass for want of its error. So the kernel
    is stopped at once and the notebook fails with the reason. Honest notebooks do not get
    here: the kernel trims its own messages first (see _LAUNCHER).
    """
    kc = client.kc
    if kc is None:
        return
    sockets = [kc.iopub_channel.socket, kc.shell_channel.socket]
    monitors = []
    poller = zmq.asyncio.Poller()
    try:
        for sock in sockets:
            monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
            monitors.append(monitor)
            poller.register(monitor, zmq.POLLIN)
        while True:
            for monitor, _ in await poller.poll():
                await monitor.recv_multipart()
                cell = client.current_cell
                await asyncio.sleep(_DROP_GRACE_S)
                if handle.returncode() is not None:
                    continue  # the kernel died: its connections went with it
                handle.oversized_cell = cell if cell is not None else -1
                handle.kill()
    finally:
        for sock in sockets:
            with contextlib.suppress(zmq.ZMQError):
                if not sock.closed:
                    sock.disable_monitor()
        for monitor in monitors:
            monitor.close(linger=0)


@dataclass
class Execution:
    notebook: Notebook
    interrupted: set[int] = field(default_factory=set)
    truncated: set[int] = field(default_factory=set)
    # Empty when every cell ran; otherwise why the notebook as a whole could not be graded.
    error: str = ""
    kernel_log: str = ""
    # Processes of the kernel still running after it was stopped, killed then (should be 0).
    leftovers: int = 0
    # How the kernel was made, for the run's log ("forked from the kernel template", ...).
    notes: list[str] = field(default_factory=list)
    # The kernel never answered: nothing of the notebook ran.
    start_failed: bool = False


def _describe_death(handle: _KernelHandle, cell: int | None, limits: GradingLimits) -> str:
    where = f" while running cell {cell + 1}" if cell is not None and cell >= 0 else ""
    code = handle.returncode()
    signum: int | None = None
    if code is not None and code < 0:
        signum = -code
    elif code is not None and handle.sandboxed and code > 128:
        signum = code - 128  # bwrap exits 128 + N when the kernel died of signal N
    if signum == signal.SIGXCPU:
        return f"The kernel used up its CPU time{where} and was stopped."
    if signum == signal.SIGXFSZ:
        megabytes = limits.file_size_bytes // MiB
        return f"The notebook wrote a file larger than {megabytes} MB{where}."
    if code is None or signum == signal.SIGKILL:
        return f"The kernel was killed{where} (it may have run out of memory)."
    if signum is not None:
        return f"The kernel died{where} (signal {signum})."
    return f"The kernel died{where}: its process exited with status {code}."


async def _start(
    km: _GradingKernelManager,
    client: _GradingClient,
    *,
    workdir: Path,
    env: dict[str, str],
    log: IO[bytes],
    limits: GradingLimits,
    handle: _KernelHandle,
    pass_fds: tuple[int, ...],
) -> str:
    try:
        async with asyncio.timeout(limits.kernel_startup_timeout_s):
            await km.start_kernel(
                cwd=str(workdir),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=pass_fds,
                extra_arguments=["--HistoryManager.hist_file=:memory:"],
            )
            handle.attach(km.provisioner)
            await client.async_start_new_kernel_client()
            handle.locate_sandbox()
    except TimeoutError:
        return f"The Python kernel did not start within {seconds(limits.kernel_startup_timeout_s)}."
    except Exception as error:
        return f"The Python kernel could not be started ({type(error).__name__})."
    return ""


async def _watchdog(delay: float, handle: _KernelHandle) -> None:
    await asyncio.sleep(delay)
    handle.deadline_hit = True
    handle.kill()


async def _run(client: _GradingClient, limits: GradingLimits, handle: _KernelHandle) -> str:
    watchdog = asyncio.create_task(_watchdog(limits.notebook_timeout_s, handle))
    watcher = asyncio.create_task(_watch_connections(client, handle))
    try:
        async with asyncio.timeout(limits.notebook_timeout_s + _DEADLINE_GRACE_S):
            await client.async_execute()
    except Exception as error:
        if handle.deadline_hit or isinstance(error, TimeoutError):
            return f"The notebook did not finish within {seconds(limits.notebook_timeout_s)}."
        if client.disk_full_cell is not None:
            return DISK_FULL
        if client.stuck_cell is not None:
            return (
                f"Cell {client.stuck_cell + 1} did not stop when it was interrupted after "
                f"{seconds(limits.cell_timeout_s)}, so the kernel was stopped."
            )
        if handle.oversized_cell is not None:
            megabytes = round(message_limit(limits) / MiB, 1)
            where = f"Cell {handle.oversized_cell + 1}" if handle.oversized_cell >= 0 else "It"
            return (
                f"{where} sent a single message larger than {megabytes:g} MB to the grader, "
                "so the kernel was stopped and the notebook could not be graded."
            )
        if isinstance(error, DeadKernelError):
            return _describe_death(handle, client.current_cell, limits)
        return f"The notebook could not be run ({type(error).__name__})."
    finally:
        watchdog.cancel()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    return ""


async def _stop(km: _GradingKernelManager, client: _GradingClient, handle: _KernelHandle) -> None:
    if client.kc is not None:
        client.kc.stop_channels()
        client.kc = None
    handle.kill()
    # Reaped first, so that jupyter_client (which polls every 0.1 s) finds it gone at once.
    await asyncio.to_thread(handle.reap)
    # The process is gone already; only jupyter_client's bookkeeping can fail here.
    with contextlib.suppress(Exception):
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    km.cleanup_connection_file()
    if not km.context.closed:
        km.context.destroy(linger=0)


def _prepare(rundir: Path, workdir: Path, isolation: Isolation) -> SandboxPaths:
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


def _template_request(limits: GradingLimits, isolation: Isolation) -> dict[str, Any]:
    """What a forked kernel needs besides its job: limits, identity, environment, arguments."""
    interpreter = sandbox_interpreter()
    return {
        "uid": isolation.uid,
        "gid": isolation.gid,
        "rlimits": kernel_rlimits(limits, isolation),
        "message_cap": limits.max_output_bytes + _TRIM_HEADROOM,
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


async def _execute_forked(
    notebook: Notebook,
    *,
    server: ForkServer,
    job: forkserver.Job,
    ready: forkserver.ForkedJob | None,
    limits: GradingLimits,
    isolation: Isolation,
    handle: _KernelHandle,
    stage: Stage,
) -> Execution | str:
    """Run the notebook in a kernel forked from the template; the reason when it could not.

    ``ready`` is the kernel forked ahead for this job, started already; without it, one is
    forked now.
    """
    if ready is None:
        request = _template_request(limits, isolation)
        try:
            ready = await asyncio.to_thread(server.fork, job, request)
        except TemplateUnavailable as error:
            return str(error)
        note = "kernel: forked from the kernel template"
    else:
        note = "kernel: forked from the kernel template ahead of the submission"
    km = _kernel_manager(
        limits, job.socket_dir / "kernel.json", ["forked-kernel"], handle, isolation
    )
    km.load_connection_info(ready.connection)  # type: ignore[arg-type]
    km.forked = ready.kernel
    execution = await _run_kernel(
        notebook,
        workdir=job.workdir,
        rundir=job.root,
        limits=limits,
        isolation=isolation,
        handle=handle,
        stage=stage,
        command=[],
        env={},
        pass_fds=(),
        connection_file=job.socket_dir / "kernel.json",
        km=km,
    )
    if execution.start_failed:
        return f"the forked kernel did not start ({execution.error}) {execution.kernel_log}"
    execution.notes.append(note)
    return execution


async def _execute(
    notebook: Notebook,
    *,
    workdir: Path,
    rundir: Path,
    limits: GradingLimits,
    isolation: Isolation,
    handle: _KernelHandle,
    stage: Stage,
    run: RunDirs | None = None,
) -> Execution:
    notes: list[str] = []
    if run is not None and run.server is not None and run.job is not None:
        forked = await _execute_forked(
            notebook,
            server=run.server,
            job=run.job,
            ready=run.ready,
            limits=limits,
            isolation=isolation,
            handle=handle,
            stage=stage,
        )
        if isinstance(forked, Execution):
            return forked
        reason = clip(forked.strip(), 600)
        logger.warning(
            "the kernel template could not run a kernel (%s); falling back to a bubblewrap "
            "kernel of its own for this submission",
            reason,
        )
        notes.append(f"kernel: the kernel template failed ({reason}); a kernel of its own")
        handle.reset()
    execution = await _execute_own(
        notebook,
        workdir=workdir,
        rundir=rundir,
        limits=limits,
        isolation=isolation,
        handle=handle,
        stage=stage,
    )
    execution.notes[:0] = notes
    return execution


async def _execute_own(
    notebook: Notebook,
    *,
    workdir: Path,
    rundir: Path,
    limits: GradingLimits,
    isolation: Isolation,
    handle: _KernelHandle,
    stage: Stage,
) -> Execution:
    paths = _prepare(rundir, workdir, isolation)
    try:
        if isolation.kind == "bwrap":
            interpreter = sandbox_interpreter()
            kernel_env = kernel_environment(workdir, isolation, interpreter)
            tmpfs = max(limits.file_size_bytes, 16 * MiB)
            command = kernel_command(
                limits,
                isolation,
                python=interpreter.executable,
                bwrap_args=bwrap_arguments(
                    isolation, paths, interpreter, kernel_env, tmpfs, limits.disk_bytes
                ),
            )
            # Only for bwrap itself, which clears it: the kernel's comes from --setenv.
            env = {"PATH": SYSTEM_PATH}
        else:
            command = kernel_command(limits, isolation)
            env = kernel_environment(workdir, isolation)
        return await _run_kernel(
            notebook,
            workdir=workdir,
            rundir=rundir,
            limits=limits,
            isolation=isolation,
            handle=handle,
            stage=stage,
            command=command,
            env=env,
            pass_fds=() if paths.seccomp_fd is None else (paths.seccomp_fd,),
            connection_file=paths.socket_dir / "kernel.json",
        )
    finally:
        if paths.seccomp_fd is not None:
            os.close(paths.seccomp_fd)


async def _run_kernel(
    notebook: Notebook,
    *,
    workdir: Path,
    rundir: Path,
    limits: GradingLimits,
    isolation: Isolation,
    handle: _KernelHandle,
    stage: Stage,
    command: list[str],
    env: dict[str, str],
    pass_fds: tuple[int, ...],
    connection_file: Path,
    km: _GradingKernelManager | None = None,
) -> Execution:
    if km is None:
        km = _kernel_manager(limits, connection_file, command, handle, isolation)
    client = _GradingClient(
        nbformat.from_dict(notebook),
        km,
        handle=handle,
        max_output_bytes=limits.max_output_bytes,
        timeout=max(1, math.ceil(limits.cell_timeout_s)),
        interrupt_on_timeout=True,
        allow_errors=True,
        startup_timeout=max(1, math.ceil(limits.kernel_startup_timeout_s)),
        resources={"metadata": {"path": str(workdir)}},
        record_timing=False,
        raise_on_iopub_timeout=False,
        store_widget_state=False,
    )
    log_path = rundir / "kernel.log"
    started = False
    notes: list[str] = []
    with log_path.open("ab") as log:
        try:
            error = await _start(
                km,
                client,
                workdir=workdir,
                env=env,
                log=log,
                limits=limits,
                handle=handle,
                pass_fds=pass_fds,
            )
            if not error:
                started = True
                error = _stage_files(stage, workdir, isolation, handle, limits, notes)
            if not error:
                error = await _run(client, limits, handle)
                if client.disk_full_cell is not None:
                    notes.append(
                        f"cell {client.disk_full_cell + 1} used up the disk quota "
                        f"({_megabytes(limits.disk_bytes)}); the kernel was stopped"
                    )
        finally:
            await _stop(km, client, handle)
    return Execution(
        notebook=client.nb,
        interrupted=client.interrupted,
        truncated=client.truncated,
        error=error,
        kernel_log=_read_tail(log_path, KERNEL_LOG_LIMIT),
        leftovers=handle.leftovers,
        notes=notes,
        start_failed=not started,
    )


def _megabytes(size: int) -> str:
    return f"{size / MiB:g} MiB"


def _stage_files(
    stage: Stage,
    workdir: Path,
    isolation: Isolation,
    handle: _KernelHandle,
    limits: GradingLimits,
    notes: list[str],
) -> str:
    """Copy the submission's files into the started kernel's working directory: under
    bubblewrap its tmpfs (inside the disk quota), reached through /proc/<init>/root; without a
    sandbox ``workdir`` itself. No notebook code has run yet, so nothing in there is the
    notebook's (a symbolic link, say). The reason the attempt fails, or "".
    """
    home = handle.inside(SANDBOX_HOME) if handle.sandboxed else workdir
    if home is None:
        notes.append("staging: the kernel's working directory could not be reached")
        return FILES_NOT_STAGED
    try:
        if handle.sandboxed and isolation.uid is not None and isolation.gid is not None:
            os.chown(home, isolation.uid, isolation.gid)  # a kernel of its own: bwrap's tmpfs
            home.chmod(0o700)
        stage(home)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            notes.append(
                f"staging: the submission's files exceed the disk quota "
                f"({_megabytes(limits.disk_bytes)})"
            )
            return FILES_TOO_LARGE
        notes.append(f"staging: {error}")  # a server-side problem: details for the log only
        return FILES_NOT_STAGED
    return ""


def _read_tail(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - limit * 4))
            text = file.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return clip_tail(text, limit)


def execute(
    notebook: Notebook,
    *,
    workdir: Path,
    rundir: Path,
    limits: GradingLimits,
    stage: Stage,
    isolation: Isolation | None = None,
    run: RunDirs | None = None,
) -> Execution:
    """Run every cell of ``notebook`` in a fresh kernel with ``workdir`` as its working directory.

    ``stage`` copies the submission's files into the kernel's working directory once the kernel
    runs and before any cell does (under bubblewrap that directory is the kernel's own tmpfs,
    not ``workdir``).

    ``rundir`` (private to the worker, with a short path) receives the sockets, the connection
    file and the kernel's own log. ``isolation`` defaults to what the settings and host allow.
    """
    if isolation is None:
        isolation = resolve_isolation()
    handle = _KernelHandle(sandboxed=isolation.kind == "bwrap")
    results: list[Execution] = []
    failures: list[BaseException] = []

    def target() -> None:
        try:
            results.append(
                asyncio.run(
                    _execute(
                        notebook,
                        workdir=workdir,
                        rundir=rundir,
                        limits=limits,
                        isolation=isolation,
                        handle=handle,
                        stage=stage,
                        run=run,
                    )
                )
            )
        except BaseException as error:  # handed to the calling thread
            failures.append(error)

    # The kernel is started from this thread; bwrap's --die-with-parent follows the thread,
    # which lives until the kernel is gone.
    thread = threading.Thread(target=target, name="grading-kernel", daemon=True)
    thread.start()
    thread.join(
        limits.kernel_startup_timeout_s
        + limits.notebook_timeout_s
        + 4 * _DEADLINE_GRACE_S
        + _REAP_TIMEOUT_S
    )
    if thread.is_alive():
        handle.kill()
        thread.join(_DEADLINE_GRACE_S)
        return Execution(
            notebook=notebook,
            error="The grader stopped responding while running the notebook.",
        )
    if run is not None and run.server is not None:
        # The next submission's kernel starts now, while nobody waits for it.
        run.server.prepare_next_soon(_template_request(limits, isolation))
    if failures:
        raise failures[0]
    return results[0]


# -- where a run's files live ------------------------------------------------------------------


@dataclass(frozen=True)
class RunDirs:
    """A submission's working directory and the worker's run directory for its kernel.

    With a kernel template both live in the template's spool (the job's directory is the run
    directory, its ``work`` the working directory); otherwise they are fresh temporary
    directories. ``ready`` is the job's kernel when it was forked ahead of the submission.
    """

    workdir: Path
    rundir: Path
    server: ForkServer | None = None
    job: forkserver.Job | None = None
    ready: forkserver.ForkedJob | None = None

    def remove(self, remove_tree: Any) -> None:
        if self.ready is not None:
            self.ready.kernel.kill()  # gone already when it ran; never left waiting
        for path in (self.workdir, self.rundir):
            if path.exists():
                remove_tree(path)


def run_dirs(isolation: Isolation, limits: GradingLimits | None = None) -> RunDirs:
    """Directories for the next run, in the template's spool when this worker has one.

    Given the run's ``limits``, the run takes the kernel forked ahead with them, if any.
    """
    if forkserver.usable(isolation):
        try:
            server = forkserver.server(isolation, template_environment(isolation))
            ready = None
            if limits is not None:
                ready = server.take_ready(_template_request(limits, isolation))
            job = ready.job if ready is not None else server.new_job()
        except (TemplateUnavailable, OSError) as error:
            logger.warning("grading without the kernel template: %s", error)
        else:
            return RunDirs(job.workdir, job.root, server, job, ready)
    workdir = spool.make_dir("grading-")
    # Short: ipc socket paths inside it must stay under ~108 bytes.
    rundir = spool.make_dir("gr-", parent=short_run_base())
    return RunDirs(workdir, rundir)


def prestart_template(limits: GradingLimits | None = None) -> bool:
    """Start this worker's kernel template ahead of the first submission, where it is used.

    Given the grading ``limits``, also fork the first submission's kernel. Call it from the
    thread that will grade (the template dies with the thread that started it). Returns
    whether a template is running; failures are logged, never raised.
    """
    try:
        isolation = resolve_isolation()
    except (SandboxMisconfigured, SandboxUnavailable) as error:
        logger.warning("no kernel template: %s", error)
        return False
    if not forkserver.usable(isolation):
        logger.info("no kernel template: %s", forkserver.why_not(isolation))
        return False
    try:
        server = forkserver.server(isolation, template_environment(isolation))
    except TemplateUnavailable:
        return False  # logged by forkserver.server
    if limits is not None:
        server.prepare_next(_template_request(limits, isolation))
    return True
