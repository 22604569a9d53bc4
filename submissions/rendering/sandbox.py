"""Rendering in a resource-limited child process (docs/rendering.md, step 1).

Crafted markdown can keep mistune busy for minutes and a notebook can ask for more memory than a
worker has, so the worker never renders in its own process: it starts a fresh interpreter per
notebook, feeds it the raw bytes on stdin, and reads one JSON object from its stdout.

How the child is started, and why:

* ``sys.executable -I -B -c <bootstrap> <project root> <config>`` (see ``_BOOTSTRAP``). ``-I`` (isolated mode) ignores
  every ``PYTHON*`` variable and keeps the current directory and user site-packages off
  ``sys.path``; ``-B`` writes no bytecode files. Isolation also means the project is not
  importable by default, so the bootstrap *appends* the project root (computed from this file:
  ``submissions/rendering/sandbox.py`` -> three levels up) to ``sys.path``. Appending rather than
  prepending keeps the standard library's ``platform`` ahead of the project's ``platform``
  package, so nothing in the child depends on the shadowing trick (docs/architecture.md), and
  the child never imports Django. The working directory is ``/``: nothing in the child uses
  relative paths.
* A minimal environment (``PATH`` and a UTF-8 locale): no database URL, secret key, API token or
  cloud credential of the worker reaches the process that parses hostile input.
* The child sets its own ``RLIMIT_CPU``, ``RLIMIT_AS`` and ``RLIMIT_CORE`` first thing (see
  :mod:`.child`), instead of a ``preexec_fn``, which is unsafe in a threaded parent.
* The parent enforces the wall clock: on timeout it kills the child's whole process group.
* The child lowers its own CPU priority to ``NICENESS``, so grading goes first on a busy host.

A child started ahead (``prestart_renderer``, called by a worker that serves the rendering
queue): the same command, environment and limits, with one more key in its config, ``warm``.
Such a child sets its limits first, as any child does, then imports nbconvert and renders a
small built-in notebook (templates compiled, lexers loaded), and only then blocks reading its
notebook from stdin. A render then hands the notebook to that waiting child instead of
paying the interpreter's start and the imports (about a second) while the participant
waits; right after, the next child is started for the next render. Each child renders one
notebook and exits, as before; one started with other limits than a render asks for is killed
and a fresh child started (docs/rendering.md, "A child started ahead").

Whatever happens, the caller gets a :class:`RenderResult`, never an exception.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from courses.plain_i18n import Message, gettext_lazy
from submissions.intake.notebooks import IntakeLimits

__all__ = [
    "PROJECT_ROOT",
    "RenderLimits",
    "RenderResult",
    "prestart_renderer",
    "render_in_subprocess",
    "stop_prestarted_renderer",
]

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# ``rfc3987_syntax`` is blocked (``None`` in sys.modules makes its import fail, which jsonschema
# tolerates): when installed (nbgrader -> jupyter_server -> jupyter_events ->
# jsonschema[format-nongpl]) jsonschema imports it eagerly, and it compiles a Lark grammar on
# import, 2.7 s of CPU for every child. It only checks the "iri" string format, which the
# notebook schema never uses.
_BOOTSTRAP = (
    "import sys; sys.modules['rfc3987_syntax'] = None; sys.path.append(sys.argv[1]); "
    "from submissions.rendering.child import main; sys.exit(main(sys.argv[2]))"
)
_CHILD_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
# Render children run at this niceness: where a render and a grading compete for a core, the
# grading gets it (docs/rendering.md, "A child started ahead"). On an idle core it changes
# nothing.
NICENESS = 10

# Worded when shown, in the reader's language (RenderedNotebook.error_text).
TOO_LONG = gettext_lazy("This notebook could not be rendered (it took too long).")
TOO_MUCH_MEMORY = gettext_lazy("This notebook could not be rendered (it needs too much memory).")
TOO_DEEP = gettext_lazy("This notebook could not be rendered (it is nested too deeply).")
FAILED = gettext_lazy("This notebook could not be rendered.")


@dataclass(frozen=True)
class RenderLimits:
    """Limits for one rendering child. CPU and memory are enforced by the kernel, wall by us."""

    cpu_seconds: int = 60
    memory_bytes: int = 1_500_000_000  # address space, not resident memory
    wall_seconds: float = 90


@dataclass(frozen=True)
class RenderResult:
    """``html`` is the sanitized fragment when ``ok``; otherwise ``error`` says why, for people."""

    ok: bool
    html: str
    error: Message


_DEFAULT_RENDER_LIMITS = RenderLimits()
_ERROR_LIMIT = 2_000
_DEFAULT_INTAKE_LIMITS = IntakeLimits()


def render_in_subprocess(
    raw: bytes,
    limits: RenderLimits = _DEFAULT_RENDER_LIMITS,
    *,
    intake_limits: IntakeLimits = _DEFAULT_INTAKE_LIMITS,
) -> RenderResult:
    """Validate, pre-filter, export and sanitize ``raw`` in a limited child process.

    ``intake_limits`` should be the ones the upload was accepted under (a site that raised
    ``NOTEBOOK_MAX_BYTES`` must not then fail to render what it accepted).
    """
    config = _config(limits, intake_limits)
    child = _take_prestarted(config)
    if child is None:
        child = _start(config)
    if child is None:
        return RenderResult(ok=False, html="", error=FAILED)
    try:
        return _communicate(child, raw, limits)
    finally:
        _replace_prestarted()


def _communicate(child: subprocess.Popen[bytes], raw: bytes, limits: RenderLimits) -> RenderResult:
    try:
        stdout, stderr = child.communicate(raw, timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        _kill(child)
        logger.warning("rendering child killed after %.0f s wall clock", limits.wall_seconds)
        return RenderResult(ok=False, html="", error=TOO_LONG)
    return _result(child.returncode, stdout, stderr)


def _config(limits: RenderLimits, intake_limits: IntakeLimits) -> str:
    """What the child is told: its kernel-enforced limits and the intake caps (JSON)."""
    return json.dumps(
        {
            "cpu_seconds": int(limits.cpu_seconds),
            "memory_bytes": int(limits.memory_bytes),
            "niceness": NICENESS,
            "intake": dataclasses.asdict(intake_limits),
        }
    )


def _start(config: str, *, warm: bool = False) -> subprocess.Popen[bytes] | None:
    """A rendering child with ``config``; ``warm``: it imports and warms up before it reads."""
    if warm:
        config = json.dumps({**json.loads(config), "warm": True})
    command = [sys.executable, "-I", "-B", "-c", _BOOTSTRAP, str(PROJECT_ROOT), config]
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_CHILD_ENV,
            cwd="/",
            close_fds=True,
            start_new_session=True,  # its own process group, so a timeout kills all of it
        )
    except OSError:
        logger.exception("could not start the rendering child process")
        return None


@dataclass
class _Prestarted:
    """The child started ahead for the next render."""

    keep: str | None = None  # the config to keep a child ahead with; None: keep none
    child: subprocess.Popen[bytes] | None = None
    config: str = ""  # the config ``child`` was started with


_prestarted = _Prestarted()
_prestarted_lock = threading.Lock()


def prestart_renderer(
    limits: RenderLimits = _DEFAULT_RENDER_LIMITS,
    *,
    intake_limits: IntakeLimits = _DEFAULT_INTAKE_LIMITS,
) -> None:
    """From now on keep one rendering child started ahead, warm, for the next render.

    A worker that serves the rendering queue calls this once, with the limits its renders
    use; ``render_in_subprocess`` then starts the next child after every render.
    """
    with _prestarted_lock:
        _prestarted.keep = _config(limits, intake_limits)
    _replace_prestarted()


def stop_prestarted_renderer() -> None:
    """Kill the child started ahead and start no more (tests; a worker's exit ends it anyway:
    the child reads end-of-file on stdin, fails to render nothing and exits)."""
    with _prestarted_lock:
        child, _prestarted.child, _prestarted.keep = _prestarted.child, None, None
    if child is not None:
        _kill(child)


def _take_prestarted(config: str) -> subprocess.Popen[bytes] | None:
    """The child started ahead if it was started with ``config``; it is then no longer kept.

    One started with other limits, or that has died, is killed: the caller starts a fresh one.
    """
    with _prestarted_lock:
        child, started_with, _prestarted.child = _prestarted.child, _prestarted.config, None
    if child is None:
        return None
    if child.poll() is not None:
        logger.warning("the rendering child started ahead died (%d)", child.returncode)
        child.communicate()  # its pipes closed; already reaped, so no signal to its group
        return None
    if started_with != config:
        logger.info("the rendering child started ahead has other limits; starting a fresh one")
        _kill(child)
        return None
    return child


def _replace_prestarted() -> None:
    """Start the next child ahead, if this process keeps one and has none waiting."""
    with _prestarted_lock:
        config = _prestarted.keep
        if config is None or _prestarted.child is not None:
            return
        _prestarted.child, _prestarted.config = _start(config, warm=True), config


def _kill(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    try:
        child.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
        child.kill()
        child.wait()


def _result(returncode: int, stdout: bytes, stderr: bytes) -> RenderResult:
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        # SIGXCPU at the soft CPU limit, SIGKILL at the hard one (or from the OOM killer).
        logger.warning("rendering child stopped by signal %d", -returncode)
        return RenderResult(ok=False, html="", error=TOO_LONG)
    if returncode != 0:
        logger.warning(
            "rendering child exited with %d: %s",
            returncode,
            stderr[-2000:].decode("utf-8", "replace"),
        )
        return RenderResult(ok=False, html="", error=FAILED)
    try:
        answer = json.loads(stdout)
        ok, html = answer["ok"], answer["html"]
        error = Message.from_data(answer["error"], limit=_ERROR_LIMIT)
    except (ValueError, KeyError, TypeError, RecursionError):
        logger.warning("rendering child gave an unreadable answer (%d bytes)", len(stdout))
        return RenderResult(ok=False, html="", error=FAILED)
    if not (isinstance(ok, bool) and isinstance(html, str)):
        return RenderResult(ok=False, html="", error=FAILED)
    if not ok and stderr:
        logger.info("rendering failed: %s", stderr[-2000:].decode("utf-8", "replace"))
    if ok:
        return RenderResult(ok=True, html=html, error=Message())
    return RenderResult(ok=False, html="", error=error or FAILED)
