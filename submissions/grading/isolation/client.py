"""jupyter_client and nbclient, adapted to a sandboxed kernel used once.

The kernel manager takes its kernel spec from us (never from the user's kernelspec
directories), adopts a kernel forked from the template instead of launching one, and refuses
any single message over the output limit on every socket; the notebook client counts output
bytes per cell, interrupts then kills a cell past its time limit, stops a notebook that filled
its disk quota, trusts the kernel's reply over the outputs for whether a cell failed, and
stops a kernel that sent a message too large to arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from pathlib import Path
from queue import Empty
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from submissions.grading.isolation.forkserver import ForkedKernel
from submissions.grading.isolation.output import (
    TRIMMED_TEXT,
    message_limit,
    trimmed_output,
    utf8_size,
)
from submissions.grading.isolation.processes import KernelHandle
from submissions.grading.isolation.sandbox import Isolation
from submissions.grading.isolation.staging import disk_full
from submissions.grading.report import GradingLimits, clip

# A dropped connection while the kernel still runs after this long was a message over the limit.
_DROP_GRACE_S = 0.5


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


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel spec is ours, never one found on disk."""

    grading_spec: KernelSpec | None = None
    connection_owner: tuple[int, int] | None = None
    handle: KernelHandle | None = None
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


def kernel_manager(
    limits: GradingLimits,
    connection_file: Path,
    command: list[str],
    handle: KernelHandle,
    isolation: Isolation,
) -> GradingKernelManager:
    # "python3" makes jupyter_client and nbclient treat the kernel as ipykernel.
    # IPC sockets live in a private run directory: no TCP port any local process could reach,
    # and the only way between worker and kernel when the kernel has no network.
    manager = GradingKernelManager(
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


class GradingClient(NotebookClient):
    """nbclient with a per-cell output cap counted here, and interrupt-then-kill on timeout."""

    def __init__(
        self, nb: NotebookNode, km: AsyncKernelManager, *, handle: KernelHandle, **kw: Any
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
        if disk_full(self.handle):
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
                    evalue=clip(str(content.get("evalue") or ""), TRIMMED_TEXT),
                    traceback=[],
                )
            )
        await super()._check_raise_for_error(cell, cell_index, exec_reply)

    def _update_display_id(self, display_id: str, msg: dict[str, Any]) -> None:
        # An update replaces earlier outputs in place, past the per-cell count: cap it alone.
        content = msg.get("content", {})
        if utf8_size(content.get("data", {})) > self.max_output_bytes or content.get(
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
        used = self.output_bytes.get(cell_index, 0) + utf8_size(out)
        self.output_bytes[cell_index] = used
        if used <= self.max_output_bytes:
            return out
        if outs and outs[-1] is out:
            small = trimmed_output(out)
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


async def watch_connections(client: GradingClient, handle: KernelHandle) -> None:
    """Stop a kernel that sent a message over ZMQ_MAXMSGSIZE.

    ZMQ drops the connection the message came on, for good: later outputs (errors included)
    or replies would never arrive, and a cell could pass for want of its error. So the kernel
    is stopped at once and the notebook fails with the reason. Honest notebooks do not get
    here: the kernel trims its own messages first (``inside/launcher.py``).
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
