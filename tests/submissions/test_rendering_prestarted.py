"""The rendering child started ahead (docs/rendering.md, "A child started ahead").

A worker that serves the rendering queue keeps one child waiting with the renderer imported.
It is the same child as a fresh one (command, environment, limits set before anything else),
renders one notebook and exits, and the next one is started in its place. The hostile
notebook's checks run through both kinds of child (``test_rendering_hostile.py``); the limits
are checked here.
"""

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from nbformat import v4

import submissions.rendering.sandbox as sandbox
from submissions.rendering import (
    RenderLimits,
    prestart_renderer,
    render_in_subprocess,
    stop_prestarted_renderer,
)
from tests.submissions.notebook_html import notebook, parse, to_bytes
from tests.submissions.test_rendering_hostile import slow_markdown_notebook

TOO_LONG = "This notebook could not be rendered (it took too long)."
HELLO = to_bytes(notebook(v4.new_markdown_cell("# Hello")))


@pytest.fixture(autouse=True)
def _stop_prestarting() -> Iterator[None]:
    yield
    stop_prestarted_renderer()


def waiting_child() -> subprocess.Popen[bytes]:
    child = sandbox._prestarted.child
    assert child is not None
    return child


def test_a_child_started_ahead_renders_one_notebook_and_is_replaced_by_a_fresh_one() -> None:
    prestart_renderer()
    first = waiting_child()
    assert first.poll() is None  # waiting for a notebook

    result = render_in_subprocess(HELLO)

    assert result.ok, result.error
    assert parse(result.html).cells[1].text.strip() == "Hello"
    assert first.returncode == 0  # it answered and exited: used once
    second = waiting_child()
    assert second.pid != first.pid
    assert second.poll() is None

    again = render_in_subprocess(HELLO)

    assert again.ok
    assert second.returncode == 0
    assert waiting_child().pid not in {first.pid, second.pid}


def test_the_child_started_ahead_is_the_fresh_childs_command_with_its_minimal_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[tuple[list[str], dict[str, Any]]] = []
    real_popen: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen

    def spy(command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append((command, kwargs))
        return real_popen(command, **kwargs)

    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setattr(subprocess, "Popen", spy)

    prestart_renderer()
    assert len(started) == 1
    assert render_in_subprocess(HELLO).ok

    # The render started no child of its own: only the next one ahead, after it.
    assert len(started) == 2
    for command, kwargs in started:
        assert command[1:3] == ["-I", "-B"]
        assert '"warm": true' in command[-1]
        assert set(kwargs["env"]) == {"PATH", "LANG", "LC_ALL"}
        assert kwargs["start_new_session"] is True
        assert kwargs["cwd"] == "/"


def test_a_render_with_other_limits_gets_a_fresh_child_and_the_one_ahead_is_killed() -> None:
    prestart_renderer()
    ahead = waiting_child()

    result = render_in_subprocess(HELLO, RenderLimits(cpu_seconds=30))

    assert result.ok
    assert ahead.returncode is not None and ahead.returncode < 0  # killed, never used
    replacement = waiting_child()
    assert replacement.pid != ahead.pid
    assert sandbox._prestarted.config == sandbox._prestarted.keep  # the worker's own limits


def test_a_child_started_ahead_that_died_is_replaced_by_a_fresh_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    prestart_renderer()
    dead = waiting_child()
    dead.kill()
    dead.wait()

    result = render_in_subprocess(HELLO)

    assert result.ok
    assert "the rendering child started ahead died" in caplog.text


def test_a_child_started_ahead_is_stopped_at_its_cpu_limit() -> None:
    limits = RenderLimits(cpu_seconds=1, wall_seconds=30)
    prestart_renderer(limits)

    result = render_in_subprocess(slow_markdown_notebook(), limits)

    assert (result.ok, result.html) == (False, "")
    assert str(result.error) == TOO_LONG


def test_a_child_started_ahead_is_killed_at_the_wall_clock_limit() -> None:
    limits = RenderLimits(cpu_seconds=60, wall_seconds=1)
    prestart_renderer(limits)
    ahead = waiting_child()
    time.sleep(2)  # it is warm: its wall clock starts when it is given the notebook

    result = render_in_subprocess(slow_markdown_notebook(), limits)

    assert (result.ok, result.html) == (False, "")
    assert str(result.error) == TOO_LONG
    assert ahead.returncode == -9


def test_a_child_started_ahead_without_the_memory_it_needs_fails_with_an_answer() -> None:
    limits = RenderLimits(memory_bytes=30_000_000)
    prestart_renderer(limits)

    result = render_in_subprocess(HELLO, limits)

    assert (result.ok, result.html) == (False, "")
    assert str(result.error) in (
        "This notebook could not be rendered.",
        "This notebook could not be rendered (it needs too much memory).",
    )


def test_render_children_run_behind_grading_at_a_lower_priority() -> None:
    prestart_renderer()
    ahead = waiting_child()
    deadline = time.monotonic() + 30

    def niceness() -> int:
        # /proc/<pid>/stat: the 19th field; the command in parentheses may hold spaces.
        return int(Path(f"/proc/{ahead.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])

    while niceness() != sandbox.NICENESS and time.monotonic() < deadline:
        time.sleep(0.05)

    assert niceness() == sandbox.NICENESS == 10
    assert os.getpriority(os.PRIO_PROCESS, 0) < sandbox.NICENESS  # the worker's own is kept
