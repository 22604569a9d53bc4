"""Grading's temporary directories, named after the worker process that owns them, and the
sweep that removes those whose worker is gone.

A worker removes a run's directories after the run and its kernel template's spool when it
exits; a worker killed with SIGKILL (or by the OOM killer) cannot, and its directories would
stay in the temporary directory for good. So each directory's name says whose it is:
``<prefix><pid>.<start>-<random>``, where ``start`` is the owner's start time in clock ticks
since boot (field 22 of ``/proc/<pid>/stat``), so that a recycled pid is never taken for the
owner. ``sweep`` removes the directories of owners that no longer run; every worker sweeps when
it starts and then from its watchdog thread. Directories of the current user only, and of the
prefixes below only; a directory without an owner in its name (made before this scheme) is left
alone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from submissions.grading.isolation.sandbox import short_run_base

logger = logging.getLogger("submissions.grading")

# The template's spool, a run directory (sockets, kernel log), a working directory.
PREFIXES = ("grs-", "gr-", "grading-")
_OWNED = re.compile(r"^(?:grs|gr|grading)-(\d+)\.(\d+)-")


def _start_ticks(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot); None if it does not run."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # the command name may hold spaces
    return int(fields[19]) if len(fields) > 19 and fields[0] != "Z" else None


def owner_tag() -> str:
    """``<pid>.<start>`` of this process."""
    pid = os.getpid()
    return f"{pid}.{_start_ticks(pid) or 0}"


def make_dir(prefix: str, *, parent: str | None = None) -> Path:
    """A fresh private directory (0700) whose name names this process as its owner."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown prefix {prefix!r}")
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{owner_tag()}-", dir=parent))


def owner_alive(name: str) -> bool | None:
    """Whether the process named in a directory's name still runs; None if none is named."""
    match = _OWNED.match(name)
    if match is None:
        return None
    pid, start = int(match[1]), int(match[2])
    return _start_ticks(pid) == start


def sweep(parents: Iterable[str]) -> list[Path]:
    """Remove this user's grading directories in ``parents`` whose owner is gone."""
    removed: list[Path] = []
    uid = os.geteuid()
    for parent in dict.fromkeys(parents):  # each once, in order
        try:
            entries = list(os.scandir(parent))
        except OSError:
            continue
        for entry in entries:
            if owner_alive(entry.name) is not False:
                continue
            try:
                if not entry.is_dir(follow_symlinks=False) or entry.stat().st_uid != uid:
                    continue
            except OSError:
                continue
            directory = Path(entry.path)
            shutil.rmtree(directory, ignore_errors=True)
            if not directory.exists():
                removed.append(directory)
    if removed:
        logger.info(
            "removed %d grading directories left by workers that were killed: %s",
            len(removed),
            ", ".join(path.name for path in removed),
        )
    return removed


def sweep_abandoned() -> list[Path]:
    """``sweep`` where grading makes its directories (see ``make_dir``'s callers)."""
    return sweep([short_run_base(), tempfile.gettempdir()])
