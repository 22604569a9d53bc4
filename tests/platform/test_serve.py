"""``bin/serve`` starts the production topology: nginx in front of gunicorn and a grading worker.

One real ``bin/serve`` on free ports and the test's database: nginx serves the static files
and, after Django's access check, a participant's notebook through X-Accel-Redirect with the
download's headers; its internal location is never reachable from outside; probes and pages
pass through; the worker reports in; Ctrl+C stops everything. Runs in CI, where .ci/run
installs nginx (docs/operations.md, "The production topology").
"""

import io
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from platform.blobs import blob_name
from platform.models import WorkerHeartbeat
from platform.serving import Topology
from tests.conftest import ROOT, database_url_for_worker
from tests.helpers import participant_notebook, submit
from tests.platform.test_rate_limits import free_port

LONG = 90.0  # seconds: only reached when something never comes up

pytestmark = pytest.mark.servers


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str, *, session: str = "") -> Answer:
        request = urllib.request.Request(self.base + path)  # noqa: S310 - our own nginx
        if session:
            request.add_header("Cookie", f"{django_settings.SESSION_COOKIE_NAME}={session}")
        try:
            with urllib.request.urlopen(request, timeout=LONG) as response:  # noqa: S310
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())


def nginx_available() -> bool:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not found and os.environ.get("CI"):
        pytest.fail("nginx is missing in CI: .ci/run installs Debian's package")
    return bool(found)


@pytest.fixture
def served(transactional_db: None, database_tasks: None, tmp_path: Path) -> Iterator[Served]:
    if not nginx_available():
        pytest.skip("nginx is not installed here (Debian: apt-get install nginx; CI has it)")
    port, log = free_port(), tmp_path / "serve.log"
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "DATABASE_URL": database_url_for_worker(),
        "VAR_DIR": str(tmp_path / "var"),
        "PRIVATE_FILES_ROOT": str(django_settings.STORAGES["private"]["OPTIONS"]["location"]),
        # A UNIX socket's path must stay short; the worktree's var/ is.
        "DOORBELL_DIR": str(django_settings.DOORBELL_DIR),
        "PORT": str(port),
        "BACKEND_PORT": str(free_port()),
        "WEB_WORKERS": "2",
        "GRADING_WORKERS": "1",
        "REDIS_URL": "",
    }
    process = subprocess.Popen(
        [str(ROOT / "bin" / "serve")],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    served = Served(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + LONG
    while "Open http" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"bin/serve did not come up:\n{log.read_text()}")
        time.sleep(0.2)
    yield served
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=LONG)
        except subprocess.TimeoutExpired:
            process.kill()  # its processes get SIGTERM from the kernel (PR_SET_PDEATHSIG)
            process.wait()


def session_of(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return str(client.cookies[django_settings.SESSION_COOKIE_NAME].value)


def test_bin_serve_puts_nginx_in_front_of_the_platform(
    served: Served, enrolled: Any, other_enrolled: Any, assignment: Any
) -> None:
    notebook = participant_notebook()
    submission = submit(enrolled, assignment, notebook=notebook)
    # The worker would grade it meanwhile; this test is about serving, not grading.
    DBTaskResult.objects.all().delete()
    download = reverse("submissions:download", args=[submission.pk])

    static = served.get("/static/css/app.css")
    assert static.status == 200
    assert static.headers["Server"] == "nginx"
    assert static.body == (ROOT / "platform" / "static" / "css" / "app.css").read_bytes()

    owner = served.get(download, session=session_of(enrolled))
    assert owner.status == 200, owner.body[:500]
    assert owner.body == notebook
    assert owner.headers["Server"] == "nginx"
    assert owner.headers["Content-Type"] == "application/octet-stream"
    assert owner.headers["Content-Disposition"] == (
        f'attachment; filename="{assignment.slug}-attempt-1.ipynb"'
    )
    assert owner.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in owner.headers["Content-Security-Policy"]
    assert owner.headers["X-Request-ID"]
    assert "X-Accel-Redirect" not in owner.headers

    assert served.get(download, session=session_of(other_enrolled)).status == 404
    internal = django_settings.PRIVATE_FILES_ACCEL_PREFIX + blob_name(submission.notebook_sha256)
    direct = served.get(internal, session=session_of(enrolled))
    assert direct.status == 404
    assert notebook not in direct.body

    health = served.get("/healthz")
    assert (health.status, json.loads(health.body)) == (200, {"status": "alive"})
    assert health.headers["Server"] == "nginx"
    assert len(health.headers["X-Request-ID"]) == 32  # nginx's $request_id

    login = served.get(reverse("login"))
    assert login.status == 200
    assert b'name="password"' in login.body


def test_bin_serve_starts_its_grading_workers_and_stops_everything_on_ctrl_c(
    served: Served,
) -> None:
    deadline = time.monotonic() + LONG
    while True:
        readiness = json.loads(served.get("/readyz").body)  # loopback: with the detail
        alive = readiness["checks"]["workers"]["alive"]
        if len(alive) == 1:
            break
        assert time.monotonic() < deadline, served.log.read_text()
        time.sleep(0.5)
    assert alive[0]["queues"] == "*"
    # Signals stop a worker cleanly once its kernel template is up and it serves the queues.
    while "serves the queues" not in served.log.read_text():
        assert time.monotonic() < deadline, served.log.read_text()
        time.sleep(0.5)

    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=LONG) == 0, served.log.read_text()
    with pytest.raises(urllib.error.URLError):
        served.get("/healthz")
    assert not (Path(served.log.parent) / "var" / "nginx" / "nginx.pid").exists()
    assert not WorkerHeartbeat.objects.exists()  # the worker stopped cleanly, not killed


def test_the_worker_list_keeps_rendering_apart_from_grading() -> None:
    commands = Topology(grading_workers=2, render_workers=1).worker_commands()
    assert [command[1:] for command in commands] == [
        ["manage.py", "grading_worker", "--queue-name", "grading"],
        ["manage.py", "grading_worker", "--queue-name", "grading"],
        ["manage.py", "grading_worker", "--queue-name", "rendering,default"],
    ]
    # Without rendering workers the grading workers serve every queue, so nothing waits unserved.
    commands = Topology(grading_workers=2, render_workers=0).worker_commands()
    assert [command[1:] for command in commands] == [["manage.py", "grading_worker"]] * 2
    assert Topology(grading_workers=0, render_workers=0).worker_commands() == []


def test_bin_serve_stops_with_the_reason_before_starting_anything(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    if not nginx_available():
        pytest.skip("nginx is not installed here (Debian: apt-get install nginx; CI has it)")
    monkeypatch.setenv("WEB_WORKERS", "0")
    with pytest.raises(CommandError, match="WEB_WORKERS must be at least 1"):
        call_command("serve", stderr=io.StringIO())
    monkeypatch.setenv("WEB_WORKERS", "2")
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
    with pytest.raises(CommandError, match="REDIS_URL is set, but Redis does not answer"):
        call_command("serve", stderr=io.StringIO())
