"""State changes of publishing: publish a notebook as a new assignment, replace its source, check
a version, import an nbgrader course; each queues a publish check (docs/architecture.md)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses import nbgrader
from courses.exceptions import AssignmentExists, PublishError
from courses.models import Assignment, AssignmentVersion, Module
from courses.nbgrader import NbgraderFormatError
from courses.nbgrader_import import CourseSources, Skipped, SourceNotebook, assignment_slug
from courses.services import NotebookSources, draft_assignment_version, start_version_check
from courses.services import publish_assignment as publish_courses_assignment
from platform.models import User
from submissions import tasks
from submissions.models import AssignmentSettings, PublishCheck
from submissions.publishing.autotest import with_autotests
from submissions.publishing.course_files import (
    CourseFile,
    attach_course_files,
    files_of,
    staged,
    store_course_files,
)


def instantiate_autotests(
    source: bytes, *, autotests: str | None = None, course_files: Sequence[CourseFile] = ()
) -> bytes:
    """The source with nbgrader's AUTOTEST directives turned into test code, as nbgrader's
    generate_assignment does, by a kernel in the grading sandbox (``publishing.autotest``);
    the same bytes without directives. Every path that publishes a source calls it first, so
    the stored source, the grading copy and the release all hold the instantiated tests.
    ``autotests``: the course's ``autotests.yml``; ``course_files`` are staged beside the
    notebook. Raises ``PublishError`` naming the cell (and the expression) nbgrader would stop
    on."""
    try:
        return with_autotests(source, templates=autotests, course_files=staged(course_files))
    except NbgraderFormatError as error:
        raise PublishError(str(error)) from error


def _instantiated(
    module: Module,
    slug: str,
    source: NotebookSources,
    autotests: str | None,
    instantiated: bool,
    course_files: Sequence[CourseFile],
) -> NotebookSources:
    # A short name already taken is refused by courses without running any kernel; the kernel
    # runs before any transaction opens, so it holds no lock while the notebook runs.
    if instantiated or module.assignments.filter(slug=slug).exists():
        return source
    if isinstance(source, bytes):
        return instantiate_autotests(source, autotests=autotests, course_files=course_files)
    instantiated_set = []
    for name, data in source:
        try:
            instantiated_set.append(
                (name, instantiate_autotests(data, autotests=autotests, course_files=course_files))
            )
        except PublishError as error:
            raise PublishError(f"{name}: {error.message}") from error
    return instantiated_set


def publish_assignment(
    *,
    module: Module,
    slug: str,
    title: str,
    source: NotebookSources,
    autotests: str | None = None,
    instantiated: bool = False,
    nbgrader_rules: bool = False,
    course_files: Sequence[CourseFile] = (),
    **options: Any,
) -> Assignment:
    """Publish a new assignment (``courses.services.publish_assignment``, which takes the same
    options) with its ``AssignmentSettings`` at their defaults: every assignment this app
    serves has its settings row from the moment it exists (docs/architecture.md, "Assignment
    settings"). Every path that publishes (pages, API, import, demo, tests) calls this.
    AUTOTEST directives are instantiated first (``instantiate_autotests``, with the course's
    ``autotests``), unless the caller did (``instantiated``). ``course_files`` (stored by
    ``course_files.store_course_files``) are published with the first version.

    ``nbgrader_rules``: the assignment comes from an nbgrader course and keeps nbgrader's
    warnings rule (any output on stderr fails a test); authored here, a Python warning on
    stderr does not (docs/grading.md, "Warnings")."""
    source = _instantiated(module, slug, source, autotests, instantiated, course_files)
    with transaction.atomic():
        assignment = publish_courses_assignment(
            module=module, slug=slug, title=title, source=source, **options
        )
        attach_course_files(version=assignment.versions.get(number=1), files=course_files)
        AssignmentSettings.objects.create(
            assignment=assignment, ignore_stderr_warnings=not nbgrader_rules
        )
    return assignment


def publish_checked(
    *,
    module: Module,
    slug: str,
    title: str,
    source: NotebookSources,
    autotests: str | None = None,
    instantiated: bool = False,
    nbgrader_rules: bool = False,
    course_files: Sequence[CourseFile] = (),
    **options: Any,
) -> PublishCheck:
    """Publish a new assignment from an nbgrader source and queue its publish check in the
    worker.

    Raises ``courses.exceptions.PublishError`` (with the cell and the problem) for a source
    nbgrader would refuse, and ``AssignmentExists`` for a short name the module already uses
    (replacing a notebook is ``replace_checked``); nothing is published then.
    """
    source = _instantiated(module, slug, source, autotests, instantiated, course_files)
    with transaction.atomic():
        assignment = publish_assignment(
            module=module,
            slug=slug,
            title=title,
            source=source,
            instantiated=True,
            nbgrader_rules=nbgrader_rules,
            course_files=course_files,
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


def _prepared_replacement(
    assignment: Assignment, source: bytes, course_files: Sequence[CourseFile] | None
) -> tuple[bytes, Sequence[CourseFile]]:
    # The files given, or the live version's carried over; a kernel may run for AUTOTEST
    # directives, so this happens outside any transaction.
    if course_files is None:
        course_files = files_of(assignment.live_version())
    return instantiate_autotests(source, course_files=course_files), course_files


def _draft_with_files(
    *,
    actor: User,
    assignment: Assignment,
    source: bytes,
    given_settings: Mapping[str, Any],
    course_files: Sequence[CourseFile],
    base_number: int | None,
) -> AssignmentVersion:
    with transaction.atomic():
        version = draft_assignment_version(
            actor=actor,
            assignment=assignment,
            source=source,
            given_settings=given_settings,
            base_number=base_number,
        )
        attach_course_files(version=version, files=course_files)
    return version


def draft_replacement(
    *,
    actor: User,
    assignment: Assignment,
    source: bytes,
    given_settings: Mapping[str, Any],
    course_files: Sequence[CourseFile] | None = None,
) -> AssignmentVersion:
    """Draft the next version of an assignment (``courses.services.draft_assignment_version``)
    for the instructor to confirm, with its course files: the ones given, or (``None``) the
    live version's, carried over (docs/course-files.md). AUTOTEST directives are instantiated
    with those files first."""
    source, files = _prepared_replacement(assignment, source, course_files)
    return _draft_with_files(
        actor=actor,
        assignment=assignment,
        source=source,
        given_settings=given_settings,
        course_files=files,
        base_number=None,
    )


def replace_checked(
    *,
    actor: User,
    assignment: Assignment,
    source: bytes,
    given_settings: Mapping[str, Any],
    course_files: Sequence[CourseFile] | None = None,
    base_number: int | None = None,
) -> tuple[AssignmentVersion, PublishCheck]:
    """Replace an assignment's notebook in one step (the API): draft the next version and
    queue its check; it goes live when the check passes. Dates and settings not given stay;
    attempts keep the version they were made for (docs/grading.md); course files as in
    ``draft_replacement``."""
    source, files = _prepared_replacement(assignment, source, course_files)
    with transaction.atomic():
        version = _draft_with_files(
            actor=actor,
            assignment=assignment,
            source=source,
            given_settings=given_settings,
            course_files=files,
            base_number=base_number,
        )
        check = check_version(version=version)
    return check.version or version, check


@dataclass
class NotebookImport:
    """One source notebook of an import: its points, or why it is refused."""

    path: str
    points: Decimal | None = None
    problem: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class AssignmentImport:
    """One nbgrader assignment of an import: one assignment with all its notebooks, or none.
    ``title`` and ``slug`` are the assignment's (the folder's name); ``check`` its publish
    check once imported."""

    name: str
    title: str
    slug: str
    due_at: datetime | None
    notebooks: list[NotebookImport]
    skipped: list[Skipped]
    problem: str = ""
    imported: bool = False
    check: PublishCheck | None = None
    # The course files published with it (docs/course-files.md).
    files: list[CourseFile] = field(default_factory=list)

    @property
    def points(self) -> Decimal | None:
        """The assignment's points: its notebooks' added up (None while one is refused)."""
        points = [n.points for n in self.notebooks]
        return None if None in points else sum((p or Decimal(0) for p in points), Decimal(0))

    @property
    def refused(self) -> bool:
        return bool(self.problem)

    @property
    def state(self) -> str:
        """refused, imported, or ready (a dry run's verdict)."""
        return "refused" if self.refused else "imported" if self.imported else "ready"


@dataclass
class ImportReport:
    """What an import did, or (``dry_run``) would do, per assignment and notebook."""

    dry_run: bool
    assignments: list[AssignmentImport]
    notes: list[str]
    skipped: list[Skipped]

    @property
    def imported(self) -> list[AssignmentImport]:
        return [a for a in self.assignments if a.imported]

    @property
    def refused(self) -> list[AssignmentImport]:
        return [a for a in self.assignments if a.refused]

    @property
    def checks(self) -> list[PublishCheck]:
        return [a.check for a in self.assignments if a.check is not None]


def _course_notes(course: CourseSources) -> list[str]:
    notes = []
    for frame, wording in (
        (
            course.header,
            _("%(file)s is put before the cells of every notebook (nbgrader's header)."),
        ),
        (
            course.footer,
            _("%(file)s is put after the cells of every notebook (nbgrader's footer)."),
        ),
    ):
        if frame is not None:
            notes.append(wording % {"file": frame[0]})
    return notes


def _prepare(
    course: CourseSources, source: SourceNotebook, files: Sequence[CourseFile]
) -> tuple[NotebookImport, bytes | None]:
    """Frame, instantiate and validate one notebook (no kernel for one without directives)."""
    entry = NotebookImport(path=source.path)
    try:
        framed = course.framed(source)
        templates = course.templates_for(source.assignment)
        instantiated = instantiate_autotests(
            framed, autotests=templates[1] if templates else None, course_files=files
        )
        published = nbgrader.publish(instantiated)
    except PublishError as error:
        entry.problem = error.message
        return entry, None
    except nbgrader.NbgraderFormatError as error:
        entry.problem = str(error)
        return entry, None
    entry.points = published.max_points
    if framed is not source.data:
        entry.notes.append(_("Header or footer added."))
    if instantiated is not framed:
        entry.notes.append(
            _("AUTOTEST directives turned into tests with %(file)s.")
            % {"file": templates[0] if templates else _("nbgrader's documented autotests.yml")}
        )
    return entry, instantiated


def import_nbgrader_course(
    *,
    module: Module,
    course: CourseSources,
    due: Mapping[str, datetime] | None = None,
    dry_run: bool = False,
    nbgrader_rules: bool = True,
) -> ImportReport:
    """Import an nbgrader course into a module: each nbgrader assignment (a folder of one or
    more notebooks) becomes one assignment with a publish check, whose points add up over its
    notebooks; the course's header and footer framing each notebook and its AUTOTEST directives
    instantiated, as nbgrader's generate_assignment would.

    Each nbgrader assignment lands in its own transaction, all its notebooks or none, so one
    refused notebook keeps its assignment out and never the others. ``dry_run`` does all the
    checking (kernels for AUTOTEST included) and writes nothing. The report says per
    assignment and notebook what was (or would be) imported, what was skipped and why. The
    assignments keep nbgrader's warnings rule unless ``nbgrader_rules`` is False (the
    instructor chose the lenient one).
    """
    due = due or {}
    report = ImportReport(dry_run=dry_run, assignments=[], notes=_course_notes(course), skipped=[])
    report.skipped = course.skipped_elsewhere()
    order = module.assignments.count()
    for name, sources in course.assignments():
        try:
            files, files_problem = store_course_files(course.files_for(name)), ""
        except PublishError as error:
            files, files_problem = [], error.message
        prepared = [_prepare(course, s, files) for s in sources]
        entry = AssignmentImport(
            name=name,
            title=name,
            slug=assignment_slug(name),
            due_at=due.get(name),
            notebooks=[notebook for notebook, _data in prepared],
            skipped=course.skipped_in(name),
            files=files,
        )
        report.assignments.append(entry)
        refused = [n for n in entry.notebooks if n.problem]
        if files_problem:
            entry.problem = _("Not imported: %(problem)s") % {"problem": files_problem}
            continue
        if refused:
            entry.problem = ngettext(
                "Not imported: %(n)s of its notebooks was refused.",
                "Not imported: %(n)s of its notebooks were refused.",
                len(refused),
            ) % {"n": len(refused)}
            continue
        if module.assignments.filter(slug=entry.slug).exists():
            entry.problem = _(
                "The module already has an assignment with the short name “%(slug)s”; it is "
                "left as it is."
            ) % {"slug": entry.slug}
            continue
        if dry_run:
            continue
        named = [
            (f"{source.notebook}.ipynb", data)
            for (_notebook, data), source in zip(prepared, sources, strict=True)
            if data is not None
        ]
        try:
            entry.check = publish_checked(
                module=module,
                slug=entry.slug,
                title=entry.title,
                source=named[0][1] if len(named) == 1 else named,
                instantiated=True,
                order=order,
                due_at=entry.due_at,
                nbgrader_rules=nbgrader_rules,
                course_files=files,
            )
        except (PublishError, AssignmentExists) as error:
            entry.problem = error.message
            continue
        order += 1
        entry.imported = True
    return report
