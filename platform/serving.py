"""The production topology on one machine: nginx, gunicorn and grading workers (``bin/serve``).

The nginx configuration is rendered from ``deploy/nginx/`` with the platform's own settings
(``STATIC_ROOT``, ``PRIVATE_FILES_ROOT``, the X-Accel prefix), so the paths nginx serves are
always the paths Django writes; the same site file goes to a Debian server through
``manage.py nginx_site``. The processes are started and stopped here; what they are and why is
in docs/operations.md, "The production topology".
"""

import contextlib
import ctypes
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

TEMPLATES = Path(settings.BASE_DIR) / "deploy" / "nginx"
_LEFT_OVER = re.compile(r"@[A-Z_]+@")
STOP_SECONDS = 30.0
STARTUP_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def render(template: str, values: Mapping[str, str]) -> str:
    text = (TEMPLATES / template).read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if left := _LEFT_OVER.findall(text):
        raise ImproperlyConfigured(f"{template}: no value for {', '.join(sorted(set(left)))}")
    return text


def nginx_site(
    *,
    listen: str,
    upstream: str,
    server_name: str = "_",
    access_log: str = "/var/log/nginx/certlab.access.log",
    max_body_mb: int = 600,
) -> str:
    """The server block of ``deploy/nginx/certlab-site.conf`` for this installation."""
    return render(
        "certlab-site.conf",
        {
            "LISTEN": listen,
            "UPSTREAM": upstream,
            "SERVER_NAME": server_name,
            "ACCESS_LOG": access_log,
            "MAX_BODY_MB": str(max_body_mb),
            "STATIC_ROOT": str(settings.STATIC_ROOT),
            "PRIVATE_FILES_ROOT": str(settings.PRIVATE_FILES_ROOT),
            "ACCEL_PREFIX": settings.PRIVATE_FILES_ACCEL_PREFIX,
        },
    )


@dataclass(frozen=True, kw_only=True)
class Topology:
    """What ``bin/serve`` starts (each from the environment, see docs/operations.md)."""

    host: str = "127.0.0.1"
    port: int = 8080
    backend_port: int = 8081
    web_workers: int = 2
    grading_workers: int = 1
    # Workers for rendering and the other background work, so that a render never waits in
    # front of a grading (docs/rendering.md); with none, the grading workers serve every queue.
    render_workers: int = 1
    max_body_mb: int = 600

    def worker_commands(self) -> list[list[str]]:
        manage = [sys.executable, "manage.py", "grading_worker"]
        if not self.render_workers:
            return [manage] * self.grading_workers
        grading = [[*manage, "--queue-name", "grading"]] * self.grading_workers
        rendering = [[*manage, "--queue-name", "rendering,default"]] * self.render_workers
        return grading + rendering

    def gunicorn_command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "platform.wsgi",
            "--config",
            "python:platform.gunicorn_conf",
            "--workers",
            str(self.web_workers),
            "--bind",
            f"127.0.0.1:{self.backend_port}",
        ]


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not found:
        raise ImproperlyConfigured(
            "nginx is not installed (Debian: apt-get install nginx); bin/serve needs it"
        )
    return found


def write_nginx_config(topology: Topology, nginx_dir: Path) -> Path:
    """Render bin/serve's nginx into ``nginx_dir`` (emptied first) and return its main file."""
    shutil.rmtree(nginx_dir, ignore_errors=True)
    nginx_dir.mkdir(parents=True)
    site = nginx_site(
        listen=f"{topology.host}:{topology.port}",
        upstream=f"127.0.0.1:{topology.backend_port}",
        access_log="/dev/stdout",
        max_body_mb=topology.max_body_mb,
    )
    (nginx_dir / "certlab-site.conf").write_text(site)
    # Started as root, nginx would run its workers as nobody, who cannot read the private
    # files; they run as whoever runs bin/serve, the owner of those files.
    user_line = "user root root;" if os.geteuid() == 0 else ""
    main = render("serve-main.conf", {"NGINX_DIR": str(nginx_dir), "USER_LINE": user_line})
    config = nginx_dir / "nginx.conf"
    config.write_text(main)
    return config


def check_nginx_config(binary: str, config: Path) -> None:
    result = subprocess.run(
        [binary, "-t", "-q", "-e", "stderr", "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ImproperlyConfigured(f"nginx refuses {config}:\n{result.stderr.strip()}")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]


class Supervisor:
    """Start every process, stop all of them when one ends or on SIGINT/SIGTERM.

    The children run in sessions of their own, so Ctrl+C reaches only the supervisor, which
    stops them in order: nginx first (no new requests), then gunicorn (finishes its requests)
    and the workers (each finishes its current task).
    """

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.processes: list[Process] = []
        self.stopping = False

    def start(self, name: str, command: list[str]) -> None:
        popen = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=self.env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.processes.append(Process(name, popen))
        logger.info("started %s (pid %d)", name, popen.pid)

    def _signalled(self, signum: int, _frame: object) -> None:
        self.stopping = True

    def run(self, *, ready_url: str, on_ready: str) -> int:
        """Wait until ``ready_url`` answers, print ``on_ready``, then until the end; the exit
        status is 0 after a signal, 1 when a process ended by itself. The caller stops the
        processes (``stop``, in a ``finally``: also after an error while starting)."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._signalled)
        announced = False
        status = 0
        while not self.stopping:
            ended = [p for p in self.processes if p.popen.poll() is not None]
            if ended:
                for process in ended:
                    logger.error(
                        "%s ended (exit status %s)", process.name, process.popen.returncode
                    )
                status = 1
                break
            if not announced and _answers(ready_url):
                print(on_ready, flush=True)  # noqa: T201 - the operator's console
                announced = True
            time.sleep(0.2)
        return status

    def stop(self) -> None:
        """nginx first, so no request arrives that gunicorn would not finish; then the rest."""
        nginx = [p for p in self.processes if p.name == "nginx"]
        for group in (nginx, [p for p in self.processes if p.name != "nginx"]):
            for process in group:
                if process.popen.poll() is None:
                    process.popen.terminate()
            for process in group:
                try:
                    process.popen.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    logger.warning("%s did not stop in %.0f s; killed", process.name, STOP_SECONDS)
                    process.popen.kill()
                    process.popen.wait()

    def wait_for_port(self, name: str, port: int) -> None:
        """Until the process ``name`` listens on the loopback ``port`` (gunicorn before nginx,
        so nginx's first requests find it)."""
        process = next(p for p in self.processes if p.name == name)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and process.popen.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return
            time.sleep(0.1)
        raise ImproperlyConfigured(f"{name} did not start listening on 127.0.0.1:{port}")


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the supervisor dies, even by SIGKILL, so no process of
    a killed bin/serve keeps its port (Linux's PR_SET_PDEATHSIG; elsewhere, nothing)."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=STARTUP_SECONDS) as response:  # noqa: S310 - our own nginx
            return bool(response.status == 200)
    except OSError:
        return False


def empty_metrics_dir(directory: Path) -> None:
    """Remove the last run's samples (docs/operations.md: empty it before the processes start);
    only prometheus-client's files, in case the directory was chosen carelessly."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
