"""The load test's pieces at a tiny size (bench/load_test.py): the data and the plan it makes,
and the report it builds from Locust's statistics. The run itself (Locust against bin/serve for
minutes) is a benchmark, never a test; no timing is asserted here."""

import json
from pathlib import Path

import nbformat
import pytest
from django.test import Client

from bench.load_test import (
    Sample,
    build_report,
    markdown,
    prepare,
    read_locust_failures,
    read_locust_stats,
    upload_offsets,
)
from submissions.models import Submission
from tests.helpers import participant_notebook, tiny_source_notebook

SUBMISSION = participant_notebook()
STATS_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def test_a_third_upload_in_the_last_minute_and_all_within_the_window() -> None:
    times = upload_offsets(300, 10)

    assert len(times) == 300
    assert times == sorted(times)
    assert sum(1 for t in times if t >= 540) == 100
    assert times[0] > 0 and times[-1] < 600


def test_a_window_of_a_minute_or_less_spreads_everyone_over_it() -> None:
    times = upload_offsets(5, 0.5)

    assert len(times) == 5
    assert all(0 < t < 30 for t in times)


@pytest.fixture
def plan(db: None, tmp_path: Path):
    return prepare(
        participants=4,
        instructors=2,
        certificates=2,
        verifications=5,
        minutes=2,
        source=nbformat.writes(tiny_source_notebook()).encode(),
        submission=SUBMISSION,
        var=tmp_path,
    )


def test_every_participant_logs_in_with_the_password_and_sees_the_upload_form(plan) -> None:
    assert len(plan.participants) == 4
    for person in plan.participants:
        client = Client()
        assert client.login(username=person["username"], password=plan.password)
        page = client.get(plan.assignment_path)
        assert page.status_code == 200
        assert f'action="{plan.upload_path}"' in page.content.decode()
        assert 0 <= person["lead"] <= person["at"]
    assert Path(plan.notebook).read_bytes() == SUBMISSION


def test_the_instructors_sessions_open_the_grading_queue(plan) -> None:
    assert len(plan.instructors) == 2
    for instructor in plan.instructors:
        client = Client()
        client.cookies[instructor["cookie"]] = instructor["session"]
        assert client.get(plan.queue_path).status_code == 200
    assert Client().get(plan.queue_path).status_code == 302  # without the cookie: log in


def test_the_planned_verifications_show_valid_certificates(plan) -> None:
    assert len(plan.verifications) == 5
    for verification in plan.verifications:
        page = Client().get(verification["path"])
        assert page.status_code == 200
        assert 'class="ok"' in page.content.decode()


def test_every_simulated_person_has_an_address_of_their_own(plan) -> None:
    addresses = [
        entry["address"] for entry in plan.participants + plan.instructors + plan.verifications
    ]
    assert len(set(addresses)) == len(addresses)
    assert all(a.startswith("127.") for a in addresses)
    json.dumps(plan.__dict__)  # the locustfile reads it as JSON


def _report(upload_seconds: list[float], failures: int = 0):
    stats = read_locust_stats(
        "\n".join(
            [
                STATS_HEADER,
                f"POST,upload,{len(upload_seconds)},{failures},190,200,100,690,300,1,0,"
                "190,250,250,690,690,690,690,690,690,690,690",
                "GET,verify certificate,10,0,38,60,15,200,900,1,0,"
                "38,71,80,150,200,200,200,200,200,200,200",
                f",Aggregated,{len(upload_seconds) + 10},{failures},110,150,15,690,600,2,0,"
                "110,150,210,250,690,690,690,690,690,690,690",
            ]
        )
    )
    t0 = 1000.0
    samples = [
        Sample(
            at=t0 + 3 * n,
            queues={"grading": {"depth": depth, "oldest_age_seconds": 2.0 * depth}},
            graded=n,
            cpu_percent=50.0 + n,
            memory_used_mb=1000.0 + n,
            memory_total_mb=4000.0,
            load=[1.5, 1.0, 0.5],
        )
        for n, depth in enumerate([0, 3, 7, 2, 0])
    ]
    return build_report(
        endpoints=stats,
        failures=read_locust_failures(
            "Method,Name,Error,Occurrences\nPOST,upload,HTTP 500,1\n"
            if failures
            else "Method,Name,Error,Occurrences\n"
        ),
        uploads=[{"at": t0 + 10 + n, "seconds": s} for n, s in enumerate(upload_seconds)],
        samples=samples,
        grading={
            "attempts": len(upload_seconds),
            "by_status": {Submission.Status.GRADED: len(upload_seconds)},
            "last_upload_at": t0 + 50,
            "last_graded_at": t0 + 80,
        },
        t0=t0,
        window_s=60,
        expected_uploads=len(upload_seconds),
        context={
            "when": "2026-12-05 18:00:00 +0000",
            "database": "PostgreSQL",
            "participants": len(upload_seconds),
            "instructors": 2,
            "verifications": 10,
            "size": "tiny",
            "web_workers": 4,
            "grading_workers": 2,
            "render_workers": 1,
            "uptime_before": "load average: 1.00",
            "uptime_after": "load average: 2.00",
        },
    )


def test_the_report_gives_percentiles_per_endpoint_and_judges_the_upload_target() -> None:
    report = _report([0.1] * 19 + [0.2])

    upload = next(row for row in report["endpoints"] if row["name"] == "upload")
    assert (upload["median_ms"], upload["p95_ms"], upload["p99_ms"]) == (190, 690, 690)
    assert report["uploads"]["p95_ms"] == pytest.approx(100)
    assert report["uploads"]["target_met"] is True
    assert report["errors"] == 0
    assert report["grading"]["last_graded_after_last_upload_s"] == 30
    assert report["grading"]["last_graded_after_window_s"] == 20
    assert report["grading"]["max_queue_depth"] == 7
    assert report["grading"]["max_queue_age_s"] == 14
    text = markdown(report)
    assert "**errors: 0**" in text
    assert "| POST upload | 20 | 0 | 190 | 690 | 690 | 690 |" in text
    assert "load average: 2.00" in text
    json.dumps(report)  # saved as JSON


def test_the_report_shows_errors_and_a_missed_target() -> None:
    report = _report([0.1] * 10 + [0.5] * 10, failures=1)

    assert report["uploads"]["target_met"] is False
    assert report["errors"] == 1
    text = markdown(report)
    assert "MISSED" in text
    assert "failure: POST upload: HTTP 500 (1x)" in text
