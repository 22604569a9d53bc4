"""Rate limits hold across server processes: the counters live in a store all of them share.

The verification pages allow 30 requests per address and minute. Three server processes
(gunicorn, one worker each, on the same database) get 120 requests at once, taking turns, so
each process sees 40: with per-process counters 90 got through.
Counting runs on the database by default and on Redis when ``REDIS_URL`` is set (the Redis test
runs only then: CI gives it a Redis database of its own).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from platform import ratelimit
from tests.conftest import ROOT, database_url_for_worker

LONG = 60.0  # seconds: only reached when a server never comes up
REQUESTS = 120
LIMIT = 30  # courses.throttle.VERIFY_PER_MINUTE


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + LONG
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=LONG).close()  # noqa: S310 - a local test server
            return
        except OSError:  # not listening yet (refused), or not answering yet (timed out)
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")


@pytest.fixture
def start_servers(tmp_path: Path) -> Iterator[Callable[..., list[str]]]:
    """Start three gunicorn servers on the test database (needs ``transactional_db``); return
    their base URLs. Separate servers rather than one with three workers, so that which process
    answers is up to the test, not to the kernel's choice of an idle worker."""
    started: list[subprocess.Popen[bytes]] = []

    def start(**extra_env: str) -> list[str]:
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_worker(),
            "DJANGO_SETTINGS_MODULE": "platform.settings",
            "REDIS_URL": "",
            **extra_env,
        }
        servers = []
        for n in range(3):
            port, log = free_port(), tmp_path / f"gunicorn-{n}.log"
            command = ["gunicorn", "platform.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
            process = subprocess.Popen(
                [sys.executable, "-m", *command],
                cwd=ROOT,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            started.append(process)
            servers.append((f"http://127.0.0.1:{port}", process, log))
        for base, process, log in servers:
            wait_until_serving(f"{base}/accounts/login/", process, log)
        return [base for base, _, _ in servers]

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def verification_statuses(servers: list[str]) -> list[int]:
    """Send REQUESTS verification look-ups to the servers in turn, twelve at a time, and
    return their statuses."""

    def one(n: int) -> int:
        url = f"{servers[n % len(servers)]}/verify/AAAA-BBBB-{n:04d}/"
        try:
            with urllib.request.urlopen(url, timeout=LONG) as response:  # noqa: S310 - a local test server
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(one, range(REQUESTS)))


def assert_the_limit_held(statuses: list[int]) -> None:
    assert len(statuses) == REQUESTS
    assert set(statuses) <= {404, 429}, statuses  # unknown codes, or refused; never an error
    answered = statuses.count(404)
    assert 1 <= answered <= LIMIT, f"{answered} of {REQUESTS} answered; the limit is {LIMIT}"


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_the_verification_limit_holds_across_server_processes(
    start_servers: Callable[..., list[str]],
) -> None:
    assert_the_limit_held(verification_statuses(start_servers()))


@pytest.mark.servers
@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
@pytest.mark.django_db(transaction=True)
def test_the_verification_limit_holds_across_server_processes_on_redis(
    start_servers: Callable[..., list[str]],
) -> None:
    servers = start_servers(
        REDIS_URL=os.environ["REDIS_URL"], CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}"
    )
    assert_the_limit_held(verification_statuses(servers))


# --- the counter itself, on each store ---------------------------------------------------------


DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "platform_cache",
    }
}


@pytest.fixture
def database_store(settings: Any, db: None) -> None:
    settings.CACHES = DATABASE_CACHE


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest, settings: Any, db: None) -> str:
    if request.param == "redis":
        if not os.environ.get("REDIS_URL"):
            pytest.skip("REDIS_URL is not set")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ["REDIS_URL"],
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
    else:
        settings.CACHES = DATABASE_CACHE
    return str(request.param)


def test_hits_count_up_within_a_window_and_reset_forgets_them(store: str) -> None:
    assert ratelimit.peek("k").count == 0
    assert [ratelimit.hit("k", window=60).count for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit("other", window=60).count == 1
    current = ratelimit.peek("k")
    assert current.count == 3 and 1 <= current.retry_after <= 60
    ratelimit.reset("k")
    assert ratelimit.peek("k").count == 0
    assert ratelimit.hit("k", window=60).count == 1


def test_a_new_window_starts_at_one_and_old_counters_are_swept(
    database_store: None, later: Callable[[int], None]
) -> None:
    from platform.models import RateCounter

    for _ in range(5):
        ratelimit.hit("k", window=60)
    ratelimit.hit("gone", window=10)
    later(61)
    assert ratelimit.peek("k").count == 0
    assert ratelimit.hit("k", window=60).count == 1
    ratelimit.hit("new", window=60)  # a new key sweeps the expired rows
    assert set(RateCounter.objects.values_list("key", flat=True)) == {"k", "new"}


def test_a_very_long_key_is_counted_by_its_digest(store: str) -> None:
    key = "login:account:" + "x" * 500
    assert [ratelimit.hit(key, window=60).count for _ in range(2)] == [1, 2]
    assert ratelimit.peek(key).count == 2
