"""The disk quota and staging: the submission's files put into the kernel's working directory.

Under bubblewrap everything a kernel may write (its working directory, /tmp and /dev/shm) is
one tmpfs of ``GradingLimits.disk_bytes``; the worker stages the files into it through
/proc/<init>/root once the kernel runs and before any cell does, and stops a notebook that has
filled it (docs/grading-sandbox.md, "The disk quota").
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

from courses.plain_i18n import Message, gettext_lazy
from submissions.grading.isolation.processes import KernelHandle
from submissions.grading.isolation.sandbox import SANDBOX_HOME, SANDBOX_SHM, SANDBOX_TMP, Isolation
from submissions.grading.report import GradingLimits, MiB

# What the participant reads when the disk quota (GradingLimits.disk_bytes) is in the way; the
# numbers go to the run's log. Marked for the catalogue, translated when shown.
DISK_FULL = gettext_lazy(
    "The notebook filled the disk space it may use while it is graded (its folder and the "
    "temporary folders together), so it was stopped."
)
FILES_TOO_LARGE = gettext_lazy(
    "Your files do not fit into the disk space a notebook may use while it is graded."
)
FILES_NOT_STAGED = gettext_lazy("Your files could not be prepared for grading.")

# Copies the submission's files into the kernel's working directory (given as the worker
# reaches it); raises OSError.
Stage = Callable[[Path], None]


def disk_full(handle: KernelHandle) -> bool:
    """Whether the kernel has used up its disk quota (space or files) in any place it may
    write. Without a sandbox there is no quota, and this is never true."""
    for place in (SANDBOX_HOME, SANDBOX_TMP, SANDBOX_SHM):
        path = handle.inside(place)
        if path is None:
            return False
        try:
            info = os.statvfs(path)
        except OSError:
            return False  # the kernel is gone
        if info.f_bavail == 0 or (info.f_files and info.f_favail == 0):
            return True
    return False


def megabytes(size: int) -> str:
    """A size for the run's log."""
    return f"{size / MiB:g} MiB"


def stage_files(
    stage: Stage,
    workdir: Path,
    isolation: Isolation,
    handle: KernelHandle,
    limits: GradingLimits,
    notes: list[str],
) -> Message:
    """Copy the submission's files into the started kernel's working directory: under
    bubblewrap its tmpfs (inside the disk quota), reached through /proc/<init>/root; without a
    sandbox ``workdir`` itself. No notebook code has run yet, so nothing in there is the
    notebook's (a symbolic link, say). The reason the attempt fails, or an empty message.
    """
    home = handle.inside(SANDBOX_HOME) if handle.sandboxed else workdir
    if home is None:
        notes.append("staging: the kernel's working directory could not be reached")
        return FILES_NOT_STAGED
    try:
        if handle.sandboxed and isolation.uid is not None and isolation.gid is not None:
            os.chown(home, isolation.uid, isolation.gid)  # a kernel of its own: bwrap's tmpfs
            home.chmod(0o700)
        stage(home)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            notes.append(
                f"staging: the submission's files exceed the disk quota "
                f"({megabytes(limits.disk_bytes)})"
            )
            return FILES_TOO_LARGE
        notes.append(f"staging: {error}")  # a server-side problem: details for the log only
        return FILES_NOT_STAGED
    return Message()
