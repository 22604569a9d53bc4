"""Why a notebook's run ended early, worded for the participant.

The worker reads it from what it saw: its own deadline, a cell that filled the disk quota or
ignored an interrupt, a message too large to arrive, or how the kernel's process ended (a
CPU-time or file-size signal, a SIGKILL that is usually the memory limit, another signal, an
exit status). Whole sentences with the cell and without, so that each language words them its
way (docs/i18n.md).
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

from nbclient.exceptions import DeadKernelError

from courses.plain_i18n import Message, gettext_lazy, gettext_noop, ngettext_lazy
from submissions.grading.isolation.output import message_limit
from submissions.grading.isolation.processes import KernelHandle
from submissions.grading.isolation.staging import DISK_FULL
from submissions.grading.report import GradingLimits, MiB

if TYPE_CHECKING:
    from submissions.grading.isolation.client import GradingClient


def why_stopped(
    error: Exception, client: GradingClient, handle: KernelHandle, limits: GradingLimits
) -> Message:
    """The reason the notebook did not run to its end, given the error its run ended with."""
    if handle.deadline_hit or isinstance(error, TimeoutError):
        return ngettext_lazy(
            "The notebook did not finish within %(n)s second.",
            "The notebook did not finish within %(n)s seconds.",
            limits.notebook_timeout_s,
        )
    if client.disk_full_cell is not None:
        return DISK_FULL
    if client.stuck_cell is not None:
        return ngettext_lazy(
            "Cell %(cell)s did not stop when it was interrupted after %(n)s second, "
            "so the kernel was stopped.",
            "Cell %(cell)s did not stop when it was interrupted after %(n)s seconds, "
            "so the kernel was stopped.",
            limits.cell_timeout_s,
            cell=client.stuck_cell + 1,
        )
    if handle.oversized_cell is not None:
        megabytes = round(message_limit(limits) / MiB, 1)
        if handle.oversized_cell >= 0:
            return gettext_lazy(
                "Cell %(cell)s sent a single message larger than %(megabytes)s MB to the "
                "grader, so the kernel was stopped and the notebook could not be graded.",
                cell=handle.oversized_cell + 1,
                megabytes=megabytes,
            )
        return gettext_lazy(
            "The notebook sent a single message larger than %(megabytes)s MB to the "
            "grader, so the kernel was stopped and the notebook could not be graded.",
            megabytes=megabytes,
        )
    if isinstance(error, DeadKernelError):
        return describe_death(handle, client.current_cell, limits)
    return gettext_lazy("The notebook could not be run (%(error)s).", error=type(error).__name__)


def describe_death(handle: KernelHandle, cell: int | None, limits: GradingLimits) -> Message:
    """Why the kernel died, from how its process ended (a signal, an exit status)."""
    code = handle.returncode()
    signum: int | None = None
    if code is not None and code < 0:
        signum = -code
    elif code is not None and handle.sandboxed and code > 128:
        signum = code - 128  # bwrap exits 128 + N when the kernel died of signal N
    # Whole sentences with the cell and without, so that each language words them its way.
    values: dict[str, int | str] = {}
    if signum == signal.SIGXCPU:
        in_cell = gettext_noop(
            "The kernel used up its CPU time while running cell %(cell)s and was stopped."
        )
        anywhere = gettext_noop("The kernel used up its CPU time and was stopped.")
    elif signum == signal.SIGXFSZ:
        values["megabytes"] = limits.file_size_bytes // MiB
        in_cell = gettext_noop(
            "The notebook wrote a file larger than %(megabytes)s MB while running cell %(cell)s."
        )
        anywhere = gettext_noop("The notebook wrote a file larger than %(megabytes)s MB.")
    elif code is None or signum == signal.SIGKILL:
        in_cell = gettext_noop(
            "The kernel was killed while running cell %(cell)s (it may have run out of memory)."
        )
        anywhere = gettext_noop("The kernel was killed (it may have run out of memory).")
    elif signum is not None:
        values["signal"] = str(signum)
        in_cell = gettext_noop("The kernel died while running cell %(cell)s (signal %(signal)s).")
        anywhere = gettext_noop("The kernel died (signal %(signal)s).")
    else:
        values["status"] = str(code)
        in_cell = gettext_noop(
            "The kernel died while running cell %(cell)s: its process exited with status "
            "%(status)s."
        )
        anywhere = gettext_noop("The kernel died: its process exited with status %(status)s.")
    if cell is None or cell < 0:
        return gettext_lazy(anywhere, **values)
    return gettext_lazy(in_cell, cell=cell + 1, **values)
