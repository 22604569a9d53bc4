"""A doorbell for the background workers: an enqueue rings, an idle worker wakes at once.

django-tasks-db's workers poll the database and sleep ``--interval`` seconds while the queue is
empty, so an upload on an idle system used to wait up to an interval before grading began. Now
every enqueue on the database backend rings once its transaction commits, and an idle worker
waits on the bell instead of sleeping. The interval stays as the fallback poll: tasks due later
(``run_after``) and rings lost while the bell was broken are still found.

- PostgreSQL (workers on many hosts): ``NOTIFY certlab_tasks``; each worker ``LISTEN``s on a
  connection of its own. Notifications never leave their database, so one channel name serves.
- SQLite and any other database (one host): each worker binds a UNIX datagram socket in a
  private directory, ``DOORBELL_DIR/<database key>/``; a ring sends one byte to each socket and
  removes the sockets of workers that are gone.

A broken doorbell never fails an enqueue and never stops a worker: it logs a warning and the
worker polls every interval, as it did without one.
"""

import contextlib
import hashlib
import logging
import os
import secrets
import select
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

CHANNEL = "certlab_tasks"
# sockaddr_un.sun_path holds 108 bytes on Linux (104 on the BSDs), its terminating NUL included.
SOCKET_PATH_MAX = 103
_SUFFIX = ".sock"


def ring(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Wake the idle workers of database ``using``. Never raises: a failure is logged.

    Ring after the enqueue's transaction has committed (``ring_after_enqueue`` does), or a
    worker may look before the task is visible to it.
    """
    try:
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"NOTIFY {CHANNEL}")
        else:
            ring_sockets(socket_directory(using))
    except Exception:
        logger.warning(
            "could not ring the workers' doorbell; they find the task when they next poll",
            exc_info=True,
        )


def ring_after_enqueue(sender: Any, **kwargs: Any) -> None:
    """``task_enqueued`` receiver: ring on commit, for the database backend's enqueues only."""
    if not (isinstance(sender, type) and issubclass(sender, DatabaseBackend)):
        return
    try:
        using = router.db_for_write(DBTaskResult)
        transaction.on_commit(lambda: ring(using=using), using=using)
    except Exception:
        logger.warning("could not ring the workers' doorbell", exc_info=True)


def socket_directory(using: str = DEFAULT_DB_ALIAS) -> Path:
    """Where the workers of this database bind their sockets: one subdirectory per database.

    Keyed by the database, so workers of another database (a test run, a second site) sharing
    ``DOORBELL_DIR`` are never woken, and a worker never wakes for another database's work.
    """
    connection = connections[using]
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        name = os.path.realpath(name)
    key = hashlib.sha256(f"{connection.vendor}:{name}".encode()).hexdigest()[:12]
    return Path(settings.DOORBELL_DIR) / key


def ring_sockets(directory: Path) -> int:
    """Send one byte to every worker socket in ``directory``; return how many were rung.

    A socket whose worker is gone (killed before it could remove it) is removed. A full socket
    buffer counts as rung: that worker has rings pending already.
    """
    try:
        paths = [path for path in directory.iterdir() if path.name.endswith(_SUFFIX)]
    except FileNotFoundError:
        return 0  # no worker has waited here yet
    rung = 0
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for path in paths:
            try:
                sender.sendto(b"\0", str(path))
            except BlockingIOError:
                rung += 1
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            except OSError:
                logger.warning("could not ring the worker at %s", path, exc_info=True)
            else:
                rung += 1
    return rung


class Doorbell:
    """What an idle worker waits on, between polls of the queue.

    ``with doorbell_for() as bell: ... bell.wait(interval)``. Entering starts listening, so a
    ring that comes after entering and before ``wait`` is not lost. This base class is the
    fallback every failure degrades to: it just sleeps.
    """

    def __init__(self) -> None:
        self._warned = False

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def wait(self, timeout: float) -> bool:
        """Block until a ring (True) or for ``timeout`` seconds (False).

        A signal handler that raises (a worker's SIGTERM handler does) interrupts the wait.
        """
        time.sleep(timeout)
        return False

    def _warn(self, message: str, *args: object, exc_info: bool = True) -> None:
        """Log a failure once, until the doorbell works again."""
        if not self._warned:
            logger.warning(message + "; polling every interval instead", *args, exc_info=exc_info)
            self._warned = True

    def _works_again(self) -> None:
        if self._warned:
            logger.info("the workers' doorbell works again")
            self._warned = False


class SocketDoorbell(Doorbell):
    """One worker's UNIX datagram socket in ``directory``, bound while the doorbell is open."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = directory
        self.path: Path | None = None
        self._socket: socket.socket | None = None

    def open(self) -> None:
        path = self.directory / f"{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
        if len(os.fsencode(path)) > SOCKET_PATH_MAX:
            self._warn(
                "the doorbell's socket path %s is longer than %d bytes (set DOORBELL_DIR to a "
                "shorter directory)",
                path,
                SOCKET_PATH_MAX,
                exc_info=False,
            )
            return
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.directory.chmod(0o700)  # only this user's processes may ring or listen
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                listener.bind(str(path))
                listener.setblocking(False)
            except BaseException:
                listener.close()
                raise
        except OSError:
            self._warn("could not bind the doorbell's socket %s", path)
            return
        self._socket, self.path = listener, path
        self._works_again()

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.path = None

    def wait(self, timeout: float) -> bool:
        if self.path is not None and not self.path.exists():
            self.close()  # someone removed the socket file: nobody can ring it any more
        if self._socket is None:
            self.open()
            if self._socket is None:
                return super().wait(timeout)
        readable, _, _ = select.select([self._socket], [], [], timeout)
        if not readable:
            return False
        with contextlib.suppress(BlockingIOError):
            while self._socket.recv(512):
                pass  # several rings wake the worker once
        return True


class PostgresDoorbell(Doorbell):
    """``LISTEN certlab_tasks`` on a connection of the worker's own, reopened when it drops."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        super().__init__()
        self.using = using
        self._wrapper: BaseDatabaseWrapper | None = None
        self._fresh = False

    def open(self) -> None:
        self._listen()

    def close(self) -> None:
        wrapper, self._wrapper = self._wrapper, None
        if wrapper is not None:
            with contextlib.suppress(Exception):
                wrapper.close()

    def _listen(self) -> bool:
        wrapper: BaseDatabaseWrapper | None = None
        try:
            wrapper = connections.create_connection(self.using)
            wrapper.ensure_connection()
            wrapper.connection.execute(f"LISTEN {CHANNEL}")
        except Exception:  # noqa: BLE001 - any failure degrades to sleeping, with a warning
            if wrapper is not None:
                with contextlib.suppress(Exception):
                    wrapper.close()
            self._warn("could not LISTEN for the workers' doorbell")
            return False
        self._wrapper = wrapper
        self._works_again()
        return True

    def wait(self, timeout: float) -> bool:
        if self._wrapper is not None:
            try:
                rung = self._notified(timeout)
            except Exception:  # noqa: BLE001 - any failure degrades to sleeping, with a warning
                self._warn("the doorbell's connection failed")
                self.close()
            else:
                self._fresh = False
                return rung
            if self._fresh:  # it failed again right after reconnecting: do not spin
                self._fresh = False
                return super().wait(timeout)
        if self._listen():
            self._fresh = True
            return True  # rings may have been missed while it was down: look now
        return super().wait(timeout)

    def _notified(self, timeout: float) -> bool:
        assert self._wrapper is not None
        connection = self._wrapper.connection
        notifies = connection.notifies(timeout=timeout, stop_after=1)
        try:
            rung = next(notifies, None) is not None
        finally:
            notifies.close()
        if rung:
            for _ in connection.notifies(timeout=0):
                pass  # several rings wake the worker once
        return rung


def doorbell_for(*, using: str = DEFAULT_DB_ALIAS) -> Doorbell:
    """The doorbell a worker of database ``using`` waits on."""
    if connections[using].vendor == "postgresql":
        return PostgresDoorbell(using)
    return SocketDoorbell(socket_directory(using))
