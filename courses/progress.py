"""Progress toward a program's certificate: the requirement engine's inputs and stored answers.

``compute_results`` loads, for many enrollments in a constant number of queries, what the pure
engine (``courses.requirements.evaluate``) needs: the grading policy version each cohort uses,
the published assignments with the released grades, coordinators' module results, which
work awaits review and attendance at sessions (``attendance_facts``). ``recompute_progress`` stores the answer per enrollment
(``ProgressRecord``) whenever it can change; pages and the API read it with
``progress_for``, which computes live only for an enrollment that has no record yet.

Which work awaits review is stored here (``HandIn``): the submissions app, which ``courses``
never imports, reports every attempt through ``courses.services.record_hand_in``.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from courses.models import (
    Assignment,
    Attendance,
    AttendanceStatus,
    Deadline,
    Enrollment,
    Extension,
    Grade,
    GradingPolicy,
    HandIn,
    Module,
    ModuleResult,
    PolicyModule,
    ProgressRecord,
    Session,
)
from courses.models.policies import implicit_rules
from courses.requirements import (
    AttendanceFacts,
    Item,
    ModuleStanding,
    Policy,
    Requirement,
    Result,
    Role,
    Status,
    evaluate,
)


@dataclass(frozen=True)
class ModuleProgress:
    """One module's standing (from the stored result), in the shape pages and the API use."""

    module: ModuleStanding

    @property
    def percent(self) -> Decimal | None:
        return self.module.percent

    @property
    def passed(self) -> bool:
        return self.module.status == Status.MET

    @property
    def status(self) -> str:
        """ "met", "pending" (awaiting review), "below" (under the pass mark or recorded as
        failed) or "missing"."""
        if self.module.reason in {"below_pass_mark", "recorded_fail", "attendance_below"}:
            return "below"
        return self.module.status.value


@dataclass(frozen=True)
class UpcomingDeadline:
    assignment: Assignment
    due_at: datetime
    extended: bool  # the participant's (or their cohort's) extension moved it

    @property
    def title(self) -> str:
        return self.assignment.title


@dataclass(frozen=True)
class ProgramProgress:
    enrollment: Enrollment
    result: Result
    computed_at: datetime | None = None  # None: computed for this page, not yet stored
    next_deadlines: tuple[UpcomingDeadline, ...] = field(default=())

    @property
    def modules(self) -> tuple[ModuleProgress, ...]:
        return tuple(ModuleProgress(m) for m in self.result.modules)

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        return self.result.requirements

    @property
    def complete(self) -> bool:
        return self.result.complete

    @property
    def met_count(self) -> int:
        return self.result.met_count

    @property
    def percent_complete(self) -> int:
        return self.result.percent_complete

    @property
    def weighted_grade(self) -> Decimal | None:
        return self.result.weighted_grade

    @property
    def pass_mark(self) -> Decimal | None:
        return self.result.pass_mark

    @property
    def still_needed(self) -> tuple[Requirement, ...]:
        return self.result.still_needed

    @property
    def policy_version(self) -> int:
        return self.result.policy_version


def _submitted_work(enrollment_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(enrollment id, assignment id) pairs with at least one submitted attempt."""
    if not enrollment_ids:
        return set()
    return set(
        HandIn.objects.filter(enrollment_id__in=enrollment_ids).values_list(
            "enrollment_id", "assignment_id"
        )
    )


def policies_for(enrollments: Sequence[Enrollment]) -> dict[int, Policy]:
    """The rules each enrollment is judged by (by enrollment id): the cohort's pinned policy
    version, else the program's latest published one, else the modules' own fields."""
    program_ids = {e.cohort.program_id for e in enrollments}
    pinned_ids = {e.cohort.grading_policy_id for e in enrollments if e.cohort.grading_policy_id}
    policies = list(
        GradingPolicy.objects.filter(
            Q(pk__in=pinned_ids) | Q(program_id__in=program_ids, status="published")
        )
        .order_by("program_id", "-version")
        .prefetch_related(
            "categories",
            "groups",
            "assignment_rules",
            Prefetch("module_rules", queryset=PolicyModule.objects.select_related("module")),
        )
    )
    by_id = {p.pk: p for p in policies}
    latest: dict[int, GradingPolicy] = {}
    for policy in policies:
        if policy.is_published:
            latest.setdefault(policy.program_id, policy)
    missing_programs = program_ids - latest.keys()
    modules: dict[int, list[Module]] = defaultdict(list)
    if missing_programs:
        for module in Module.objects.filter(program_id__in=missing_programs):
            modules[module.program_id].append(module)
    rules: dict[int, Policy] = {}
    cache: dict[object, Policy] = {}
    for enrollment in enrollments:
        pinned = enrollment.cohort.grading_policy_id
        chosen = by_id.get(pinned) if pinned else latest.get(enrollment.cohort.program_id)
        key: object = chosen.pk if chosen else ("implicit", enrollment.cohort.program_id)
        if key not in cache:
            cache[key] = (
                chosen.as_rules()
                if chosen
                else implicit_rules(modules[enrollment.cohort.program_id])
            )
        rules[enrollment.pk] = cache[key]
    return rules


def attendance_facts(
    enrollments: Sequence[Enrollment], module_ids: Iterable[int]
) -> dict[int, dict[int, AttendanceFacts]]:
    """Each enrollment's attendance per module (by enrollment id, then module id), in two
    queries: the held sessions (attendance taken, not cancelled) the participant has a record
    for, and the sessions of their cohort still to be held (docs/sessions.md)."""
    module_ids = set(module_ids)
    if not enrollments or not module_ids:
        return {}
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for row in (
        Attendance.objects.filter(
            enrollment__in=[e.pk for e in enrollments],
            session__module_id__in=module_ids,
            session__cancelled_at__isnull=True,
            session__attendance_taken_at__isnull=False,
        )
        .values("enrollment_id", "session__module_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts[(row["enrollment_id"], row["session__module_id"])][row["status"]] = row["n"]
    remaining: dict[tuple[int, int], int] = {
        (row["cohort_id"], row["module_id"]): row["n"]
        for row in Session.objects.active()
        .filter(
            cohort_id__in={e.cohort_id for e in enrollments},
            module_id__in=module_ids,
            attendance_taken_at__isnull=True,
        )
        .values("cohort_id", "module_id")
        .annotate(n=Count("pk"))
    }
    facts: dict[int, dict[int, AttendanceFacts]] = {}
    for enrollment in enrollments:
        facts[enrollment.pk] = {}
        for module_id in module_ids:
            by_status = counts.get((enrollment.pk, module_id), {})
            left = remaining.get((enrollment.cohort_id, module_id), 0)
            if by_status or left:
                facts[enrollment.pk][module_id] = AttendanceFacts(
                    module_id=module_id,
                    held=sum(by_status.values()),
                    present=by_status.get(AttendanceStatus.PRESENT, 0),
                    excused=by_status.get(AttendanceStatus.EXCUSED, 0),
                    remaining=left,
                )
    return facts


def compute_results(enrollments: Sequence[Enrollment]) -> dict[int, Result]:
    """The engine's answer for each enrollment (by id), from the database, in a constant number
    of queries. Enrollments must come with ``cohort`` loaded."""
    if not enrollments:
        return {}
    rules = policies_for(enrollments)
    module_ids = {m.module_id for policy in rules.values() for m in policy.modules}
    assignments = list(
        Assignment.objects.published().filter(module_id__in=module_ids).order_by("order", "pk")
    )
    ids = [e.pk for e in enrollments]
    grades = {
        (g.enrollment_id, g.assignment_id): g for g in Grade.objects.filter(enrollment_id__in=ids)
    }
    recorded: dict[int, dict[int, ModuleResult]] = defaultdict(dict)
    for result in ModuleResult.objects.filter(enrollment_id__in=ids):
        recorded[result.enrollment_id][result.module_id] = result
    submitted = _submitted_work(ids)
    attendance = attendance_facts(
        enrollments,
        {m.module_id for p in rules.values() for m in p.modules if m.attendance_rate is not None},
    )
    results = {}
    for enrollment in enrollments:
        items = []
        for assignment in assignments:
            grade = grades.get((enrollment.pk, assignment.pk))
            items.append(
                Item(
                    assignment_id=assignment.pk,
                    module_id=assignment.module_id,
                    title=assignment.title,
                    max_points=grade.max_points if grade else assignment.max_points,
                    points=grade.points if grade else None,
                    awaiting_review=(enrollment.pk, assignment.pk) in submitted,
                )
            )
        results[enrollment.pk] = evaluate(
            rules[enrollment.pk],
            items,
            {mid: r.as_rule_input() for mid, r in recorded[enrollment.pk].items()},
            attendance.get(enrollment.pk),
        )
    return results


def recompute_progress(*, enrollments: Sequence[Enrollment]) -> dict[int, Result]:
    """Run the requirement engine for these enrollments and store each answer (with the policy
    version it used and when), in a constant number of queries. Returns the results by id."""
    if not enrollments:
        return {}
    enrollments = list(
        Enrollment.objects.select_related("cohort").filter(pk__in=[e.pk for e in enrollments])
    )
    results = compute_results(enrollments)
    now = timezone.now()
    ProgressRecord.objects.bulk_create(
        [
            ProgressRecord(
                enrollment_id=pk,
                policy_id=result.policy_id,
                policy_version=result.policy_version,
                complete=result.complete,
                weighted_grade=result.weighted_grade,
                percent_complete=result.percent_complete,
                result=result.to_json(),
                computed_at=now,
            )
            for pk, result in results.items()
        ],
        update_conflicts=True,
        unique_fields=["enrollment"],
        update_fields=[
            "policy",
            "policy_version",
            "complete",
            "weighted_grade",
            "percent_complete",
            "result",
            "computed_at",
        ],
    )
    return results


def progress_for(
    enrollments: list[Enrollment], *, now: datetime | None = None
) -> list[ProgramProgress]:
    """Progress of several enrollments, read from their stored records (computed live only for
    an enrollment without one), with the next deadlines when ``now`` is given."""
    if not enrollments:
        return []
    records = {
        r.enrollment_id: r
        for r in ProgressRecord.objects.filter(enrollment__in=enrollments).only(
            "enrollment_id", "result", "computed_at"
        )
    }
    without = [e for e in enrollments if e.pk not in records]
    live = compute_results(without) if without else {}
    deadlines = next_deadlines(enrollments, now=now) if now is not None else {}
    reports = []
    for enrollment in enrollments:
        record = records.get(enrollment.pk)
        reports.append(
            ProgramProgress(
                enrollment=enrollment,
                result=record.as_result() if record else live[enrollment.pk],
                computed_at=record.computed_at if record else None,
                next_deadlines=deadlines.get(enrollment.pk, ()),
            )
        )
    return reports


def effective_deadline(
    assignment: Assignment, enrollment: Enrollment, extensions: Iterable[Extension]
) -> Deadline:
    """``Assignment.deadline_for`` over extensions loaded in bulk: the participant's own
    extension, else their cohort's, the latest granted winning; else the assignment's."""
    own = [x for x in extensions if x.enrollment_id == enrollment.pk]
    group = [x for x in extensions if x.cohort_id == enrollment.cohort_id]
    candidates = own or group
    if not candidates:
        return Deadline(due_at=assignment.due_at, cutoff_at=assignment.cutoff_at)
    extension = max(candidates, key=lambda x: x.granted_at)
    cutoff = extension.cutoff_at
    if cutoff is None and assignment.cutoff_at is not None:
        cutoff = max(assignment.cutoff_at, extension.due_at)
    return Deadline(due_at=extension.due_at, cutoff_at=cutoff)


def next_deadlines(
    enrollments: Sequence[Enrollment], *, now: datetime, limit: int = 3
) -> dict[int, tuple[UpcomingDeadline, ...]]:
    """The next ``limit`` due dates of each enrollment (extensions applied) for work not yet
    handed in or graded, in a constant number of queries."""
    program_ids = {e.cohort.program_id for e in enrollments}
    ids = [e.pk for e in enrollments]
    assignments = list(
        Assignment.objects.published()
        .filter(module__program_id__in=program_ids)
        .select_related("module")
        .order_by("due_at", "pk")
    )
    if not assignments:
        return {}
    cohort_ids = {e.cohort_id for e in enrollments}
    extensions: dict[int, list[Extension]] = defaultdict(list)
    for extension in Extension.objects.active().filter(
        Q(enrollment_id__in=ids) | Q(cohort_id__in=cohort_ids),
        assignment__in=assignments,
    ):
        extensions[extension.assignment_id].append(extension)
    done = set(
        Grade.objects.filter(enrollment_id__in=ids).values_list("enrollment_id", "assignment_id")
    ) | _submitted_work(ids)
    upcoming: dict[int, tuple[UpcomingDeadline, ...]] = {}
    for enrollment in enrollments:
        found = []
        for assignment in assignments:
            if assignment.module.program_id != enrollment.cohort.program_id:
                continue
            if (enrollment.pk, assignment.pk) in done:
                continue
            deadline = effective_deadline(assignment, enrollment, extensions[assignment.pk])
            if deadline.due_at is None or deadline.due_at < now:
                continue
            found.append(
                UpcomingDeadline(
                    assignment=assignment,
                    due_at=deadline.due_at,
                    extended=deadline.due_at != assignment.due_at,
                )
            )
        found.sort(key=lambda d: d.due_at)
        upcoming[enrollment.pk] = tuple(found[:limit])
    return upcoming


__all__ = [
    "ModuleProgress",
    "ProgramProgress",
    "Role",
    "UpcomingDeadline",
    "attendance_facts",
    "compute_results",
    "effective_deadline",
    "next_deadlines",
    "policies_for",
    "progress_for",
]
