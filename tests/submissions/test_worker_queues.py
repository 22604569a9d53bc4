"""Grading and rendering have workers of their own: a render never holds up a grading.

The workers here are ``manage.py grading_worker`` run in threads of the test process (so a
render can be made to block until the test releases it); their tasks are the real ones, with
the child process and the grading engine replaced by stand-ins. The kernel template and the
rendering child started ahead are not started (``_no_prestarting``): they have tests of their
own, and the real command starts them (``test_worker.py``).
"""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from courses.plain_i18n import verbatim
from submissions import tasks
from submissions.grading import GradingReport
from submissions.management.commands import grading_worker
from submissions.models import GradingRun, RenderedNotebook, Submission
from submissions.rendering import RenderResult
from tests.helpers import submit, wait_for

ROOT = Path(__file__).resolve().parents[2]
A_MINUTE = 60


@pytest.fixture(autouse=True)
def _no_prestarting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grading_worker, "prestart_template", lambda limits: None)
    monkeypatch.setattr(grading_worker, "prestart_renderer", lambda *a, **k: None)
    # Signal handlers can only be installed from the main thread.
    monkeypatch.setattr(grading_worker.DoorbellWorker, "configure_signals", lambda self: None)


class BlockingRender:
    """``render_in_subprocess`` that says when it started and waits until it is released."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, raw: bytes, *args: Any, **kwargs: Any) -> RenderResult:
        self.started.set()
        assert self.release.wait(timeout=A_MINUTE)
        return RenderResult(ok=True, html="<div>rendered</div>", error=verbatim(""))


def quick_grade(run: GradingRun) -> GradingReport:
    return GradingReport.failure(verbatim("graded by a stand-in"))


def run_worker(queues: str) -> None:
    call_command("grading_worker", queue_name=queues, max_tasks=1, interval=0.05)


@pytest.fixture
def blocking_render(monkeypatch: pytest.MonkeyPatch) -> Iterator[BlockingRender]:
    render = BlockingRender()
    monkeypatch.setattr(tasks, "render_in_subprocess", render)
    monkeypatch.setattr(tasks, "_grade", quick_grade)
    yield render
    render.release.set()  # never leave a worker thread waiting


@pytest.mark.django_db(transaction=True)
def test_a_grading_queued_behind_a_running_render_is_graded_while_the_render_runs(
    database_tasks: None, blocking_render: BlockingRender, enrolled: Any, assignment: Any
) -> None:
    submission = submit(enrolled, assignment)
    rendered = RenderedNotebook.objects.get(notebook_sha256=submission.notebook_sha256)
    renderer = threading.Thread(target=run_worker, args=("rendering,default",), daemon=True)
    renderer.start()
    assert blocking_render.started.wait(timeout=A_MINUTE)

    grader = threading.Thread(target=run_worker, args=("grading",), daemon=True)
    grader.start()
    grader.join(timeout=A_MINUTE)

    assert not grader.is_alive()
    run = submission.grading_runs.get()
    assert run.status == GradingRun.Status.FAILED  # settled by the stand-in grader
    assert Submission.objects.get(pk=submission.pk).is_settled
    assert RenderedNotebook.objects.get(pk=rendered.pk).status == RenderedNotebook.Status.PENDING
    assert renderer.is_alive()  # the render is still running

    blocking_render.release.set()
    renderer.join(timeout=A_MINUTE)

    assert not renderer.is_alive()
    rendered.refresh_from_db()
    run.refresh_from_db()
    assert rendered.status == RenderedNotebook.Status.OK
    assert rendered.rendered_at is not None and run.finished_at is not None
    assert run.finished_at < rendered.rendered_at


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("queues", "done", "waiting"),
    [("grading", "grading", "rendering"), ("rendering", "rendering", "grading")],
)
def test_a_worker_serves_only_the_queues_it_is_given(
    database_tasks: None,
    monkeypatch: pytest.MonkeyPatch,
    enrolled: Any,
    assignment: Any,
    queues: str,
    done: str,
    waiting: str,
) -> None:
    monkeypatch.setattr(tasks, "_grade", quick_grade)
    monkeypatch.setattr(
        tasks,
        "render_in_subprocess",
        lambda raw, *a, **k: RenderResult(ok=True, html="<div></div>", error=verbatim("")),
    )
    submission = submit(enrolled, assignment)

    run_worker(queues)  # one task, then it returns

    statuses = dict(DBTaskResult.objects.values_list("queue_name", "status"))
    assert statuses == {done: "SUCCESSFUL", waiting: "READY"}
    graded = submission.grading_runs.get().status != GradingRun.Status.QUEUED
    rendered = RenderedNotebook.objects.get(notebook_sha256=submission.notebook_sha256)
    assert graded == (done == "grading")
    assert (rendered.status == RenderedNotebook.Status.OK) == (done == "rendering")


@pytest.mark.django_db(transaction=True)
def test_a_queue_the_site_does_not_have_is_refused_with_its_name(database_tasks: None) -> None:
    with pytest.raises(CommandError, match=r"not a queue of this site \(grading_\).*rendering"):
        run_worker("grading_")


def test_bin_run_starts_a_grading_worker_and_a_rendering_worker() -> None:
    script = (ROOT / "bin" / "run").read_text()
    commands = [line for line in script.splitlines() if "grading_worker" in line]

    assert commands == [
        '"$PY" manage.py grading_worker --queue-name grading &',
        '"$PY" manage.py grading_worker --queue-name rendering,default &',
    ]
    assert 'kill "$GRADING_WORKER" "$RENDERING_WORKER"' in script


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_rendering_worker_renders_with_its_child_started_ahead_and_grades_nothing(
    start_worker: Any, enrolled: Any, assignment: Any, tmp_path: Path
) -> None:
    worker = start_worker(queue_name="rendering,default")
    submission = submit(enrolled, assignment)

    def rendered() -> bool:
        row = RenderedNotebook.objects.get(notebook_sha256=submission.notebook_sha256)
        return row.status != RenderedNotebook.Status.PENDING

    wait_for(rendered, timeout=A_MINUTE, log=tmp_path / "worker-1.log")
    row = RenderedNotebook.objects.get(notebook_sha256=submission.notebook_sha256)
    assert row.status == RenderedNotebook.Status.OK
    assert submission.grading_runs.get().status == GradingRun.Status.QUEUED

    def a_render_child_waits() -> bool:
        """The next render child is started ahead: a child of the worker at niceness 10."""
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        return any(niceness(pid) == 10 for pid in children)

    wait_for(a_render_child_waits, timeout=A_MINUTE, log=tmp_path / "worker-1.log")


def niceness(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[16])  # the 19th field
