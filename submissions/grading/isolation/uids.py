"""The grading uid of this worker process: one of a range, its own while it runs.

``RLIMIT_NPROC`` counts every process and thread of a uid on the host. Workers whose kernels
share one uid share that budget: a fork bomb in one worker's kernel would use it up and make a
concurrent kernel of another worker fail to start a thread or a process, failing an innocent
participant's submission. So ``GRADING_UID`` may name a range, ``first-last``: each worker
process takes a uid of the range that no other running worker holds, and keeps it until it
exits (an exclusive ``flock`` on ``/run/certlab-grading-uids/<uid>.lock``, released by the
kernel when the process ends, however it ends). Give the range at least as many uids as the host
runs workers. With a single uid (the default, 65534) or when every uid of the range is taken,
workers share one, as before, and the worker logs a warning once.

Only a root worker switches uids (see ``sandbox.py``); a worker that is not root claims nothing.

A process that is not a worker and runs a kernel now and then (a web process publishing an
AUTOTEST notebook starts one; docs/grading.md, "AUTOTEST") wraps the run in ``borrowed``: the
uid it claims for the run is given back when the run (and any concurrent one of the same
process) is over, so it does not keep a uid of the range, which the workers need, until the
process exits.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger("submissions.grading")

LOCK_DIR = Path("/run/certlab-grading-uids")

_lock = threading.Lock()
# range -> (the uid this process holds, its lock file's descriptor; None when shared)
_claims: dict[range, tuple[int, int | None]] = {}
_warned: set[range] = set()
# range -> how many ``borrowed`` blocks of this process are running with it
_borrowers: dict[range, int] = {}


def parse(raw: str) -> range | None:
    """``"65534"`` or ``"200000-200063"`` as a range of non-root ids; None if not one."""
    first, dash, last = raw.partition("-")
    try:
        start = int(first)
        end = int(last) if dash else start
    except ValueError:
        return None
    if not 0 < start <= end < 2**32 - 1:
        return None
    return range(start, end + 1)


def _take(uid: int, lock_dir: Path) -> int | None:
    """The descriptor of ``uid``'s lock if this process could take it, else None."""
    descriptor = os.open(lock_dir / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def claim(uids: range, *, lock_dir: Path = LOCK_DIR) -> int:
    """This process's uid of ``uids``: the same on every call, no other live worker's if the
    range allows. Never raises: where locking cannot work, the range's first uid (logged)."""
    if os.geteuid() != 0:
        return uids.start  # not used: a worker that is not root does not switch uids
    with _lock:
        held = _claims.get(uids)
        if held is not None:
            return held[0]
        try:
            lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            for uid in uids:
                descriptor = _take(uid, lock_dir)
                if descriptor is not None:
                    _claims[uids] = (uid, descriptor)
                    return uid
        except OSError as error:
            _warn(uids, f"the grading uids could not be locked in {lock_dir} ({error})")
            _claims[uids] = (uids.start, None)
            return uids.start
        if len(uids) == 1:
            _warn(
                uids,
                f"another worker on this host runs its kernels as uid {uids.start} too; they "
                "share RLIMIT_NPROC, so a fork bomb in one kernel can make the other's fail: "
                "give GRADING_UID a range (first-last) with a uid for each worker",
            )
        else:
            _warn(
                uids,
                f"every grading uid of {uids.start}-{uids.stop - 1} is held by another worker; "
                f"this one shares uid {uids.start}: widen GRADING_UID's range",
            )
        _claims[uids] = (uids.start, None)
        return uids.start


def _warn(uids: range, message: str) -> None:
    if uids not in _warned:
        _warned.add(uids)
        logger.warning("%s", message)


@contextmanager
def borrowed(uids: range) -> Iterator[None]:
    """A uid of ``uids`` claimed inside is given back when the last concurrent block ends.

    A process that already held its uid when the block began (a worker, which keeps it for
    its life) keeps it. Call the kernel's run inside, so that the kernel has ended (it is
    reaped before ``execute`` returns) when the uid is free for another worker.
    """
    with _lock:
        kept = uids in _claims and uids not in _borrowers
        if not kept:
            _borrowers[uids] = _borrowers.get(uids, 0) + 1
    try:
        yield
    finally:
        if not kept:
            with _lock:
                _borrowers[uids] -= 1
                if not _borrowers[uids]:
                    del _borrowers[uids]
                    _give_back(uids)


def _give_back(uids: range) -> None:
    """Close this process's lock of ``uids`` (the caller holds ``_lock``)."""
    _uid, descriptor = _claims.pop(uids, (0, None))
    if descriptor is not None:
        os.close(descriptor)


def release_all() -> None:
    """Give back every uid this process holds (tests; a process's end does it anyway)."""
    with _lock:
        for uids in list(_claims):
            _give_back(uids)
        _warned.clear()
        _borrowers.clear()
