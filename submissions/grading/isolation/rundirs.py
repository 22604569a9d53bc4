"""Where a run's kernel and files come from, and the worker's kernel template started early.

With a kernel template a run uses a job of the template's spool (and the kernel forked ahead
for it, when its limits match); otherwise fresh temporary directories named after their owner
(``spool.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from submissions.grading.isolation import forkserver, spool
from submissions.grading.isolation.forkserver import ForkServer, TemplateUnavailable
from submissions.grading.isolation.launch import template_environment, template_request
from submissions.grading.isolation.sandbox import (
    Isolation,
    SandboxMisconfigured,
    SandboxUnavailable,
    resolve_isolation,
    short_run_base,
)
from submissions.grading.report import GradingLimits

logger = logging.getLogger("submissions.grading")


@dataclass(frozen=True)
class RunDirs:
    """A submission's working directory and the worker's run directory for its kernel.

    With a kernel template both live in the template's spool (the job's directory is the run
    directory, its ``work`` the working directory); otherwise they are fresh temporary
    directories. ``ready`` is the job's kernel when it was forked ahead of the submission.
    """

    workdir: Path
    rundir: Path
    server: ForkServer | None = None
    job: forkserver.Job | None = None
    ready: forkserver.ForkedJob | None = None

    def remove(self, remove_tree: Any) -> None:
        if self.ready is not None:
            self.ready.kernel.kill()  # gone already when it ran; never left waiting
        for path in (self.workdir, self.rundir):
            if path.exists():
                remove_tree(path)


def run_dirs(isolation: Isolation, limits: GradingLimits | None = None) -> RunDirs:
    """Directories for the next run, in the template's spool when this worker has one.

    Given the run's ``limits``, the run takes the kernel forked ahead with them, if any.
    """
    if forkserver.usable(isolation):
        try:
            server = forkserver.server(isolation, template_environment(isolation))
            ready = None
            if limits is not None:
                ready = server.take_ready(template_request(limits, isolation))
            job = ready.job if ready is not None else server.new_job()
        except (TemplateUnavailable, OSError) as error:
            logger.warning("grading without the kernel template: %s", error)
        else:
            return RunDirs(job.workdir, job.root, server, job, ready)
    workdir = spool.make_dir("grading-")
    # Short: ipc socket paths inside it must stay under ~108 bytes.
    rundir = spool.make_dir("gr-", parent=short_run_base())
    return RunDirs(workdir, rundir)


def prestart_template(limits: GradingLimits | None = None) -> bool:
    """Start this worker's kernel template ahead of the first submission, where it is used.

    Given the grading ``limits``, also fork the first submission's kernel. Call it from the
    thread that will grade (the template dies with the thread that started it). Returns
    whether a template is running; failures are logged, never raised.
    """
    try:
        isolation = resolve_isolation()
    except (SandboxMisconfigured, SandboxUnavailable) as error:
        logger.warning("no kernel template: %s", error)
        return False
    if not forkserver.usable(isolation):
        logger.info("no kernel template: %s", forkserver.why_not(isolation))
        return False
    try:
        server = forkserver.server(isolation, template_environment(isolation))
    except TemplateUnavailable:
        return False  # logged by forkserver.server
    if limits is not None:
        server.prepare_next(template_request(limits, isolation))
    return True
