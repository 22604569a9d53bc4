"""Executing a prepared notebook: one fresh, resource-limited kernel per submission.

The kernel is this interpreter started in a scrubbed environment through a tiny launcher that
sets resource limits and then ``exec``s ipykernel, so the limits bind the kernel itself and the
kernel keeps the launcher's pid (and process group, which is what interrupts and kills target).
It never depends on the user's kernelspec directories.

nbclient drives execution (``allow_errors``, per-cell timeout with interrupt); a watchdog kills
the kernel's process group at the notebook deadline, and the group is always killed at the end.
Execution runs in a thread of its own with its own event loop, so nbclient never installs
signal handlers in the worker's main thread and a running event loop is never in the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import nbformat
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from courses.nbgrader import Notebook
from submissions.grading.report import GradingLimits, clip, clip_tail, seconds

KERNEL_LOG_LIMIT = 4_000
_TRIMMED_TEXT = 1_000
# Time given to nbclient to notice a killed kernel before its coroutine is cancelled.
_DEADLINE_GRACE_S = 15.0
_SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
_PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# Runs as ``python -I -c``; sets the limits, then becomes the kernel. The kernel itself runs
# with -s -P, which is -I minus -E: its environment is built from scratch anyway, and -E would
# make it ignore PYTHONHASHSEED (deterministic hashing keeps grading reproducible). -P keeps the
# working directory, and so the project, off sys.path. No braces here: jupyter_client formats
# every kernel argument as a template.
_LAUNCHER = """\
import os, resource, sys
for name, soft, hard in LIMITS:
    kind = getattr(resource, name)
    _, current = resource.getrlimit(kind)
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
        soft = min(soft, hard)
    resource.setrlimit(kind, (soft, hard))
os.execv(sys.executable, [sys.executable, "-s", "-P", "-m", "ipykernel_launcher"] + sys.argv[1:])
"""


def kernel_command(limits: GradingLimits) -> list[str]:
    cpu = math.ceil(limits.notebook_timeout_s + limits.kernel_startup_timeout_s) + 10
    rlimits = [
        ("RLIMIT_CPU", cpu, cpu + 5),
        ("RLIMIT_AS", limits.memory_bytes, limits.memory_bytes),
        ("RLIMIT_FSIZE", limits.file_size_bytes, limits.file_size_bytes),
        ("RLIMIT_NOFILE", limits.open_files, limits.open_files),
        ("RLIMIT_CORE", 0, 0),
    ]
    code = _LAUNCHER.replace("LIMITS", repr(rlimits))
    return [sys.executable, "-I", "-c", code, "-f", "{connection_file}"]


def kernel_environment(workdir: Path) -> dict[str, str]:
    """Everything the kernel gets from us; no secret or setting of the worker leaks in."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:{_SYSTEM_PATH}",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    for name in _PASSED_THROUGH:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


class _GradingKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel spec is ours, never one found on disk."""

    grading_spec: KernelSpec | None = None

    @property
    def kernel_spec(self) -> KernelSpec | None:
        return self.grading_spec


def _kernel_manager(limits: GradingLimits, connection_file: Path) -> _GradingKernelManager:
    # "python3" makes jupyter_client and nbclient treat the kernel as ipykernel.
    # IPC sockets live in the private run directory: no TCP port any local process could reach.
    manager = _GradingKernelManager(
        kernel_name="python3",
        connection_file=str(connection_file),
        transport="ipc",
        ip=str(connection_file.with_name("kernel")),
    )
    manager.grading_spec = KernelSpec(
        argv=kernel_command(limits),
        display_name="Python 3 (autograder)",
        language="python",
        interrupt_mode="signal",
        env={},
        metadata={},
    )
    return manager


class _KernelHandle:
    """What the watchdog and the outer thread need to stop a kernel, whatever state it is in."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.pgid: int | None = None
        self.deadline_hit = False

    def attach(self, provisioner: Any) -> None:
        self.process = getattr(provisioner, "process", None)
        pgid = getattr(provisioner, "pgid", None)
        self.pgid = pgid if isinstance(pgid, int) else getattr(self.process, "pid", None)

    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def kill(self) -> None:
        # Linux does not reuse a pid while a process group of that id has members, so this
        # reaches the kernel and whatever it spawned, and nothing else.
        if self.pgid is None:
            return
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


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
        self.handle = handle
        self.current_cell: int | None = None
        self.interrupted: set[int] = set()
        self.stuck_cell: int | None = None
        self.truncated: set[int] = set()
        self.output_bytes: dict[int, int] = {}

    async def async_execute_cell(
        self,
        cell: NotebookNode,
        cell_index: int,
        execution_count: int | None = None,
        store_history: bool = True,
    ) -> NotebookNode:
        self.current_cell = cell_index
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    async def _async_handle_timeout(
        self, timeout: int, cell: NotebookNode | None = None
    ) -> None | dict[str, Any]:
        if cell is None or self.current_cell is None:
            return None  # a wait outside any cell (kernel_info): nothing to interrupt
        index = self.current_cell
        if index in self.interrupted:
            # A second timeout on the same cell: it ignored the interrupt (a C loop, a signal
            # handler). Nothing short of killing the kernel ends it.
            self.stuck_cell = index
            self.handle.kill()
            raise DeadKernelError("the cell did not stop when interrupted")
        self.interrupted.add(index)
        return await super()._async_handle_timeout(timeout, cell)

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


@dataclass
class Execution:
    notebook: Notebook
    interrupted: set[int] = field(default_factory=set)
    truncated: set[int] = field(default_factory=set)
    # Empty when every cell ran; otherwise why the notebook as a whole could not be graded.
    error: str = ""
    kernel_log: str = ""


def _describe_death(handle: _KernelHandle, cell: int | None, limits: GradingLimits) -> str:
    where = f" while running cell {cell + 1}" if cell is not None and cell >= 0 else ""
    code = handle.returncode()
    if code == -signal.SIGXCPU:
        return f"The kernel used up its CPU time{where} and was stopped."
    if code == -signal.SIGXFSZ:
        megabytes = limits.file_size_bytes // (1024 * 1024)
        return f"The notebook wrote a file larger than {megabytes} MB{where}."
    if code is None or code == -signal.SIGKILL:
        return f"The kernel died{where} (out of memory?)."
    if code < 0:
        return f"The kernel died{where} (signal {-code})."
    return f"The kernel died{where}: its process exited with status {code}."


async def _start(
    km: _GradingKernelManager,
    client: _GradingClient,
    *,
    workdir: Path,
    log: IO[bytes],
    limits: GradingLimits,
    handle: _KernelHandle,
) -> str:
    try:
        async with asyncio.timeout(limits.kernel_startup_timeout_s):
            await km.start_kernel(
                cwd=str(workdir),
                env=kernel_environment(workdir),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                extra_arguments=["--HistoryManager.hist_file=:memory:"],
            )
            handle.attach(km.provisioner)
            await client.async_start_new_kernel_client()
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
    try:
        async with asyncio.timeout(limits.notebook_timeout_s + _DEADLINE_GRACE_S):
            await client.async_execute()
    except Exception as error:
        if handle.deadline_hit or isinstance(error, TimeoutError):
            return f"The notebook did not finish within {seconds(limits.notebook_timeout_s)}."
        if client.stuck_cell is not None:
            return (
                f"Cell {client.stuck_cell + 1} did not stop when it was interrupted after "
                f"{seconds(limits.cell_timeout_s)}, so the kernel was stopped."
            )
        if isinstance(error, DeadKernelError):
            return _describe_death(handle, client.current_cell, limits)
        return f"The notebook could not be run ({type(error).__name__})."
    finally:
        watchdog.cancel()
    return ""


async def _stop(km: _GradingKernelManager, client: _GradingClient, handle: _KernelHandle) -> None:
    if client.kc is not None:
        client.kc.stop_channels()
        client.kc = None
    handle.kill()
    # The process is gone already; only jupyter_client's bookkeeping can fail here.
    with contextlib.suppress(Exception):
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    km.cleanup_connection_file()
    if not km.context.closed:
        km.context.destroy(linger=0)


async def _execute(
    notebook: Notebook, *, workdir: Path, rundir: Path, limits: GradingLimits, handle: _KernelHandle
) -> Execution:
    km = _kernel_manager(limits, rundir / "kernel.json")
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
    with log_path.open("wb") as log:
        try:
            error = await _start(km, client, workdir=workdir, log=log, limits=limits, handle=handle)
            if not error:
                error = await _run(client, limits, handle)
        finally:
            await _stop(km, client, handle)
    return Execution(
        notebook=client.nb,
        interrupted=client.interrupted,
        truncated=client.truncated,
        error=error,
        kernel_log=_read_tail(log_path, KERNEL_LOG_LIMIT),
    )


def _read_tail(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - limit * 4))
            text = file.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return clip_tail(text, limit)


def execute(notebook: Notebook, *, workdir: Path, rundir: Path, limits: GradingLimits) -> Execution:
    """Run every cell of ``notebook`` in a fresh kernel with ``workdir`` as its working directory.

    ``rundir`` (private to the worker) receives the connection file and the kernel's own log.
    """
    handle = _KernelHandle()
    results: list[Execution] = []
    failures: list[BaseException] = []

    def target() -> None:
        try:
            results.append(
                asyncio.run(
                    _execute(notebook, workdir=workdir, rundir=rundir, limits=limits, handle=handle)
                )
            )
        except BaseException as error:  # handed to the calling thread
            failures.append(error)

    thread = threading.Thread(target=target, name="grading-kernel", daemon=True)
    thread.start()
    thread.join(limits.kernel_startup_timeout_s + limits.notebook_timeout_s + 4 * _DEADLINE_GRACE_S)
    if thread.is_alive():
        handle.kill()
        thread.join(_DEADLINE_GRACE_S)
        return Execution(
            notebook=notebook,
            error="The grader stopped responding while running the notebook.",
        )
    if failures:
        raise failures[0]
    return results[0]
