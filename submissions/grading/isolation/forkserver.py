"""The worker's side of the kernel template: one fork server per worker process.

A grading worker keeps one template (``inside/kernel_template.py``) running inside bubblewrap: an
interpreter that has imported ipykernel and the scientific stack once and warmed them up. Each
submission gets a child forked from it that builds its own sandbox and becomes that submission's
kernel, used once. This saves the interpreter start, the imports and their first-use costs
(about 3 s of CPU for a pandas + scikit-learn notebook) on every submission.

Setting ``GRADING_KERNEL_TEMPLATE``: ``auto`` (default) uses the template wherever the kernel
would run under bubblewrap as a dedicated uid (a root worker); ``off`` starts one bubblewrap
kernel per submission as before. Where the template cannot start, or dies, grading falls back
to the per-submission kernel for that submission (logged), and the template is started again
at the next submission (at most once a minute after a failed start).

The template runs as root inside its sandbox, with CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETUID,
CAP_SETGID, CAP_SETPCAP and CAP_KILL and no others, no network, no seccomp filter (it must mount and
unshare); it never runs participants' code itself and never reads a submission. Each job
lives in a spool directory the template sees at /spool: ``<spool>/jN/{work,k,kernel.log}``
(``work`` stays empty: a forked kernel's working directory is a tmpfs of its own, the disk
quota, that the worker stages the files into through /proc; docs/grading-sandbox.md).

**A kernel ahead of demand.** Besides the kernels that run, the server keeps one kernel forked
and started for the next submission (``prepare_next``, ``take_ready``): it is forked when the
worker starts and again after every run, with that run's limits, so the next submission finds a
kernel that has started already (about 0.15 s of the latency of an upload). It is still used
once: its job's working directory is empty until the submission's files are staged into it,
and it runs nothing until the submission's cells arrive. A waiting kernel that died, or that was
forked with other limits or another environment than the submission needs, is killed and a
fresh one forked at once.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import queue
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from jupyter_client.connect import write_connection_file

from platform.observability.metrics import TEMPLATE_RESTARTS
from submissions.grading.isolation import seccomp, spool
from submissions.grading.isolation.sandbox import (
    INSIDE_SOURCE,
    KERNEL_ROOT,
    SANDBOX_HOME,
    SANDBOX_SHM,
    SANDBOX_TMP,
    SYSTEM_PATH,
    BwrapArgs,
    Isolation,
    font_cache_dir,
    sandbox_interpreter,
    short_run_base,
    write_etc,
)

logger = logging.getLogger("submissions.grading")

TEMPLATE_SETTING = "GRADING_KERNEL_TEMPLATE"
TEMPLATE_MODES = ("auto", "off")
SPOOL_INSIDE = "/spool"
RUN_INSIDE = "/run/kernel"
MPLCONFIG_INSIDE = f"{KERNEL_ROOT}/mplconfig"
TEMPLATE_INSIDE = f"{KERNEL_ROOT}/template.py"
TEMPLATE_SOURCE = INSIDE_SOURCE / "kernel_template.py"
CAPABILITIES = (
    "CAP_SYS_ADMIN",  # unshare, mount
    "CAP_NET_ADMIN",  # bring up lo in each child's network namespace
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_SETPCAP",  # drop the bounding set
    "CAP_KILL",  # its children once they run as the grading uid
)
_START_TIMEOUT_S = 120.0
_REPLY_TIMEOUT_S = 20.0
_RETRY_S = 60.0
_TEMPLATE_TMPFS = 16 * 1024 * 1024


class TemplateUnavailable(RuntimeError):
    """The template could not be started or could not fork; the message says why."""


def template_mode(environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get(TEMPLATE_SETTING, "").strip().lower() or "auto"
    return value if value in TEMPLATE_MODES else "auto"


def usable(isolation: Isolation, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this worker's kernels come from a template (bubblewrap, root, a grading uid)."""
    return (
        template_mode(environ) == "auto"
        and isolation.kind == "bwrap"
        and isolation.uid is not None
        and isolation.gid is not None
        and os.geteuid() == 0
    )


def why_not(isolation: Isolation, environ: Mapping[str, str] = os.environ) -> str:
    """Why this worker's kernels do not come from a template (for the worker's log)."""
    if template_mode(environ) != "auto":
        return f"{TEMPLATE_SETTING}=off; one bubblewrap kernel per submission"
    if isolation.kind != "bwrap":
        return "the grading sandbox is off"
    if isolation.uid is None or os.geteuid() != 0:
        return "the worker is not root (the template needs to mount and switch uids)"
    return "it is in use"


def _host_pid(namespace: str, inner: int) -> int | None:
    """The host pid of the process that is ``inner`` in the template's pid namespace."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
            if os.readlink(f"/proc/{name}/ns/pid") != namespace:
                continue
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:"):
                pids = line.split()[1:]
                if len(pids) >= 2 and pids[1] == str(inner):
                    return int(name)
    return None


class ForkedKernel:
    """A forked kernel as jupyter_client and ``_KernelHandle`` see a Popen: pid, poll, wait.

    ``pid`` is the child of the template that built the sandbox (its process group leader,
    like bwrap); its one child is the sandbox's init. The exit status comes from the template,
    which is its parent.
    """

    def __init__(self, server: ForkServer, inner: int, pid: int) -> None:
        self.server = server
        self.inner = inner
        self.pid = pid
        self.returncode: int | None = None
        # Popen's pipes, which jupyter_client closes after the kernel's end: there are none.
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.exit_status(self.inner)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise subprocess.TimeoutExpired("forked kernel", timeout or 0)
            self.server.wait_exit(self.inner, remaining)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


@dataclass(frozen=True)
class Job:
    """One submission's directories in the spool: ``work`` (the working directory of a fallback
    kernel of its own without bubblewrap; a forked kernel has a tmpfs instead), ``k`` (sockets)."""

    name: str
    root: Path

    @property
    def workdir(self) -> Path:
        return self.root / "work"

    @property
    def socket_dir(self) -> Path:
        return self.root / "k"

    @property
    def log(self) -> Path:
        return self.root / "kernel.log"


@dataclass(frozen=True)
class ForkedJob:
    """A job whose kernel is forked: the process, the request it was forked with, and the
    connection as the worker sees it (the kernel's own copy of the file names RUN_INSIDE)."""

    job: Job
    kernel: ForkedKernel
    request: Mapping[str, Any]
    connection: dict[str, Any]


class ForkServer:
    """One running template, its spool, and the bookkeeping of its children."""

    def __init__(self, isolation: Isolation, environment: Mapping[str, str]) -> None:
        assert isolation.uid is not None and isolation.gid is not None
        self.isolation = isolation
        self.uid, self.gid = isolation.uid, isolation.gid
        self.environment = dict(environment)
        self.spool = spool.make_dir("grs-", parent=short_run_base())
        self.spool.chmod(0o711)
        self.process: subprocess.Popen[bytes] | None = None
        self.namespace = ""
        self.info: dict[str, Any] = {}
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._changed = threading.Condition()
        self._lock = threading.Lock()
        self._jobs = 0
        # The kernel forked ahead for the next submission; its lock is taken before _lock.
        self._ready: ForkedJob | None = None
        self._ready_lock = threading.Lock()
        self._seccomp = seccomp.program().hex() if seccomp.supported() else ""

    # -- start and stop ------------------------------------------------------------------------

    def command(self) -> list[str]:
        interpreter = sandbox_interpreter()
        etc = write_etc(self.spool / ".etc", self.uid, self.gid)
        args = BwrapArgs(private_user_namespace=False)
        args.args.append("--clearenv")
        environment = dict(self.environment)
        if "MPLCONFIGDIR" in environment:
            # The template builds the shared font list there; its kernels copy it.
            environment["MPLCONFIGDIR"] = MPLCONFIG_INSIDE
        for name, value in environment.items():
            args.args += ["--setenv", name, value]
        for capability in CAPABILITIES:
            args.args += ["--cap-add", capability]
        args.system()
        args.tmpfs(SANDBOX_SHM, _TEMPLATE_TMPFS)
        cfg = None
        if interpreter.pyvenv_cfg:
            cfg = self.spool / ".pyvenv.cfg"
            cfg.write_text(interpreter.pyvenv_cfg)
            cfg.chmod(0o644)
        args.kernel_code(interpreter, cfg)  # with the launcher, which the template loads
        args.ro_bind(str(TEMPLATE_SOURCE), TEMPLATE_INSIDE)
        fonts = font_cache_dir()
        if fonts is not None:
            args.bind(str(fonts), MPLCONFIG_INSIDE)  # read-only in every child
        args.etc(etc)
        args.tmpfs(SANDBOX_TMP, _TEMPLATE_TMPFS)
        args.directory(SANDBOX_HOME)
        args.directory(RUN_INSIDE)
        args.bind(str(self.spool), SPOOL_INSIDE)
        args.args += ["--chdir", "/"]
        return [
            self.isolation.bwrap,
            *args.args,
            "--",
            interpreter.executable,
            "-s",
            "-P",
            TEMPLATE_INSIDE,
        ]

    def start(self) -> None:
        log = (self.spool / "template.log").open("ab")
        try:
            self.process = subprocess.Popen(  # our own command
                self.command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env={"PATH": SYSTEM_PATH},
                start_new_session=True,
            )
        finally:
            log.close()
        reader = threading.Thread(
            target=self._read, args=(self.process.stdout,), name="kernel-template", daemon=True
        )
        reader.start()
        try:
            ready = self._replies.get(timeout=_START_TIMEOUT_S)
        except queue.Empty:
            self.stop()
            raise TemplateUnavailable(f"it did not start within {_START_TIMEOUT_S:g} s") from None
        if not ready.get("ready"):
            reason = ready.get("error") or self.log_tail() or "it exited"
            self.stop()
            raise TemplateUnavailable(str(reason))
        self.info = ready
        template = self._template_pid()
        self.namespace = os.readlink(f"/proc/{template}/ns/pid") if template else ""
        if not self.namespace:
            self.stop()
            raise TemplateUnavailable("its pid namespace could not be found")

    def _template_pid(self) -> int | None:
        """bwrap's child is the namespace's init; the template is that init's child."""
        if self.process is None:
            return None
        init = _child_of(self.process.pid)
        return _child_of(init) if init is not None else None

    def _read(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        for line in stream:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            if "exit" in message:
                with self._changed:
                    self._exits[int(message["exit"])] = int(message.get("status", 1))
                    self._changed.notify_all()
            else:
                self._replies.put(message)
        self._replies.put({"error": "the template exited"})
        with self._changed:
            self._changed.notify_all()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        self._ready = None  # the template's sandbox takes its children along
        process, self.process = self.process, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        with self._changed:
            self._changed.notify_all()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.spool, ignore_errors=True)

    def log_tail(self, limit: int = 2000) -> str:
        try:
            return (self.spool / "template.log").read_text(errors="replace")[-limit:].strip()
        except OSError:
            return ""

    # -- jobs ----------------------------------------------------------------------------------

    def new_job(self) -> Job:
        """A job's directories: root-owned 0711 above, the grading uid's 0700 work and k."""
        with self._lock:
            self._jobs += 1
            name = f"j{self._jobs}"
        job = Job(name, self.spool / name)
        job.root.mkdir(mode=0o711)
        for path in (job.workdir, job.socket_dir):
            path.mkdir(mode=0o700)
            os.chown(path, self.uid, self.gid)
        job.log.touch(mode=0o600)
        return job

    def spawn(self, job: Job, request: Mapping[str, Any]) -> ForkedKernel:
        """Fork a kernel for ``job``; raises TemplateUnavailable when the template cannot."""
        message = dict(request, op="spawn", job=job.name, seccomp=self._seccomp)
        with self._lock:
            process = self.process
            if process is None or process.poll() is not None or process.stdin is None:
                raise TemplateUnavailable("the template is not running")
            try:
                process.stdin.write(json.dumps(message).encode() + b"\n")
                process.stdin.flush()
            except OSError as error:
                raise TemplateUnavailable(f"the template does not listen ({error})") from None
            try:
                reply = self._replies.get(timeout=_REPLY_TIMEOUT_S)
            except queue.Empty:
                # A late answer would be taken for the next request's: this template is done.
                self.stop()
                raise TemplateUnavailable("the template did not answer") from None
        if "pid" not in reply:
            raise TemplateUnavailable(str(reply.get("error") or "the template refused"))
        inner = int(reply["pid"])
        pid = _host_pid(self.namespace, inner)
        if pid is None:
            status = self.exit_status(inner)
            raise TemplateUnavailable(f"the forked kernel ended at once (status {status})")
        return ForkedKernel(self, inner, pid)

    def fork(self, job: Job, request: Mapping[str, Any]) -> ForkedJob:
        """Write ``job``'s connection file (a fresh key, ipc sockets in ``k``) and fork its kernel.

        The kernel reads the file as it starts and binds its sockets where it sees the job's
        socket directory (RUN_INSIDE); the worker connects to the same sockets through the spool.
        """
        connection_file = job.socket_dir / "kernel.json"
        _, info = write_connection_file(
            str(connection_file),
            transport="ipc",
            ip=str(job.socket_dir / "kernel"),
            key=secrets.token_hex(32).encode(),
            kernel_name="python3",
        )
        connection = dict(info)
        os.chown(connection_file, self.uid, self.gid)  # 0600: the kernel's uid and nobody else
        connection_file.write_text(json.dumps(dict(connection, ip=f"{RUN_INSIDE}/kernel")))
        return ForkedJob(job, self.spawn(job, request), dict(request), connection)

    # -- the kernel forked ahead of demand -------------------------------------------------------

    def prepare_next(self, request: Mapping[str, Any]) -> None:
        """Fork the next submission's kernel now, so that it has started when that one comes.

        Failures are logged, never raised: the next submission then forks its own kernel.
        """
        with self._ready_lock:
            ready = self._ready
            if ready is not None and ready.request == request and ready.kernel.poll() is None:
                return
            self._ready = None
            if ready is not None:
                _discard(ready)
            if not self.alive():
                return
            try:
                job = self.new_job()
            except OSError as error:
                logger.warning("no kernel forked ahead: %s", error)
                return
            try:
                self._ready = self.fork(job, request)
            except (TemplateUnavailable, OSError) as error:
                # A template stopped meanwhile (the worker's end, a test) is no news.
                log = logger.warning if self.alive() else logger.info
                log("no kernel forked ahead: %s", error)
                shutil.rmtree(job.root, ignore_errors=True)

    def prepare_next_soon(self, request: Mapping[str, Any]) -> None:
        """``prepare_next`` in a thread of its own: nobody waits for it (``take_ready`` does,
        if it comes while the fork is under way)."""
        threading.Thread(
            target=self.prepare_next, args=(dict(request),), name="kernel-ahead", daemon=True
        ).start()

    def take_ready(self, request: Mapping[str, Any]) -> ForkedJob | None:
        """The kernel forked ahead, if it is alive and was forked with ``request``; it is
        then this caller's alone. Otherwise None (a stale one is killed and removed)."""
        with self._ready_lock:
            ready, self._ready = self._ready, None
        if ready is None:
            return None
        if ready.request != request or ready.kernel.poll() is not None:
            _discard(ready)
            return None
        return ready

    def ready_kernel(self) -> ForkedKernel | None:
        """The kernel waiting for the next submission (for the worker's checks and tests)."""
        ready = self._ready
        return ready.kernel if ready is not None else None

    def exit_status(self, inner: int) -> int | None:
        with self._changed:
            status = self._exits.get(inner)
        if status is None and not self.alive():
            return 128 + signal.SIGKILL  # the template's sandbox took its children along
        return status

    def wait_exit(self, inner: int, timeout: float | None) -> None:
        with self._changed:
            if inner not in self._exits and self.alive():
                self._changed.wait(0.1 if timeout is None else min(timeout, 0.1))


def _discard(ready: ForkedJob) -> None:
    """Kill a kernel that will not be used and remove its job."""
    ready.kernel.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        ready.kernel.wait(timeout=5)
    shutil.rmtree(ready.job.root, ignore_errors=True)


def _child_of(parent: int) -> int | None:
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            return int(name)
    return None


# -- the worker's one template -----------------------------------------------------------------

_server: ForkServer | None = None
_server_lock = threading.Lock()
_failed_at: float | None = None
_failure = ""
_exit_hook: list[bool] = []


def _key(isolation: Isolation, environment: Mapping[str, str]) -> tuple[Any, ...]:
    return (isolation, tuple(sorted(environment.items())), str(sandbox_interpreter().executable))


def server(isolation: Isolation, environment: Mapping[str, str]) -> ForkServer:
    """This process's running template, started (or restarted) when needed.

    Raises TemplateUnavailable where it cannot run; a failed start is retried after a minute.
    """
    global _server, _failed_at, _failure  # one template per worker process
    with _server_lock:
        current = _server
        if current is not None and _key(current.isolation, current.environment) != _key(
            isolation, environment
        ):
            current.remove()
            current = _server = None
        if current is not None and current.alive():
            return current
        if current is not None:
            status = current.process.poll() if current.process is not None else None
            logger.warning(
                "the kernel template died (status %s); starting a new one. %s",
                status,
                current.log_tail(500),
            )
            current.remove()
            _server = None
            TEMPLATE_RESTARTS.inc()
        if _failed_at is not None and time.monotonic() - _failed_at < _RETRY_S:
            raise TemplateUnavailable(_failure)
        fresh = ForkServer(isolation, environment)
        started = time.monotonic()
        try:
            fresh.start()
        except (TemplateUnavailable, OSError) as error:
            fresh.remove()
            _failed_at, _failure = time.monotonic(), str(error)
            logger.warning(
                "the kernel template could not start (%s); grading falls back to one "
                "bubblewrap kernel per submission",
                error,
            )
            raise TemplateUnavailable(str(error)) from None
        _failed_at = None
        if not _exit_hook:
            _exit_hook.append(True)
            atexit.register(shutdown)  # the spool goes with the worker (a SIGKILL leaves it)
        logger.info(
            "kernel template ready in %.1f s (pre-imported: %s)",
            time.monotonic() - started,
            ", ".join(fresh.info.get("imported", [])),
        )
        _server = fresh
        return fresh


def current() -> ForkServer | None:
    return _server


def shutdown() -> None:
    """Stop this process's template (tests, and the worker on its way out)."""
    global _server, _failed_at
    with _server_lock:
        if _server is not None:
            _server.remove()
        _server = None
        _failed_at = None
