"""The publish-time kernel of nbgrader's AUTOTEST directives, run in the grading sandbox.

``courses.nbgrader_autotest`` plans what the kernel runs and writes the tests; this module is
its kernel (``RunCells``): one fresh kernel started by the grading machinery
(``submissions.grading.isolation.execution.execute``: the same sandbox, limits and clean-up as
a submission's), with the notebook's code cells run in order. nbgrader sends each piece of code
as an execute request and keeps the ``text/plain`` of the last result or display it gets back;
here each source cell becomes one cell of a small driver notebook, and the driver runs the
cell's pieces with IPython's ``run_cell`` (what an execute request runs) and takes the same
``text/plain`` from the kernel's own display hooks, which also keep these results out of the
output. So the per-cell time limit applies per source cell, as in grading, and nothing of the
instructor's notebook runs in the web process. See docs/grading.md, "AUTOTEST".
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from courses import nbgrader_autotest
from courses.nbgrader import NbgraderFormatError, Notebook, read_notebook, write_notebook
from courses.nbgrader_autotest import CellRun, KernelFailure, Op, TestRun
from courses.plain_i18n import gettext as _
from submissions import tasks
from submissions.grading.engine import stage_course_files
from submissions.grading.isolation import spool, uids
from submissions.grading.isolation.execution import execute
from submissions.grading.isolation.sandbox import (
    SandboxMisconfigured,
    SandboxUnavailable,
    grading_uids,
    resolve_isolation,
    short_run_base,
)

MIME = "application/vnd.certlab.autotest+json"

# Defined in the kernel by the driver notebook's first cell. It keeps nbgrader's rules: the
# last text/plain of a result or display wins, streams are dropped, an error stops everything.
_DRIVER = r"""
def __certlab_autotest__(ops, _state={"failed": False}):
    import contextlib, io
    from IPython import get_ipython
    from IPython.display import publish_display_data

    shell = get_ipython()
    answer = {"tests": [], "failure": None}
    if _state["failed"]:
        return
    captured = []

    def hook(msg):
        if msg["header"]["msg_type"] in ("execute_result", "display_data", "update_display_data"):
            captured.append(msg["content"]["data"].get("text/plain", KeyError))
            return None
        return msg

    class Failed(Exception):
        pass

    def run(code):
        del captured[:]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            result = shell.run_cell(code, store_history=True)
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            raise Failed(type(error).__name__, str(error))
        if captured and captured[-1] is KeyError:
            raise Failed("KeyError", "'text/plain'")
        return captured[-1] if captured else None

    shell.displayhook.register_hook(hook)
    shell.display_pub.register_hook(hook)
    step = test = None
    try:
        for step, op in enumerate(ops):
            test = None
            if "run" in op:
                run(op["run"])
                continue
            dispatch = run(op["test"])
            key = None if dispatch is None else dispatch.strip('"').strip("'")
            values = []
            for test, code in enumerate(op["by_type"].get(key, op["default"])):
                values.append(run(code))
            answer["tests"].append({"dispatch": dispatch, "values": values})
    except Failed as failed:
        _state["failed"] = True
        answer["failure"] = {"ename": failed.args[0], "evalue": failed.args[1],
                             "op": step, "test": test}
    finally:
        shell.displayhook.unregister_hook(hook)
        shell.display_pub.unregister_hook(hook)
    publish_display_data({"MIME": answer})
""".replace('"MIME"', repr(MIME))


def _driver_notebook(cells: Sequence[Sequence[Op]]) -> Notebook:
    def code(source: str) -> dict[str, Any]:
        return {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": source,
        }

    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "cells": [code(_DRIVER)]
        + [
            code(f"__certlab_autotest__(__import__('json').loads({json.dumps(list(ops))!r}))")
            for ops in cells
        ],
    }


def _answer(cell: dict[str, Any]) -> dict[str, Any] | None:
    for output in cell.get("outputs", []):
        data = output.get("data") if isinstance(output, dict) else None
        if isinstance(data, dict) and isinstance(data.get(MIME), dict):
            return data[MIME]  # type: ignore[no-any-return]
    return None


def _cell_run(answer: dict[str, Any]) -> CellRun:
    failure = answer.get("failure")
    return CellRun(
        tests=tuple(
            TestRun(dispatch=t["dispatch"], values=tuple(t["values"])) for t in answer["tests"]
        ),
        failure=None
        if failure is None
        else KernelFailure(
            ename=str(failure["ename"]),
            evalue=str(failure["evalue"]),
            op=failure["op"],
            test=failure["test"],
        ),
    )


def run_in_sandbox(
    cells: Sequence[Sequence[Op]], *, course_files: Sequence[tuple[str, Path]] = ()
) -> list[CellRun]:
    """``RunCells`` in a fresh sandboxed kernel: the answers up to the first failure. The
    assignment's course files are staged beside it read-only, as for grading.

    The grading uid this claims (a root web process) is given back once the kernel has ended;
    a worker keeps its own (docs/grading-sandbox.md, "A grading uid per worker").
    """
    try:
        loan = uids.borrowed(grading_uids())
    except SandboxMisconfigured as error:
        raise _sandbox_unavailable(error) from error
    with loan:
        return _run(cells, course_files)


def _sandbox_unavailable(error: Exception) -> NbgraderFormatError:
    return NbgraderFormatError(
        _(
            "The notebook's AUTOTEST directives could not be instantiated: the grading "
            "sandbox is not available (%(error)s)."
        )
        % {"error": error}
    )


def _run(cells: Sequence[Sequence[Op]], course_files: Sequence[tuple[str, Path]]) -> list[CellRun]:
    try:
        isolation = resolve_isolation()
    except (SandboxMisconfigured, SandboxUnavailable) as error:
        raise _sandbox_unavailable(error) from error
    limits = tasks.grading_limits()

    def stage(workdir: Path) -> None:
        stage_course_files(workdir, course_files)

    workdir = spool.make_dir("grading-")
    rundir = spool.make_dir("gr-", parent=short_run_base())
    try:
        execution = execute(
            _driver_notebook(cells),
            workdir=workdir,
            rundir=rundir,
            limits=limits,
            stage=stage,
            isolation=isolation,
        )
    finally:
        for path in (workdir, rundir):
            shutil.rmtree(path, ignore_errors=True)
    runs: list[CellRun] = []
    executed = execution.notebook["cells"][1:]
    for index, cell in enumerate(executed, start=1):
        answer = _answer(cell)
        if index in execution.interrupted or answer is None:
            reason = (
                _("the cell ran longer than %(n)s seconds") % {"n": limits.cell_timeout_s}
                if index in execution.interrupted
                else str(execution.error) or _("the kernel gave no answer")
            )
            runs.append(CellRun(failure=KernelFailure(ename="", evalue=reason)))
            break
        runs.append(_cell_run(answer))
        if runs[-1].failure is not None:
            break
    return runs


def with_autotests(
    source: bytes,
    *,
    templates: str | None = None,
    course_files: Sequence[tuple[str, Path]] = (),
) -> bytes:
    """The source with its AUTOTEST directives instantiated (the same bytes without any).

    ``templates``: the course's ``autotests.yml``, else nbgrader's documented one;
    ``course_files``: (path, file) pairs staged beside the notebook (a notebook that reads a
    course data file while instantiating finds it). Raises
    ``NbgraderFormatError`` naming the cell (and expression) nbgrader would stop on.
    """
    if nbgrader_autotest.AUTOTEST_DELIMITER.encode() not in source:
        return source  # the common case, without parsing the notebook
    notebook = read_notebook(source)
    if not nbgrader_autotest.has_autotests(notebook):
        return source
    return write_notebook(
        nbgrader_autotest.instantiate(
            notebook,
            run=lambda cells: run_in_sandbox(cells, course_files=course_files),
            templates=templates,
        )
    )
