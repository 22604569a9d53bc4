"""The launcher of a kernel of its own: limits, message trimming, then ipykernel, in one process.

Runs inside the sandbox (or, without one, in the kernel's working directory) as
``python -s -P /opt/kernel/launcher.py <rlimits> <message cap> -f <connection file> ...``,
with the kernel's interpreter, so the limits bind the kernel itself. ``<rlimits>`` is a JSON
list of ``[name, soft, hard]`` (no braces: jupyter_client formats every kernel argument as a
template); the arguments after the first two are ipykernel's. -s -P is -I minus -E: the
environment is built from scratch anyway, and -E would make Python ignore PYTHONHASHSEED
(deterministic hashing keeps grading reproducible); -P keeps this file's directory and the
working directory off ``sys.path``.

The kernel template (``kernel_template.py``, bound beside this file) loads it by path for the
same limits, trimming and font list in the kernels it forks: standard library only at module
level, nothing of the project. See docs/grading-sandbox.md ("The launcher").
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
from collections.abc import Iterable, Sequence
from typing import Any

MPLCONFIG = "/opt/kernel/mplconfig"


def set_limits(limits: Iterable[Sequence[Any]]) -> None:
    """Set each ``(name, soft, hard)`` limit, never above a hard limit already in place."""
    for name, soft, hard in limits:
        kind = getattr(resource, name)
        _, current = resource.getrlimit(kind)
        if current != resource.RLIM_INFINITY:
            hard = min(hard, current)
            soft = min(soft, hard)
        resource.setrlimit(kind, (soft, hard))


def trim_messages(cap: int) -> None:
    """Cut an outgoing message over ``cap`` bytes down to what grading needs.

    A courtesy to honest notebooks (an endless print loop, a huge DataFrame shown): a message
    that would exceed the worker's ZMQ_MAXMSGSIZE leaves the kernel with its payload cut down
    and a "grading_truncated" mark, so the output is truncated instead of the worker dropping
    the connection. It runs inside the sandbox, so hostile code can undo it; the worker's own
    limits do not depend on it.
    """
    from jupyter_client.session import Session  # in the kernel only

    serialize = Session.serialize

    def trimmed(self: Any, msg: dict[str, Any], ident: Any = None) -> list[bytes]:
        frames = serialize(self, msg, ident)
        size = sum(len(frame) for frame in frames)
        content = msg.get("content")
        if size <= cap or not isinstance(content, dict):
            return frames
        small = dict(content, grading_truncated=size)
        if isinstance(small.get("text"), str):
            small["text"] = small["text"][: cap // 8]
        if isinstance(small.get("data"), dict):
            small["data"] = {"text/plain": f"[output of {size} bytes dropped]"}
            small["metadata"] = {}
        if "evalue" in small:
            small["evalue"] = str(small["evalue"])[:1000]
        if isinstance(small.get("traceback"), list):
            small["traceback"] = [str(line)[:1000] for line in small["traceback"][-3:]]
        return serialize(self, dict(msg, content=small), ident)

    Session.serialize = trimmed  # type: ignore[method-assign]


def seed_matplotlib(seed: str = MPLCONFIG) -> None:
    """The kernel's own, writable MPLCONFIGDIR, with the shared font list of ``seed`` copied in.

    So no kernel rebuilds the list, and a process the notebook starts (which imports matplotlib
    afresh) finds a writable directory with the list.
    """
    target = os.environ.get("MPLCONFIGDIR")
    if not target or target == seed or not os.path.isdir(seed):
        return
    os.makedirs(target, mode=0o700, exist_ok=True)
    for name in os.listdir(seed):
        if name.startswith("fontlist-") and name.endswith(".json"):
            shutil.copyfile(os.path.join(seed, name), os.path.join(target, name))


def main() -> None:
    set_limits(json.loads(sys.argv[1]))
    try:
        trim_messages(int(sys.argv[2]))
    except Exception as error:  # noqa: BLE001 - trimming is a courtesy, the kernel runs anyway
        sys.stderr.write(f"output trimming unavailable: {error!r}\n")
    try:
        seed_matplotlib()
    except OSError as error:
        sys.stderr.write(f"matplotlib font list not copied: {error!r}\n")
    sys.argv = ["ipykernel_launcher", *sys.argv[3:]]
    from ipykernel import kernelapp  # after the limits, so they bind it

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
