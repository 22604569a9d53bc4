"""Executing a prepared notebook: one fresh, limited, sandboxed kernel per submission.

The kernel is forked from the worker's kernel template where it runs (``forkserver.py``), else
started on its own (``launch.py``); either way in the sandbox described in
docs/grading-sandbox.md. nbclient drives execution (``allow_errors``, per-cell timeout with
interrupt; ``client.py``); a watchdog kills the kernel at the notebook deadline, and everything
the kernel started is killed at the end (``processes.py``; under bubblewrap the kernel's pid
namespace dies with it, detached processes included). The submission's files are staged once
the kernel runs (``staging.py``), and a run that ends early gets its reason (``death.py``).
Execution runs in a thread of its own with its own event loop, so nbclient never installs
signal handlers in the worker's main thread and a running event loop is never in the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import os
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import nbformat

from courses.nbgrader import Notebook
from courses.plain_i18n import Message, gettext_lazy, ngettext_lazy
from platform.observability.metrics import KERNEL_FAILURES
from submissions.grading.isolation import forkserver
from submissions.grading.isolation.client import (
    GradingClient,
    GradingKernelManager,
    kernel_manager,
    watch_connections,
)
from submissions.grading.isolation.death import why_stopped
from submissions.grading.isolation.forkserver import ForkServer, TemplateUnavailable
from submissions.grading.isolation.launch import (
    kernel_command,
    kernel_environment,
    prepare_run,
    template_request,
)
from submissions.grading.isolation.processes import REAP_TIMEOUT_S, KernelHandle
from submissions.grading.isolation.rundirs import RunDirs
from submissions.grading.isolation.sandbox import (
    SYSTEM_PATH,
    Isolation,
    bwrap_arguments,
    resolve_isolation,
    sandbox_interpreter,
)
from submissions.grading.isolation.staging import Stage, megabytes, stage_files
from submissions.grading.report import GradingLimits, MiB, clip, clip_tail

logger = logging.getLogger("submissions.grading")

KERNEL_LOG_LIMIT = 4_000
# Time given to nbclient to notice a killed kernel before its coroutine is cancelled.
_DEADLINE_GRACE_S = 15.0


@dataclass
class Execution:
    """What running a notebook gave the engine: the executed notebook and what happened."""

    notebook: Notebook
    interrupted: set[int] = field(default_factory=set)
    truncated: set[int] = field(default_factory=set)
    # Empty when every cell ran; otherwise why the notebook as a whole could not be graded.
    error: Message = field(default_factory=Message)
    kernel_log: str = ""
    # Processes of the kernel still running after it was stopped, killed then (should be 0).
    leftovers: int = 0
    # How the kernel was made, for the run's log ("forked from the kernel template", ...).
    notes: list[str] = field(default_factory=list)
    # The kernel never answered: nothing of the notebook ran.
    start_failed: bool = False


async def _start(
    km: GradingKernelManager,
    client: GradingClient,
    *,
    workdir: Path,
    env: dict[str, str],
    log: IO[bytes],
    limits: GradingLimits,
    handle: KernelHandle,
    pass_fds: tuple[int, ...],
) -> Message:
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
        return ngettext_lazy(
            "The Python kernel did not start within %(n)s second.",
            "The Python kernel did not start within %(n)s seconds.",
            limits.kernel_startup_timeout_s,
        )
    except Exception as error:  # noqa: BLE001 - every failure to start is a reason, worded
        return gettext_lazy(
            "The Python kernel could not be started (%(error)s).", error=type(error).__name__
        )
    return Message()


async def _watchdog(delay: float, handle: KernelHandle) -> None:
    await asyncio.sleep(delay)
    handle.deadline_hit = True
    handle.kill()


async def _run(client: GradingClient, limits: GradingLimits, handle: KernelHandle) -> Message:
    watchdog = asyncio.create_task(_watchdog(limits.notebook_timeout_s, handle))
    watcher = asyncio.create_task(watch_connections(client, handle))
    try:
        async with asyncio.timeout(limits.notebook_timeout_s + _DEADLINE_GRACE_S):
            await client.async_execute()
    except Exception as error:  # noqa: BLE001 - every way a run ends is a reason, worded
        return why_stopped(error, client, handle, limits)
    finally:
        watchdog.cancel()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    return Message()


async def _stop(km: GradingKernelManager, client: GradingClient, handle: KernelHandle) -> None:
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


async def _execute_forked(
    notebook: Notebook,
    *,
    server: ForkServer,
    job: forkserver.Job,
    ready: forkserver.ForkedJob | None,
    limits: GradingLimits,
    isolation: Isolation,
    handle: KernelHandle,
    stage: Stage,
) -> Execution | str:
    """Run the notebook in a kernel forked from the template; the reason when it could not.

    ``ready`` is the kernel forked ahead for this job, started already; without it, one is
    forked now.
    """
    if ready is None:
        request = template_request(limits, isolation)
        try:
            ready = await asyncio.to_thread(server.fork, job, request)
        except TemplateUnavailable as error:
            return str(error)
        note = "kernel: forked from the kernel template"
    else:
        note = "kernel: forked from the kernel template ahead of the submission"
    km = kernel_manager(
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
    handle: KernelHandle,
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
    handle: KernelHandle,
    stage: Stage,
) -> Execution:
    paths = prepare_run(rundir, workdir, isolation)
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
    handle: KernelHandle,
    stage: Stage,
    command: list[str],
    env: dict[str, str],
    pass_fds: tuple[int, ...],
    connection_file: Path,
    km: GradingKernelManager | None = None,
) -> Execution:
    if km is None:
        km = kernel_manager(limits, connection_file, command, handle, isolation)
    client = GradingClient(
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
                error = stage_files(stage, workdir, isolation, handle, limits, notes)
            if not error:
                error = await _run(client, limits, handle)
                if client.disk_full_cell is not None:
                    notes.append(
                        f"cell {client.disk_full_cell + 1} used up the disk quota "
                        f"({megabytes(limits.disk_bytes)}); the kernel was stopped"
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
    handle = KernelHandle(sandboxed=isolation.kind == "bwrap")
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
        except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
            failures.append(error)

    # The kernel is started from this thread; bwrap's --die-with-parent follows the thread,
    # which lives until the kernel is gone.
    # In this job's context, so what the thread logs carries the job's request id.
    thread = threading.Thread(
        target=contextvars.copy_context().run, args=(target,), name="grading-kernel", daemon=True
    )
    thread.start()
    thread.join(
        limits.kernel_startup_timeout_s
        + limits.notebook_timeout_s
        + 4 * _DEADLINE_GRACE_S
        + REAP_TIMEOUT_S
    )
    if thread.is_alive():
        handle.kill()
        thread.join(_DEADLINE_GRACE_S)
        KERNEL_FAILURES.labels(stage="hung").inc()
        return Execution(
            notebook=notebook,
            error=gettext_lazy("The grader stopped responding while running the notebook."),
        )
    if run is not None and run.server is not None:
        # The next submission's kernel starts now, while nobody waits for it.
        run.server.prepare_next_soon(template_request(limits, isolation))
    if failures:
        raise failures[0]
    if results[0].error:
        KERNEL_FAILURES.labels(stage="start" if results[0].start_failed else "run").inc()
    return results[0]
