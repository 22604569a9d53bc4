"""Health, readiness, metrics and request ids in the logs (docs/operations.md, "Health, metrics
and logs")."""

import json
import logging
import subprocess
import sys
import time
from collections import namedtuple
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from platform.models import ScheduledJob, WorkerHeartbeat
from platform.observability import health
from platform.observability.logging import (
    bound_request,
    current_request_id,
    logging_config,
)
from submissions import tasks
from submissions.grading.isolation import execution, forkserver
from tests.conftest import ROOT
from tests.helpers import log_in, make_user

DATABASE_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "grading", "rendering"],
    }
}
REMOTE = "203.0.113.7"  # TEST-NET-3: anyone on the internet
Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def healthy(settings: Any, db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything /readyz looks at is fine: a live worker, a recent scheduler run, free disk,
    an empty database queue."""
    settings.TASKS = DATABASE_TASKS
    settings.READINESS_QUEUE_MAX_AGE_SECONDS = 600
    settings.READINESS_SCHEDULER_MAX_AGE_SECONDS = 600
    settings.READINESS_DISK_MIN_FREE_MB = 1024
    settings.GRADING_STALE_SECONDS = 60
    health.record_heartbeat(name="host-a:100", queues="*")
    ScheduledJob.objects.create(name="deliver-due-mail", last_started_at=timezone.now())
    monkeypatch.setattr(health.shutil, "disk_usage", lambda path: Usage(10**12, 0, 10**11))


def ready(client: Client, **headers: Any) -> tuple[int, dict[str, Any]]:
    response = client.get(reverse("readyz"), **headers)
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


def enqueue_waiting(queue_task: Any, seconds_ago: float, n: int = 1) -> None:
    for _ in range(n):
        result = queue_task.enqueue(1)
        DBTaskResult.objects.filter(pk=result.id).update(
            enqueued_at=timezone.now() - timedelta(seconds=seconds_ago)
        )


# --- /healthz -------------------------------------------------------------------------------


def test_liveness_answers_without_the_database(
    client: Client, db: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"), REMOTE_ADDR=REMOTE)
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_liveness_refuses_other_methods(client: Client) -> None:
    assert client.post(reverse("healthz")).status_code == 405


def test_probes_and_the_scraper_may_speak_plain_http_to_the_application(
    settings: Any, db: None
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("metrics")).status_code == 200
    assert client.get(reverse("home")).status_code == 301


# --- /readyz --------------------------------------------------------------------------------


def test_a_healthy_platform_is_ready_and_shows_its_checks_to_loopback(
    client: Client, healthy: None
) -> None:
    enqueue_waiting(tasks.grade_submission, seconds_ago=30, n=2)
    status, body = ready(client)
    assert status == 200
    assert body["status"] == "ready"
    checks = body["checks"]
    assert {name: check["state"] for name, check in checks.items()} == {
        "database": "ok",
        "queues": "ok",
        "workers": "ok",
        "scheduler": "ok",
        "disk": "ok",
    }
    assert checks["queues"]["queues"]["grading"]["depth"] == 2
    assert 29 <= checks["queues"]["queues"]["grading"]["oldest_age_seconds"] <= 60
    assert checks["queues"]["queues"]["rendering"] == {"depth": 0, "oldest_age_seconds": 0.0}
    assert [w["name"] for w in checks["workers"]["alive"]] == ["host-a:100"]
    assert checks["disk"]["free_mb"] == {"var": 10**11 // 2**20, "private_files": 10**11 // 2**20}


def test_others_see_the_status_alone_unless_staff_or_holding_the_token(
    client: Client, healthy: None, settings: Any
) -> None:
    settings.METRICS_TOKEN = "s3cret-token"
    assert ready(client, REMOTE_ADDR=REMOTE) == (200, {"status": "ready"})
    assert ready(client, REMOTE_ADDR=REMOTE, HTTP_AUTHORIZATION="Bearer wrong") == (
        200,
        {"status": "ready"},
    )
    assert (
        "checks" in ready(client, REMOTE_ADDR=REMOTE, HTTP_AUTHORIZATION="Bearer s3cret-token")[1]
    )
    log_in(client, make_user("root", is_staff=True))
    assert "checks" in ready(client, REMOTE_ADDR=REMOTE)[1]


def test_behind_the_proxy_the_clients_address_decides_not_the_proxys(
    client: Client, healthy: None, settings: Any
) -> None:
    settings.BEHIND_PROXY = True
    forwarded = ready(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=REMOTE)
    assert forwarded == (200, {"status": "ready"})
    assert "checks" in ready(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="::1")[1]


class _DownConnection:
    def cursor(self) -> Any:
        raise OperationalError("connection refused")


def test_a_database_that_does_not_answer_makes_it_not_ready(
    client: Client, healthy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "connection", _DownConnection())
    status, body = ready(client)
    assert status == 503
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == {"state": "failing", "error": "OperationalError"}
    assert body["checks"]["workers"]["state"] == "failing"


def test_a_queue_whose_oldest_task_waited_too_long_makes_it_not_ready(
    client: Client, healthy: None
) -> None:
    enqueue_waiting(tasks.render_notebook, seconds_ago=601)
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["queues"]["state"] == "failing"
    assert body["checks"]["queues"]["too_old"] == ["rendering"]


def test_a_task_being_run_or_finished_does_not_count_as_waiting(
    client: Client, healthy: None
) -> None:
    enqueue_waiting(tasks.grade_submission, seconds_ago=3600)
    DBTaskResult.objects.update(status="RUNNING")
    status, body = ready(client)
    assert status == 200
    assert body["checks"]["queues"]["queues"]["grading"]["depth"] == 0


def test_workers_silent_too_long_are_listed_stale_and_none_alive_is_not_ready(
    client: Client, healthy: None
) -> None:
    health.record_heartbeat(name="host-b:200", queues="grading")
    WorkerHeartbeat.objects.filter(name="host-b:200").update(
        seen_at=timezone.now() - timedelta(seconds=61)
    )
    status, body = ready(client)
    assert status == 200  # one worker still alive
    assert [w["name"] for w in body["checks"]["workers"]["stale"]] == ["host-b:200"]

    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=61))
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["workers"]["state"] == "failing"
    assert body["checks"]["workers"]["alive"] == []


def test_a_queue_with_work_and_no_live_worker_serving_it_makes_it_not_ready(
    client: Client, healthy: None
) -> None:
    WorkerHeartbeat.objects.update(queues="rendering")
    assert ready(client)[0] == 200  # nothing waits for grading
    enqueue_waiting(tasks.grade_submission, seconds_ago=1)
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["workers"]["unserved"] == ["grading"]
    health.record_heartbeat(name="host-g:7", queues="grading,default")
    assert ready(client)[0] == 200


def test_a_worker_that_stops_cleanly_is_forgotten_and_a_day_old_one_is_pruned(
    healthy: None,
) -> None:
    health.record_heartbeat(name="host-b:200", queues="*")
    health.forget_worker(name="host-b:200")
    WorkerHeartbeat.objects.create(
        name="host-c:300", queues="*", seen_at=timezone.now() - timedelta(days=2)
    )
    health.record_heartbeat(name="host-a:100", queues="*")
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["host-a:100"]


@pytest.mark.parametrize("last_started", [None, timedelta(seconds=601)])
def test_a_scheduler_that_has_not_run_lately_makes_it_not_ready(
    client: Client, healthy: None, last_started: timedelta | None
) -> None:
    ScheduledJob.objects.update(
        last_started_at=None if last_started is None else timezone.now() - last_started
    )
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["scheduler"]["state"] == "failing"


def test_low_disk_space_makes_it_not_ready_and_says_so_once(
    client: Client,
    healthy: None,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    json_log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    def usage(path: Path) -> Usage:
        free = 100 * 2**20 if Path(path) == Path(settings.PRIVATE_FILES_ROOT) else 10**11
        return Usage(10**12, 0, free)

    monkeypatch.setattr(health.shutil, "disk_usage", usage)
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["disk"]["low"] == ["private_files"]
    (line,) = [line for line in json_log_lines() if line["level"] != "INFO"]
    assert (line["level"], line["message"]) == ("WARNING", "not ready: disk")
    assert body["checks"]["disk"]["free_mb"]["private_files"] == 100


def test_readiness_costs_the_same_queries_whatever_the_numbers(
    client: Client, healthy: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(4):
        assert ready(client)[0] == 200
    for n in range(5):
        health.record_heartbeat(name=f"host-x:{n}", queues="*")
    enqueue_waiting(tasks.grade_submission, seconds_ago=10, n=5)
    enqueue_waiting(tasks.render_notebook, seconds_ago=10, n=5)
    with django_assert_num_queries(4):
        assert ready(client)[0] == 200


# --- /metrics -------------------------------------------------------------------------------


def scrape(client: Client, **headers: Any) -> dict[str, float]:
    response = client.get(reverse("metrics"), **headers)
    assert response.status_code == 200
    return {
        f"{sample.name}{sorted(sample.labels.items())}": sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_metrics_are_for_loopback_or_the_token_holder(
    client: Client, healthy: None, settings: Any
) -> None:
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get(reverse("metrics"), REMOTE_ADDR=REMOTE).status_code == 403
    wrong = client.get(reverse("metrics"), REMOTE_ADDR=REMOTE, HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    assert scrape(client, REMOTE_ADDR=REMOTE, HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert scrape(client)
    log_in(client, make_user("root", is_staff=True))
    assert client.get(reverse("metrics"), REMOTE_ADDR=REMOTE).status_code == 403


def test_without_a_token_only_loopback_may_scrape(client: Client, healthy: None) -> None:
    empty = client.get(reverse("metrics"), REMOTE_ADDR=REMOTE, HTTP_AUTHORIZATION="Bearer ")
    assert empty.status_code == 403


def test_metrics_report_the_queues_workers_and_request_latency_by_view(
    client: Client, healthy: None
) -> None:
    enqueue_waiting(tasks.grade_submission, seconds_ago=120, n=3)
    client.get(reverse("healthz"))
    samples = scrape(client)
    assert samples["certlab_queue_depth[('queue', 'grading')]"] == 3
    assert samples["certlab_queue_depth[('queue', 'rendering')]"] == 0
    assert 119 <= samples["certlab_queue_oldest_age_seconds[('queue', 'grading')]"] <= 180
    assert samples["certlab_workers_alive[]"] == 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert samples[f"{latency}[('method', 'GET'), ('view', 'healthz')]"] >= 1


def test_template_restarts_and_kernel_failures_are_counted(
    client: Client, healthy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class DeadTemplate:
        isolation = None
        environment: dict[str, str] = {}
        process = None

        def alive(self) -> bool:
            return False

        def log_tail(self, limit: int) -> str:
            return ""

        def remove(self) -> None:
            pass

    restarts = REGISTRY.get_sample_value("certlab_kernel_template_restarts_total") or 0.0
    monkeypatch.setattr(forkserver, "_server", DeadTemplate())
    # The restart then fails fast, as a start that failed a moment ago does.
    monkeypatch.setattr(forkserver, "_failed_at", time.monotonic())
    monkeypatch.setattr(forkserver, "_key", lambda isolation, environment: ())
    with pytest.raises(forkserver.TemplateUnavailable):
        forkserver.server(None, {})  # type: ignore[arg-type]
    assert REGISTRY.get_sample_value("certlab_kernel_template_restarts_total") == restarts + 1

    def failed_start(failure: Any) -> Callable[..., Any]:
        async def run(notebook: Any, **kwargs: Any) -> execution.Execution:
            return failure(notebook)

        return run

    def never_started(notebook: Any) -> execution.Execution:
        return execution.Execution(
            notebook=notebook, error=execution.gettext_lazy("no kernel"), start_failed=True
        )

    failures = {"stage": "start"}
    before = REGISTRY.get_sample_value("certlab_kernel_failures_total", failures) or 0.0
    monkeypatch.setattr(execution, "_execute", failed_start(never_started))
    result = execution.execute(
        {},
        workdir=Path(),
        rundir=Path(),
        limits=tasks.grading_limits(),
        stage=None,  # type: ignore[arg-type]
    )
    assert result.start_failed
    assert REGISTRY.get_sample_value("certlab_kernel_failures_total", failures) == before + 1
    samples = scrape(client)
    assert samples["certlab_kernel_failures_total[('stage', 'start')]"] == before + 1
    assert samples["certlab_kernel_template_restarts_total[]"] == restarts + 1


def test_in_multiprocess_mode_the_workers_histograms_reach_the_web_scrape(
    client: Client, healthy: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A grading worker is another process: with PROMETHEUS_MULTIPROC_DIR it writes its samples
    there, and any web process's /metrics adds them up."""
    worker = (
        "from platform.observability.metrics import GRADING_SECONDS\n"
        "GRADING_SECONDS.labels(outcome='graded').observe(12.5)\n"
    )
    for _ in range(2):  # two worker processes
        subprocess.run(
            [sys.executable, "-c", worker],
            cwd=ROOT,
            env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
            check=True,
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape(client)
    assert samples["certlab_grading_duration_seconds_count[('outcome', 'graded')]"] == 2
    assert samples["certlab_grading_duration_seconds_sum[('outcome', 'graded')]"] == 25
    assert samples["certlab_queue_depth[('queue', 'grading')]"] == 0  # read at scrape time


# --- request ids in the logs ----------------------------------------------------------------


def test_a_json_line_has_time_level_logger_message_request_and_user(
    json_log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    with bound_request("req-12345678"):
        logging.getLogger("certlab.test").warning("queued %s", 3, extra={"attempt": 3})
    logging.getLogger("certlab.test").error("outside")
    inside, outside = json_log_lines()
    assert inside["level"] == "WARNING"
    assert inside["logger"] == "certlab.test"
    assert inside["message"] == "queued 3"
    assert inside["request_id"] == "req-12345678"
    assert inside["user_id"] is None
    assert inside["attempt"] == 3
    assert inside["time"].endswith("+00:00")
    assert outside["request_id"] == "-"


def test_a_proxys_well_formed_request_id_is_kept_and_returned(client: Client, db: None) -> None:
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="abcd-1234-EFGH.5678")
    assert response["X-Request-ID"] == "abcd-1234-EFGH.5678"


@pytest.mark.parametrize("given", ["", "short", "has space in it", "x" * 65, "new\nline-12345"])
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(
    client: Client, db: None, given: str
) -> None:
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] != given
    assert len(response["X-Request-ID"]) == 32
    assert client.get(reverse("healthz"))["X-Request-ID"] != response["X-Request-ID"]
    assert current_request_id() == ""  # unbound after the request


def test_a_logged_in_users_request_logs_their_id_but_never_their_name(
    client_for: Any, participant: Any, json_log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    client = client_for(participant)
    response = client.get("/submissions/999999/", HTTP_X_REQUEST_ID="req-of-ada-0001")
    assert response.status_code == 404
    (line,) = [line for line in json_log_lines() if line["logger"] == "django.request"]
    assert line["request_id"] == "req-of-ada-0001"
    assert line["user_id"] == participant.pk
    text = json.dumps(line)
    assert "ada" not in text.lower().replace("req-of-ada", "")
    assert participant.email not in text


def test_grading_time_is_observed_by_outcome_under_the_runs_request_id(
    db: None,
    monkeypatch: pytest.MonkeyPatch,
    json_log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    """The job itself, without a kernel: a run already taken by another worker is skipped."""
    from submissions.models import GradingRun

    skipped = {"outcome": "skipped"}
    before = REGISTRY.get_sample_value("certlab_grading_duration_seconds_count", skipped) or 0.0
    assert tasks.grade_submission.call(123456) == "skipped"
    assert (
        REGISTRY.get_sample_value("certlab_grading_duration_seconds_count", skipped) == before + 1
    )
    lines = [line for line in json_log_lines() if line["logger"] == "platform.observability.jobs"]
    assert [line["message"] for line in lines] == [
        "grade_submission 123456 started",
        lines[1]["message"],
    ]
    assert lines[1]["message"].startswith("grade_submission 123456: skipped in ")
    assert lines[0]["request_id"] == lines[1]["request_id"] != "-"
    assert not GradingRun.objects.exists()


def test_the_settings_choose_the_format(tmp_path: Path) -> None:
    json_config = logging_config(log_format="json", level="INFO")
    assert json_config["formatters"]["default"] == {
        "()": "platform.observability.logging.JsonFormatter"
    }
    text = logging_config(log_format="text", level="INFO")["formatters"]["default"]
    assert "{request_id}" in text["format"]
    bad = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "platform.settings",
            "LOG_FORMAT": "xml",
            "PATH": "/usr/bin:/bin",
            "VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
    )
    assert "LOG_FORMAT must be text or json; got 'xml'" in bad.stderr


def test_what_the_kernel_thread_logs_carries_the_jobs_request_id(
    db: None,
    monkeypatch: pytest.MonkeyPatch,
    json_log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    async def run(notebook: Any, **kwargs: Any) -> execution.Execution:
        logging.getLogger("submissions.grading").warning("kernel said something")
        return execution.Execution(notebook=notebook)

    monkeypatch.setattr(execution, "_execute", run)
    with bound_request("job-of-upload-77"):
        execution.execute(
            {},  # type: ignore[arg-type]
            workdir=Path(),
            rundir=Path(),
            limits=tasks.grading_limits(),
            stage=None,  # type: ignore[arg-type]
        )
    (line,) = [line for line in json_log_lines() if line["logger"] == "submissions.grading"]
    assert line["request_id"] == "job-of-upload-77"
