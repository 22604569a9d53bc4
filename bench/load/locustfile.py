"""The deadline rush, as Locust users (``bench/load_test.py`` prepares the site and runs this).

The driver writes a plan (JSON, path in ``LOAD_PLAN``): the base URL, the paths, when each
participant uploads (seconds after ``t0``, a wall-clock time), the instructors' session
cookies, the certificates to verify and when. Three kinds of user, each a fixed number:

* ``Participant``: logs in through the log-in form shortly before its moment, opens the
  assignment page, sends its upload form as htmx does (``bench/upload_to_score.py``: CSRF
  token, ``HX-Request``), loads the submission page it is sent to and polls the grading
  region at the interval the region names until ``data-status`` is ``graded``; then stops.
* ``Instructor``: browses the grading queue of the cohort and opens a submission from it, with
  a few seconds' thought between pages, until the driver ends the run.
* ``Verifier``: takes the next verification of the plan when it is due and opens the public
  verification page of that certificate, anonymously.

Every simulated person connects from a loopback address of their own (``127.x.y.z``; Linux
routes all of 127/8 to ``lo``): nginx appends it to ``X-Forwarded-For`` as a real client's, so
the per-address log-in and verification budgets apply per person, as they would on the
internet, instead of throttling the whole rush as one address.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from locust import HttpUser, between, events, task
from locust.exception import StopUser
from requests.adapters import HTTPAdapter

# After the standard library: the project's `platform` package must not shadow it here.
sys.path.append(str(Path(__file__).resolve().parents[2]))

from bench.upload_to_score import Page, distinct, htmx_seconds

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
NOTEBOOK = Path(PLAN["notebook"]).read_bytes()
POLL_LIMIT_S = float(PLAN.get("poll_limit_s", 1800))
_participants = itertools.count()
_instructors = itertools.count()
_verifications = iter(PLAN["verifications"])
# The queue's rows: the link that opens a submission to grade (templates/submissions/queue.html).
_OPEN = re.compile(r'<a href="([^"]+)" data-open>')
_uploads_log = Path(PLAN["uploads_log"]).open("a")  # noqa: SIM115 - open for the whole run


class FromAddress(HTTPAdapter):
    """Connections from one loopback address (``source_address``), as one person's browser."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def wait_until(offset: float) -> None:
    """Sleep (cooperatively: gevent is patched in) until ``t0 + offset``."""
    delay = PLAN["t0"] + offset - time.time()
    if delay > 0:
        time.sleep(delay)


def form_of(page: str, name: str, **which: str) -> tuple[dict[str, str], dict[str, str]]:
    """``Page.form``; a page without the form is a failure of that participant (``Page`` says
    so with ``SystemExit``, which in a greenlet would end Locust with its statistics)."""
    try:
        return Page(page).form(**which)
    except SystemExit as missing:
        events.request.fire(
            request_type="CHECK",
            name=name,
            response_time=0,
            response_length=0,
            exception=RuntimeError(str(missing)),
        )
        raise StopUser from None


class Participant(HttpUser):
    fixed_count = len(PLAN["participants"])
    wait_time = between(0, 0)

    def on_start(self) -> None:
        self.number = next(_participants)
        self.me = PLAN["participants"][self.number]
        self.client.mount("http://", FromAddress(self.me["address"]))

    def page(self, path: str, name: str, **headers: str) -> str:
        with self.client.get(
            path, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                raise StopUser
            return str(response.text)

    @task
    def rush(self) -> None:
        wait_until(self.me["at"] - self.me["lead"])
        attrs, inputs = form_of(
            self.page(PLAN["login_path"], "log-in page"), "log-in form", field="password"
        )
        with self.client.post(
            attrs.get("action") or PLAN["login_path"],
            name="log in",
            data={**inputs, "login": self.me["username"], "password": PLAN["password"]},
            headers={"Referer": urljoin(PLAN["base"], PLAN["login_path"])},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"log-in refused: HTTP {response.status_code}")
                raise StopUser
        form_page = self.page(PLAN["assignment_path"], "assignment page")
        _attrs, inputs = form_of(form_page, "upload form", action=PLAN["upload_path"])
        fields = {name: value for name, value in inputs.items() if name != "notebook"}
        wait_until(self.me["at"])
        started = time.time()
        with self.client.post(
            PLAN["upload_path"],
            name="upload",
            data=fields,
            files={
                "notebook": (
                    "project.ipynb",
                    distinct(NOTEBOOK, self.number),
                    "application/x-ipynb+json",
                )
            },
            headers={
                "HX-Request": "true",
                "HX-Target": "upload",
                "HX-Current-URL": urljoin(PLAN["base"], PLAN["assignment_path"]),
            },
            allow_redirects=False,
            catch_response=True,
        ) as response:
            elapsed = time.time() - started
            target = response.headers.get("HX-Redirect")
            if response.status_code != 200 or not target:
                response.failure(f"upload refused: HTTP {response.status_code}")
                raise StopUser
        _uploads_log.write(json.dumps({"at": started, "seconds": elapsed}) + "\n")
        _uploads_log.flush()
        self.watch(self.page(target, "submission page"))
        raise StopUser

    def watch(self, answer: str) -> None:
        """Poll the grading region as the page does until it is graded."""
        deadline = time.monotonic() + POLL_LIMIT_S
        while time.monotonic() < deadline:
            region = Page(answer).ids.get("grading-region", {})
            status = region.get("data-status")
            if status == "graded":
                return
            if status not in {"queued", "running"} or "hx-get" not in region:
                events.request.fire(
                    request_type="CHECK",
                    name="graded",
                    response_time=0,
                    response_length=0,
                    exception=RuntimeError(f"grading ended as {status!r}"),
                )
                return
            time.sleep(htmx_seconds(region["hx-trigger"]))
            answer = self.page(region["hx-get"], "grading poll", **{"HX-Request": "true"})


class Instructor(HttpUser):
    fixed_count = len(PLAN["instructors"])
    wait_time = between(3, 10)

    def on_start(self) -> None:
        me = PLAN["instructors"][next(_instructors)]
        self.client.mount("http://", FromAddress(me["address"]))
        self.client.cookies.set(me["cookie"], me["session"])

    @task
    def browse(self) -> None:
        with self.client.get(
            PLAN["queue_path"], name="grading queue", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
            rows = [html.unescape(href) for href in _OPEN.findall(str(response.text))]
        if rows:
            time.sleep(between(1, 4)(self))
            self.client.get(rows[int(time.time() * 1000) % len(rows)], name="open a submission")


class Verifier(HttpUser):
    fixed_count = int(PLAN["verifiers"])
    wait_time = between(0, 0)

    @task
    def verify(self) -> None:
        entry = next(_verifications, None)
        if entry is None:
            raise StopUser
        wait_until(entry["at"])
        # A new visitor: a connection from their own address.
        self.client.mount("http://", FromAddress(entry["address"]))
        with self.client.get(entry["path"], name="verify certificate", catch_response=True) as r:
            if r.status_code != 200 or 'class="ok"' not in r.text:
                r.failure(f"HTTP {r.status_code}")
