"""Stopping a kernel whatever state it is in: its processes, found and killed through /proc.

Outside the sandbox the kernel leads its own process group. Under bubblewrap the launched
process is bwrap (or, for a forked kernel, the template's child); the sandbox's init (pid 1 of
the kernel's pid namespace) leads the session the kernel and its children run in, and its
death empties the namespace. Interrupts go to that process group, never to bwrap itself
(docs/grading-sandbox.md, "Facts that cost time").
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

# How long a kernel's processes may take to disappear once killed.
REAP_TIMEOUT_S = 5.0


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


class KernelHandle:
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
        deadline = time.monotonic() + REAP_TIMEOUT_S
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=REAP_TIMEOUT_S)
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
