"""State changes of the courses app. Views, API, commands, tasks and tests all call these.

Certificates (issue, approve, revoke, re-issue, the grade freeze) have their own services in
``courses.certificates.services``; the progress store is ``courses.progress.recompute_progress``.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import nbgrader, versions
from courses.certificates.services import frozen_message, issue_certificate_if_complete
from courses.exceptions import (
    AssignmentExists,
    GradesFrozen,
    ModuleResultRefused,
    PolicyInvalid,
    PublishError,
    VersionRefused,
)
from courses.models import (
    Assignment,
    AssignmentNotebook,
    AssignmentVersion,
    Cohort,
    ElectiveGroup,
    Enrollment,
    Grade,
    GradingPolicy,
    HandIn,
    Module,
    ModuleResult,
    PolicyAssignment,
    PolicyCategory,
    PolicyModule,
    Program,
    ProgressRecord,
)
from courses.progress import recompute_progress
from courses.requirements import Result
from platform.blobs import put_bytes, read_blob
from platform.models import User


@transaction.atomic
def enroll(*, user: User, cohort: Cohort) -> Enrollment:
    """Enrol a user in a cohort (idempotent: enrolling twice keeps the first enrolment)."""
    enrollment, created = Enrollment.objects.get_or_create(user=user, cohort=cohort)
    if created:
        recompute_progress(enrollments=[enrollment])
    return enrollment


def _nbgrader_publish(source: bytes) -> nbgrader.PublishedAssignment:
    try:
        return nbgrader.publish(source)
    except nbgrader.NbgraderFormatError as error:
        raise PublishError(str(error)) from error


# One source notebook, or the notebooks of an nbgrader assignment folder as (file name, bytes).
NotebookSources = bytes | Sequence[tuple[str, bytes]]


def notebook_sources(sources: NotebookSources) -> list[tuple[str, bytes]] | None:
    """The named notebooks of a multi-notebook source, checked (``PublishError``); ``None`` for
    one notebook (bytes, or a list of one: it is published exactly as a single upload)."""
    if isinstance(sources, bytes) or len(sources) == 1:
        return None
    if not sources:
        raise PublishError(_("Choose at least one notebook."))
    stems: set[str] = set()
    for name, _data in sources:
        stem = name.removesuffix(".ipynb")
        if not name.endswith(".ipynb") or not stem or "/" in name or "\\" in name:
            raise PublishError(_("“%(name)s” is not a notebook file name.") % {"name": name})
        if len(name) > 100:
            raise PublishError(_("The file name “%(name)s” is too long.") % {"name": name[:100]})
        if stem.lower() in stems:
            raise PublishError(_("Two notebooks are named “%(name)s”.") % {"name": name})
        stems.add(stem.lower())
    return list(sources)


def _stored_notebooks(source: bytes, published: nbgrader.PublishedAssignment) -> dict[str, Any]:
    """Write the three notebooks as blobs (before any row names them, see platform.blobs) and
    return a version's notebook fields."""
    return {
        "source_sha256": put_bytes(source),
        "release_sha256": put_bytes(published.release_notebook),
        "grading_sha256": put_bytes(published.grading_notebook),
        "grade_cells": [
            {
                "grade_id": c.grade_id,
                "kind": c.kind,
                "points": str(c.points),
                "cell_type": c.cell_type,
                "cell_index": c.cell_index,
            }
            for c in published.grade_cells
        ],
        "notebook_points": published.max_points,
        "autograded_points": published.autograded_points,
        "manual_points": published.manual_points,
    }


def _stored_notebook_set(
    sources: list[tuple[str, bytes]],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate every notebook of a multi-notebook source (``PublishError`` naming the
    notebook, before anything is stored), write their blobs, and return the version's fields
    (grade cells of all notebooks with qualified grade ids, points summed, no single notebook
    of its own) and its ``AssignmentNotebook`` rows."""
    published = []
    for name, data in sources:
        try:
            published.append((name, data, nbgrader.publish(data)))
        except nbgrader.NbgraderFormatError as error:
            raise PublishError(f"{name}: {error}") from error
    fields: dict[str, Any] = {
        "source_sha256": "",
        "release_sha256": "",
        "grading_sha256": "",
        "grade_cells": [],
        "notebook_points": Decimal(0),
        "autograded_points": Decimal(0),
        "manual_points": Decimal(0),
    }
    rows = []
    for position, (name, data, notebook) in enumerate(published):
        stored = _stored_notebooks(data, notebook)
        fields["grade_cells"] += [
            cell
            | {"grade_id": nbgrader.qualified_grade_id(name, cell["grade_id"]), "notebook": name}
            for cell in stored["grade_cells"]
        ]
        for total in ("notebook_points", "autograded_points", "manual_points"):
            fields[total] += stored[total]
        rows.append(
            {
                "name": name,
                "position": position,
                "notebook_points": stored["notebook_points"],
            }
            | {k: stored[k] for k in ("source_sha256", "release_sha256", "grading_sha256")}
        )
    return fields, rows


def _exists(assignment: Assignment) -> AssignmentExists:
    return AssignmentExists(
        _(
            "The module already has an assignment with the short name “%(slug)s”: "
            "“%(title)s”. To replace its notebook, update that assignment (its dates, "
            "settings and earlier attempts are kept) instead of publishing it again."
        )
        % {"slug": assignment.slug, "title": assignment.title},
        assignment_id=assignment.pk,
    )


def publish_assignment(
    *,
    module: Module,
    slug: str,
    title: str,
    source: NotebookSources,
    instructions: str = "",
    order: int = 0,
    opens_at: datetime | None = None,
    due_at: datetime | None = None,
    max_attempts: int = 10,
    actor: User | None = None,
) -> Assignment:
    """Publish a new assignment from an nbgrader-format source notebook (its version 1), or
    from the notebooks of an nbgrader assignment folder (``[(file name, bytes), ...]``: one
    assignment whose points add up; docs/grading.md, "Multi-notebook assignments").

    The source and the grading copy (with hidden tests) stay server-side; participants get the
    release notebook. A short name the module already uses is refused (``AssignmentExists``,
    naming the assignment): replacing a published notebook is the explicit, versioned
    ``draft_assignment_version`` (docs/grading.md, "Replacing a published notebook").
    """
    existing = Assignment.objects.filter(module=module, slug=slug).first()
    if existing is not None:
        raise _exists(existing)
    named = notebook_sources(source)
    rows: list[dict[str, Any]] = []
    if named is None:
        single = source if isinstance(source, bytes) else source[0][1]
        notebooks = _stored_notebooks(single, _nbgrader_publish(single))
    else:
        notebooks, rows = _stored_notebook_set(named)
    now = timezone.now()
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                module=module,
                slug=slug,
                title=title,
                instructions=instructions,
                order=order,
                opens_at=opens_at,
                due_at=due_at,
                max_attempts=max_attempts,
                max_points=notebooks["notebook_points"],
                published_at=now,
                **{k: v for k, v in notebooks.items() if k != "notebook_points"},
            )
            version = AssignmentVersion.objects.create(
                assignment=assignment,
                number=1,
                status=AssignmentVersion.Status.LIVE,
                live_at=now,
                created_by=actor,
                **notebooks,
            )
            AssignmentNotebook.objects.bulk_create(
                AssignmentNotebook(version=version, **row) for row in rows
            )
            # A new assignment is work still to do for everyone in the program.
            recompute_program_progress(program_id=module.program_id)
    except IntegrityError:
        # Published under the same short name a moment ago by someone else.
        raise _exists(Assignment.objects.get(module=module, slug=slug)) from None
    return assignment


def _current_settings(assignment: Assignment) -> dict[str, Any]:
    return {name: getattr(assignment, name) for name in versions.VERSIONED_SETTINGS}


def preview_assignment_version(
    *, assignment: Assignment, source: bytes, given_settings: Mapping[str, Any]
) -> versions.VersionChanges:
    """What replacing the live notebook with ``source`` would change; stores nothing.
    Raises ``PublishError`` for a source nbgrader would refuse."""
    published = _nbgrader_publish(source)
    return _changes(assignment, source, published, given_settings)


def _changes(
    assignment: Assignment,
    source: bytes,
    published: nbgrader.PublishedAssignment,
    given_settings: Mapping[str, Any],
) -> versions.VersionChanges:
    live = assignment.live_version()
    if live is not None and live.notebooks.exists():
        raise VersionRefused(
            _(
                "“%(title)s” has several notebooks; replacing them is not possible yet. "
                "Publish the new notebooks as a new assignment."
            )
            % {"title": assignment.title}
        )
    old_sha = live.source_sha256 if live else assignment.source_sha256
    return versions.compare(
        old_source=read_blob(old_sha) if old_sha else None,
        old_cells=live.grade_cells if live else assignment.grade_cells,
        old_points=live.notebook_points if live else assignment.max_points,
        new_source=source,
        new_cells=[
            {"grade_id": c.grade_id, "kind": c.kind, "points": str(c.points)}
            for c in published.grade_cells
        ],
        new_points=published.max_points,
        current_settings=_current_settings(assignment),
        given_settings=given_settings,
    )


@transaction.atomic
def draft_assignment_version(
    *,
    actor: User,
    assignment: Assignment,
    source: bytes,
    given_settings: Mapping[str, Any],
    base_number: int | None = None,
) -> AssignmentVersion:
    """Store the next version of an assignment's notebook as a draft, with what it changes
    against the live version; nothing participants see changes yet.

    ``given_settings``: only the settings to change (``title``, ``opens_at``, ``due_at``,
    ``max_attempts``); the others, and every other setting of the assignment, stay. With
    ``base_number`` (the live version the caller compared with) the draft is refused
    (``VersionRefused``) when another version went live since. ``PublishError`` for a source
    nbgrader would refuse, before anything is stored. The worker's publish check then decides
    whether it goes live (``activate_assignment_version``).
    """
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    live = assignment.live_version()
    live_number = live.number if live else None
    if base_number is not None and base_number != live_number:
        raise VersionRefused(
            _(
                "Version %(live)s of “%(title)s” is live now, not version %(base)s; "
                "compare with it and replace again."
            )
            % {"live": live_number, "title": assignment.title, "base": base_number}
        )
    given = {k: v for k, v in given_settings.items() if k in versions.VERSIONED_SETTINGS}
    published = _nbgrader_publish(source)
    changes = _changes(assignment, source, published, given)
    number = (assignment.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    return AssignmentVersion.objects.create(
        assignment=assignment,
        number=number,
        base_number=live_number,
        given_settings={
            k: v.isoformat() if isinstance(v, datetime) else v for k, v in given.items()
        },
        changes=changes.as_json(),
        created_by=actor,
        **_stored_notebooks(source, published),
    )


@transaction.atomic
def start_version_check(*, version: AssignmentVersion) -> AssignmentVersion:
    """The instructor confirmed the draft: it is checked next (and goes live if it passes)."""
    version = AssignmentVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != AssignmentVersion.Status.DRAFT:
        raise VersionRefused(
            _("Version %(n)s is no longer a draft (%(status)s).")
            % {"n": version.number, "status": version.get_status_display()}
        )
    version.status = AssignmentVersion.Status.CHECKING
    version.save(update_fields=["status"])
    return version


@transaction.atomic
def activate_assignment_version(*, version: AssignmentVersion) -> AssignmentVersion:
    """Put a checked version live: its notebooks, grade cells and points, and the settings
    given with it, become the assignment's; the version it replaces is retired. Attempts keep
    the version they were made for. Rejected instead when another version went live while
    this one was checked."""
    assignment = Assignment.objects.select_for_update().get(pk=version.assignment_id)
    version = AssignmentVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != AssignmentVersion.Status.CHECKING:
        return version
    live = assignment.live_version()
    if live is not None and live.number != version.base_number:
        return reject_assignment_version(
            version=version,
            reason=_(
                "Version %(live)s went live while this one was checked; compare with it and "
                "replace again."
            )
            % {"live": live.number},
        )
    now = timezone.now()
    if live is not None:
        live.status = AssignmentVersion.Status.RETIRED
        live.save(update_fields=["status"])
    version.status = AssignmentVersion.Status.LIVE
    version.live_at = now
    version.save(update_fields=["status", "live_at"])
    fields = [
        "source_sha256",
        "release_sha256",
        "grading_sha256",
        "grade_cells",
        "autograded_points",
        "manual_points",
    ]
    for name in fields:
        setattr(assignment, name, getattr(version, name))
    assignment.max_points = version.notebook_points + assignment.rubric_points
    for name, value in version.given_settings.items():
        is_date = name in {"opens_at", "due_at"} and value is not None
        setattr(assignment, name, datetime.fromisoformat(value) if is_date else value)
    assignment.save(update_fields=[*fields, "max_points", *version.given_settings])
    recompute_program_progress(program_id=assignment.module.program_id)
    return version


def reject_assignment_version(*, version: AssignmentVersion, reason: str) -> AssignmentVersion:
    """The check found problems (or the version was overtaken): it never goes live."""
    version.status = AssignmentVersion.Status.REJECTED
    version.reason = reason
    version.save(update_fields=["status", "reason"])
    return version


@transaction.atomic
def record_released_grade(
    *,
    enrollment: Enrollment,
    assignment: Assignment,
    points: Decimal,
    max_points: Decimal,
    submission_id: int,
    raw_points: Decimal | None = None,
    penalty_points: Decimal = Decimal(0),
    late_seconds: int = 0,
) -> Grade:
    """Record a released grade (final points, and the raw points and late penalty behind them),
    recompute and store the participant's progress, and issue the certificate if the program
    is now complete. Every write of a released grade (release, amended review, changed late
    policy, extension) comes through here.

    Refused (``GradesFrozen``) when a certificate relies on the enrolment's grades and the
    grade would change; recording the same values again is a no-op.
    """
    values = {
        "points": min(max(points, Decimal(0)), max_points),
        "raw_points": points if raw_points is None else raw_points,
        "penalty_points": penalty_points,
        "late_seconds": late_seconds,
        "max_points": max_points,
        "submission_id": submission_id,
    }
    if enrollment.grades_frozen:
        existing = Grade.objects.filter(enrollment=enrollment, assignment=assignment).first()
        if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
            return existing
        raise GradesFrozen(frozen_message())
    grade, _created = Grade.objects.update_or_create(
        enrollment=enrollment,
        assignment=assignment,
        defaults={**values, "released_at": timezone.now()},
    )
    issue_certificate_if_complete(enrollment=enrollment)
    return grade


# --- progress, grading policies and module results ---------------------------------------------


def recompute_program_progress(*, program_id: int) -> int:
    """Recompute every current enrollment of a program (a policy or its assignments changed)."""
    enrollments = list(
        Enrollment.objects.current().filter(cohort__program_id=program_id).only("pk")
    )
    recompute_progress(enrollments=enrollments)
    return len(enrollments)


@transaction.atomic
def record_hand_in(*, enrollment: Enrollment, assignment: Assignment) -> Result:
    """Record that the participant handed in work for ``assignment`` and refresh their stored
    progress: its requirement now shows "pending review", not "missing". The submissions app
    calls it for every attempt it stores, in the attempt's transaction (docs/progress.md)."""
    HandIn.objects.get_or_create(enrollment=enrollment, assignment=assignment)
    issue_certificate_if_complete(enrollment=enrollment)
    record = ProgressRecord.objects.get(enrollment=enrollment)
    return record.as_result()


@transaction.atomic
def create_policy_draft(
    *, program: Program, based_on: GradingPolicy | None = None, notes: str = ""
) -> GradingPolicy:
    """A new draft version of a program's grading policy, copied from ``based_on`` (or from
    the latest published version) so a change starts from the rules in force."""
    Program.objects.select_for_update().get(pk=program.pk)  # one version number at a time
    source = based_on or (
        GradingPolicy.objects.published().filter(program=program).order_by("-version").first()
    )
    last = GradingPolicy.objects.filter(program=program).order_by("-version").first()
    draft = GradingPolicy.objects.create(
        program=program,
        version=(last.version if last else 0) + 1,
        pass_mark=source.pass_mark if source else Decimal(50),
        notes=notes,
    )
    if source is None:
        return draft
    categories = {}
    for category in source.categories.all():
        categories[category.pk] = PolicyCategory.objects.create(
            policy=draft,
            key=category.key,
            title=category.title,
            weight=category.weight,
            drop_lowest=category.drop_lowest,
            minimum=category.minimum,
            order=category.order,
        )
    groups = {
        group.pk: ElectiveGroup.objects.create(
            policy=draft, key=group.key, title=group.title, required=group.required
        )
        for group in source.groups.all()
    }
    for override in source.assignment_rules.all():
        PolicyAssignment.objects.create(
            policy=draft,
            assignment_id=override.assignment_id,
            category=categories[override.category_id],
        )
    for rule in source.module_rules.all():
        PolicyModule.objects.create(
            policy=draft,
            module_id=rule.module_id,
            role=rule.role,
            pass_mark=rule.pass_mark,
            weight=rule.weight,
            category=categories.get(rule.category_id) if rule.category_id else None,
            group=groups.get(rule.group_id) if rule.group_id else None,
            attendance_rate=rule.attendance_rate,
        )
    return draft


@transaction.atomic
def publish_policy(*, actor: User, policy: GradingPolicy) -> int:
    """Publish a draft version: from now on it is the rules of every cohort of the program that
    is not pinned to an older version. Their stored progress is recomputed (and certificates
    issued where the new rules are met); returns how many enrollments were recomputed.
    A published version never changes again."""
    if not policy.program.is_coordinated_by(actor):
        raise PolicyInvalid(_("Only coordinators can publish a grading policy."))
    given, policy = policy, GradingPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.is_published:
        raise PolicyInvalid(
            _("This version is already published; create a new version to change it.")
        )
    problems = policy.problems()
    if problems:
        raise PolicyInvalid(" ".join(problems))
    policy.status = GradingPolicy.Status.PUBLISHED
    policy.published_at = timezone.now()
    policy.published_by = actor
    policy.save(update_fields=["status", "published_at", "published_by"])
    given.status, given.published_at, given.published_by = (
        policy.status,
        policy.published_at,
        actor,
    )
    enrollments = list(
        Enrollment.objects.current().filter(
            cohort__program_id=policy.program_id, cohort__grading_policy__isnull=True
        )
    )
    recompute_and_issue(enrollments)
    return len(enrollments)


@transaction.atomic
def pin_cohort_policy(*, cohort: Cohort, policy: GradingPolicy | None) -> Cohort:
    """Bind a cohort to one published version of its program's policy (``None``: follow the
    latest published version), and recompute its participants' progress."""
    if policy is not None and (policy.program_id != cohort.program_id or not policy.is_published):
        raise PolicyInvalid(_("A cohort can only use a published policy of its own program."))
    cohort.grading_policy = policy
    cohort.save(update_fields=["grading_policy"])
    recompute_and_issue(list(Enrollment.objects.current().filter(cohort=cohort)))
    return cohort


def recompute_and_issue(enrollments: list[Enrollment]) -> None:
    """Recompute and store progress, then issue the certificates the rules now call for."""
    results = recompute_progress(enrollments=enrollments)
    for enrollment in enrollments:
        if results[enrollment.pk].complete:
            issue_certificate_if_complete(enrollment=enrollment)


@transaction.atomic
def record_module_result(
    *,
    actor: User,
    enrollment: Enrollment,
    module: Module,
    passed: bool,
    reason: str,
    percent: Decimal | None = None,
) -> ModuleResult:
    """Record a coordinator's result for a module without assignments (an in-person training, a
    practical placement): pass or fail, an optional grade, why and who. Recording again
    replaces the earlier result. Progress is recomputed and the certificate issued if due."""
    if not enrollment.cohort.program.is_coordinated_by(actor):
        raise ModuleResultRefused(_("Only coordinators can record module results."))
    if module.program_id != enrollment.cohort.program_id:
        raise ModuleResultRefused(_("This module does not belong to the participant's program."))
    if Assignment.objects.published().filter(module=module).exists():
        raise ModuleResultRefused(
            _("This module has assignments; its result comes from their released grades.")
        )
    if not reason.strip():
        raise ModuleResultRefused(_("Please give a reason (e.g. the training's date and place)."))
    if percent is not None and not Decimal(0) <= percent <= Decimal(100):
        raise ModuleResultRefused(
            _("The grade must be between %(low)s and %(high)s %%.") % {"low": 0, "high": 100}
        )
    result, _created = ModuleResult.objects.update_or_create(
        enrollment=enrollment,
        module=module,
        defaults={
            "passed": passed,
            "percent": percent,
            "reason": reason.strip(),
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    issue_certificate_if_complete(enrollment=enrollment)
    return result
