"""State changes of publishing: publish a notebook as a new assignment, replace its source, check
a version, import an nbgrader course; each queues a publish check (docs/architecture.md)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from courses.exceptions import AssignmentExists, PublishError
from courses.models import Assignment, AssignmentVersion, Module
from courses.nbgrader_import import SourceNotebook, grouped
from courses.services import draft_assignment_version, start_version_check
from courses.services import publish_assignment as publish_courses_assignment
from platform.models import User
from submissions import tasks
from submissions.models import AssignmentSettings, PublishCheck


@transaction.atomic
def publish_assignment(
    *,
    module: Module,
    slug: str,
    title: str,
    source: bytes,
    nbgrader_rules: bool = False,
    **options: Any,
) -> Assignment:
    """Publish a new assignment (``courses.services.publish_assignment``, which takes the same
    options) with its ``AssignmentSettings`` at their defaults: every assignment this app
    serves has its settings row from the moment it exists (docs/architecture.md, "Assignment
    settings"). Every path that publishes (pages, API, import, demo, tests) calls this.

    ``nbgrader_rules``: the assignment comes from an nbgrader course and keeps nbgrader's
    warnings rule (any output on stderr fails a test); authored here, a Python warning on
    stderr does not (docs/grading.md, "Warnings")."""
    assignment = publish_courses_assignment(
        module=module, slug=slug, title=title, source=source, **options
    )
    AssignmentSettings.objects.create(
        assignment=assignment, ignore_stderr_warnings=not nbgrader_rules
    )
    return assignment


def publish_checked(
    *,
    module: Module,
    slug: str,
    title: str,
    source: bytes,
    nbgrader_rules: bool = False,
    **options: Any,
) -> PublishCheck:
    """Publish a new assignment from an nbgrader source and queue its publish check in the
    worker.

    Raises ``courses.exceptions.PublishError`` (with the cell and the problem) for a source
    nbgrader would refuse, and ``AssignmentExists`` for a short name the module already uses
    (replacing a notebook is ``replace_checked``); nothing is published then.
    """
    with transaction.atomic():
        assignment = publish_assignment(
            module=module,
            slug=slug,
            title=title,
            source=source,
            nbgrader_rules=nbgrader_rules,
            **options,
        )
        return _queue_check(assignment.versions.get(number=1))


def _queue_check(version: AssignmentVersion) -> PublishCheck:
    check = PublishCheck.objects.create(
        assignment_id=version.assignment_id, version=version, source_sha256=version.source_sha256
    )
    transaction.on_commit(lambda: tasks.check_publication.enqueue(check.pk))
    return check


@transaction.atomic
def check_version(*, version: AssignmentVersion) -> PublishCheck:
    """The instructor confirmed a drafted version: the worker checks it, and it replaces the
    live notebook only if the check passes (``tasks.check_publication``)."""
    return _queue_check(start_version_check(version=version))


@transaction.atomic
def replace_checked(
    *,
    actor: User,
    assignment: Assignment,
    source: bytes,
    given_settings: Mapping[str, Any],
    base_number: int | None = None,
) -> tuple[AssignmentVersion, PublishCheck]:
    """Replace an assignment's notebook in one step (the API): draft the next version and
    queue its check; it goes live when the check passes. Dates and settings not given stay;
    attempts keep the version they were made for (docs/grading.md)."""
    version = draft_assignment_version(
        actor=actor,
        assignment=assignment,
        source=source,
        given_settings=given_settings,
        base_number=base_number,
    )
    check = check_version(version=version)
    return check.version or version, check


def import_nbgrader_course(
    *,
    module: Module,
    sources: list[SourceNotebook],
    due: dict[str, datetime] | None = None,
    nbgrader_rules: bool = True,
) -> list[PublishCheck]:
    """Publish every source notebook of an nbgrader course into a module, all or nothing.

    Each becomes an assignment with a publish check; a source nbgrader would refuse aborts the
    import with the notebook's name and the problem. The assignments keep nbgrader's warnings
    rule unless ``nbgrader_rules`` is False (the instructor chose the lenient one).
    """
    due = due or {}
    checks = []
    with transaction.atomic():
        for order, (source, alone) in enumerate(grouped(sources)):
            try:
                checks.append(
                    publish_checked(
                        module=module,
                        slug=source.slug(alone=alone),
                        title=source.title(alone=alone),
                        source=source.data,
                        order=order,
                        due_at=due.get(source.assignment),
                        nbgrader_rules=nbgrader_rules,
                    )
                )
            except (PublishError, AssignmentExists) as error:
                raise PublishError(
                    _("%(file)s: %(problem)s")
                    % {
                        "file": f"{source.assignment}/{source.notebook}.ipynb",
                        "problem": error.message,
                    }
                ) from error
    return checks
