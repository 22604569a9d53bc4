"""The workers' doorbell: an enqueue on the database backend wakes idle workers at once.

The socket doorbell (SQLite, any database) is tested on every run; the PostgreSQL one
(LISTEN/NOTIFY) when the suite runs on PostgreSQL. Waits have generous timeouts: a doorbell that
does not ring makes ``wait`` return False, which fails the test (no timing is asserted).
"""

import logging
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.tasks import TaskResultStatus, task

from platform import doorbell
from platform.doorbell import PostgresDoorbell, SocketDoorbell, doorbell_for, ring, ring_sockets

LONG = 60.0  # seconds: only reached when a ring is lost

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="LISTEN/NOTIFY needs PostgreSQL"
)


@task()
def nothing() -> None:
    """A task to enqueue; no worker runs it here."""


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    """A short directory: socket paths are limited to about 100 bytes."""
    directory = Path(tempfile.mkdtemp(prefix="bell-"))
    yield directory / "db"
    shutil.rmtree(directory)


@pytest.fixture
def short_doorbell_dir(settings: Any, socket_dir: Path) -> Path:
    settings.DOORBELL_DIR = socket_dir
    return socket_dir


def ring_soon(ring_it: Any) -> threading.Thread:
    """Ring from another thread, a moment after the waiter has started waiting."""
    timer = threading.Timer(0.2, ring_it)
    timer.start()
    return timer


def interrupt_in(seconds: float) -> None:
    """Exit from a signal handler, as an idle worker's SIGTERM handler does."""

    def handler(signum: int, frame: Any) -> None:
        sys.exit(0)

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)


@pytest.fixture
def restore_sigalrm() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGALRM)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


# --- UNIX sockets (SQLite) --------------------------------------------------------------------


def test_a_ring_wakes_a_waiting_worker(socket_dir: Path) -> None:
    with SocketDoorbell(socket_dir) as bell:
        timer = ring_soon(lambda: ring_sockets(socket_dir))
        assert bell.wait(LONG) is True
        timer.join()


def test_a_ring_before_the_wait_is_not_lost_and_several_rings_wake_it_once(
    socket_dir: Path,
) -> None:
    with SocketDoorbell(socket_dir) as bell:
        assert bell.wait(0) is False
        assert [ring_sockets(socket_dir) for _ in range(3)] == [1, 1, 1]
        assert bell.wait(LONG) is True
        assert bell.wait(0) is False


def test_two_waiting_workers_both_wake(socket_dir: Path) -> None:
    with SocketDoorbell(socket_dir) as first, SocketDoorbell(socket_dir) as second:
        woke: list[bool] = []
        waiter = threading.Thread(target=lambda: woke.append(second.wait(LONG)))
        waiter.start()
        timer = ring_soon(lambda: ring_sockets(socket_dir))
        assert first.wait(LONG) is True
        waiter.join()
        timer.join()
        assert woke == [True]


def test_ringing_with_no_worker_is_harmless(socket_dir: Path) -> None:
    assert ring_sockets(socket_dir) == 0  # the directory does not even exist
    with SocketDoorbell(socket_dir):
        pass
    assert ring_sockets(socket_dir) == 0
    assert list(socket_dir.iterdir()) == []


def test_a_ring_removes_the_socket_of_a_worker_that_is_gone(socket_dir: Path) -> None:
    socket_dir.mkdir(mode=0o700)
    stale = socket_dir / "123-dead.sock"
    killed = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    killed.bind(str(stale))
    killed.close()  # a SIGKILLed worker leaves its socket file behind
    with SocketDoorbell(socket_dir) as bell:
        assert ring_sockets(socket_dir) == 1
        assert not stale.exists()
        assert bell.wait(LONG) is True


def test_the_socket_lives_in_a_private_directory_and_goes_with_its_worker(
    socket_dir: Path,
) -> None:
    with SocketDoorbell(socket_dir) as bell:
        assert bell.path is not None and bell.path.is_socket()
        assert socket_dir.stat().st_mode & 0o777 == 0o700
        path = bell.path
    assert not path.exists()


def test_a_full_socket_buffer_still_counts_as_rung(socket_dir: Path) -> None:
    with SocketDoorbell(socket_dir) as bell:
        for _ in range(2000):  # far beyond the buffer of a socket nobody reads
            assert ring_sockets(socket_dir) == 1
        assert bell.wait(LONG) is True
        assert bell.wait(0) is False


def test_a_worker_whose_socket_file_was_removed_binds_a_new_one(socket_dir: Path) -> None:
    with SocketDoorbell(socket_dir) as bell:
        assert bell.path is not None
        bell.path.unlink()
        assert bell.wait(0) is False
        assert bell.path is not None and bell.path.is_socket()
        ring_sockets(socket_dir)
        assert bell.wait(LONG) is True


def test_a_socket_path_too_long_falls_back_to_polling_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="platform.doorbell"),
        SocketDoorbell(Path("/tmp") / ("x" * 120)) as bell,
    ):
        assert bell.wait(0.01) is False
        assert bell.wait(0.01) is False
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "DOORBELL_DIR" in warnings[0]


def test_a_signal_handler_interrupts_the_wait(socket_dir: Path, restore_sigalrm: None) -> None:
    with SocketDoorbell(socket_dir) as bell:
        interrupt_in(0.2)
        with pytest.raises(SystemExit):
            bell.wait(LONG)


# --- what rings: enqueues on the database backend -----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_enqueue_on_the_database_backend_rings_once_it_commits(
    database_tasks: None, short_doorbell_dir: Path
) -> None:
    with doorbell_for() as bell:
        with transaction.atomic():
            nothing.enqueue()
            assert bell.wait(0) is False  # a worker must not look before the task is visible
        assert bell.wait(LONG) is True


@pytest.mark.django_db(transaction=True)
def test_an_enqueue_rolled_back_does_not_ring(
    database_tasks: None, short_doorbell_dir: Path
) -> None:
    with doorbell_for() as bell:
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            nothing.enqueue()
            1 / 0  # noqa: B018 - fails the transaction on purpose
        assert bell.wait(0.2) is False


@pytest.mark.django_db(transaction=True)
def test_other_backends_do_not_ring(short_doorbell_dir: Path) -> None:
    with doorbell_for() as bell:
        nothing.enqueue()  # the tests' immediate backend runs it at once
        assert bell.wait(0.2) is False


class BrokenConnections:
    def __getitem__(self, alias: str) -> Any:
        raise OSError("the doorbell is broken")


@pytest.mark.django_db(transaction=True)
def test_a_broken_doorbell_never_fails_an_enqueue(
    database_tasks: None,
    short_doorbell_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(doorbell, "connections", BrokenConnections())
    with caplog.at_level(logging.WARNING, logger="platform.doorbell"):
        result = nothing.enqueue()
    assert nothing.get_result(result.id).status == TaskResultStatus.READY
    assert "could not ring" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_ringing_with_nobody_listening_is_harmless(short_doorbell_dir: Path) -> None:
    ring()
    with doorbell_for() as bell:
        ring()
        assert bell.wait(LONG) is True


# --- LISTEN/NOTIFY (PostgreSQL) -----------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_notify_wakes_every_listening_worker() -> None:
    with PostgresDoorbell() as first, PostgresDoorbell() as second:
        woke: list[bool] = []
        waiter = threading.Thread(target=lambda: woke.append(second.wait(LONG)))
        waiter.start()
        timer = ring_soon(ring)
        assert first.wait(LONG) is True
        waiter.join()
        timer.join()
        assert woke == [True]
        ring()
        ring()
        assert first.wait(LONG) is True
        assert first.wait(0) is False  # several rings wake it once


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_listening_connection_that_drops_is_reopened(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with PostgresDoorbell() as bell:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query = %s AND pid <> pg_backend_pid()",
                [f"LISTEN {doorbell.CHANNEL}"],
            )
            assert cursor.fetchone() == (True,)
        with caplog.at_level(logging.WARNING, logger="platform.doorbell"):
            assert bell.wait(LONG) is True  # reopened: look at the queue, a ring may be lost
        assert "connection failed" in caplog.text
        ring()
        assert bell.wait(LONG) is True


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_signal_handler_interrupts_a_wait_for_a_notify(restore_sigalrm: None) -> None:
    with PostgresDoorbell() as bell:
        interrupt_in(0.2)
        with pytest.raises(SystemExit):
            bell.wait(LONG)
