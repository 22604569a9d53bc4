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
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path

logger = logging.getLogger("submissions.grading")

LOCK_DIR = Path("/run/certlab-grading-uids")

_lock = threading.Lock()
# range -> (the uid this process holds, its lock file's descriptor; None when shared)
_claims: dict[range, tuple[int, int | None]] = {}
_warned: set[range] = set()


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


def release_all() -> None:
    """Give back every uid this process holds (tests; a process's end does it anyway)."""
    with _lock:
        for _uid, descriptor in _claims.values():
            if descriptor is not None:
                os.close(descriptor)
        _claims.clear()
        _warned.clear()
