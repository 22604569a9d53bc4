"""The state changes of program set-up: a program, its modules and their order, a cohort with
its instructors and their allocation weights, a copy of a cohort for the next semester, and the
draft of a grading policy. Each is one transaction: a refusal (``SetupRefused``, or a refusal of
a service reused here) leaves nothing half-saved. docs/program-setup.md describes the rules."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.exceptions import CoursesError
from courses.models import (
    Assignment,
    Cohort,
    ElectiveGroup,
    Extension,
    GradingPolicy,
    Module,
    ModuleResult,
    PolicyModule,
    Program,
)
from courses.requirements import Role
from platform.models import User
from submissions.models import GraderShare
from submissions.reviewing.allocation import set_grader_weights

ELECTIVES_KEY = "electives"


class SetupRefused(CoursesError):
    pass


# --- programs and modules ------------------------------------------------------------------------


@transaction.atomic
def save_program(*, program: Program, coordinators: list[User] | None = None) -> Program:
    """Store a new or changed program (its fields set by the form); ``coordinators`` replaces
    the list when given (only staff may change it: the view decides)."""
    program.full_clean()
    program.save()
    if coordinators is not None:
        program.coordinators.set(coordinators)
    return program


@transaction.atomic
def save_module(*, module: Module) -> Module:
    """Store a module; a new one goes to the end of its program's list."""
    if module.pk is None:
        last = Module.objects.filter(program_id=module.program_id).order_by("-order").first()
        module.order = (last.order + 1) if last else 1
    module.full_clean()
    module.save()
    return module


@transaction.atomic
def move_module(*, module: Module, up: bool) -> None:
    """Swap the module with its neighbour above (``up``) or below; first and last stay put.
    The order is renumbered 1..n first, so equal orders from the admin move predictably."""
    modules = list(
        Module.objects.select_for_update()
        .filter(program_id=module.program_id)
        .order_by("order", "pk")
    )
    index = next(i for i, m in enumerate(modules) if m.pk == module.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(modules):
        modules[index], modules[other] = modules[other], modules[index]
    for position, item in enumerate(modules, start=1):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order"])


def in_use() -> Combinable:
    """Whether a module has assignments, grading-policy rules or recorded results: such a
    module keeps its history and is never deleted (an expression, for filters and lists)."""
    return (
        Exists(Assignment.objects.filter(module_id=OuterRef("pk")))
        | Exists(PolicyModule.objects.filter(module_id=OuterRef("pk")))
        | Exists(ModuleResult.objects.filter(module_id=OuterRef("pk")))
    )


def module_in_use(module: Module) -> bool:
    return Module.objects.filter(in_use(), pk=module.pk).exists()


def modules_with_use(program: Program) -> QuerySet[Module]:
    """The program's modules in their order, each with ``in_use``."""
    return program.modules.annotate(in_use=in_use()).order_by("order", "pk")


@transaction.atomic
def delete_module(*, module: Module) -> None:
    if module_in_use(module):
        raise SetupRefused(
            _(
                "The module “%(title)s” has assignments, results or grading rules, so it stays; "
                "change it instead."
            )
            % {"title": module.title}
        )
    module.delete()


# --- cohorts -------------------------------------------------------------------------------------


@transaction.atomic
def save_cohort(*, actor: User, cohort: Cohort, instructors: Mapping[User, int | None]) -> Cohort:
    """Store a cohort (its fields set by the form) with exactly these instructors. Weights given
    for any instructor set the allocation of graders (``set_grader_weights``, 0 or empty for
    the others); none given and none set before: the cohort does not allocate."""
    cohort.full_clean()
    cohort.save()
    cohort.instructors.set(list(instructors))
    has_shares = GraderShare.objects.filter(cohort=cohort).exists()
    if has_shares or any(w for w in instructors.values()):
        set_grader_weights(
            actor=actor,
            cohort=cohort,
            weights={user: weight or 0 for user, weight in instructors.items()},
        )
    return cohort


def shift_datetime(value: dt.datetime, days: int) -> dt.datetime:
    """The same wall-clock time ``days`` calendar days later in the local time zone: a 23:59
    deadline stays 23:59 across a change to or from summer time."""
    local = timezone.localtime(value)
    moved = local.replace(tzinfo=None) + dt.timedelta(days=days)
    return timezone.make_aware(moved)


@dataclass(frozen=True)
class ShiftedDate:
    label: str
    old: dt.date | dt.datetime
    new: dt.date | dt.datetime

    @property
    def has_time(self) -> bool:
        return isinstance(self.new, dt.datetime)


def copy_plan(cohort: Cohort, starts_on: dt.date) -> list[ShiftedDate]:
    """Every date of the cohort, before and after moving its start to ``starts_on``: what the
    copy form previews and ``copy_cohort`` stores."""
    days = (starts_on - cohort.starts_on).days
    shift = dt.timedelta(days=days)
    plan = [
        ShiftedDate(_("Start"), cohort.starts_on, starts_on),
        ShiftedDate(_("End"), cohort.ends_on, cohort.ends_on + shift),
    ]
    if cohort.application_deadline:
        plan.append(
            ShiftedDate(
                _("Application deadline"),
                cohort.application_deadline,
                cohort.application_deadline + shift,
            )
        )
    for extension in _cohort_deadlines(cohort):
        title = extension.assignment.title
        plan.append(
            ShiftedDate(
                _("Due: %(title)s") % {"title": title},
                extension.due_at,
                shift_datetime(extension.due_at, days),
            )
        )
        if extension.cutoff_at:
            plan.append(
                ShiftedDate(
                    _("Cut-off: %(title)s") % {"title": title},
                    extension.cutoff_at,
                    shift_datetime(extension.cutoff_at, days),
                )
            )
    return plan


def _cohort_deadlines(cohort: Cohort) -> list[Extension]:
    """The cohort's own deadlines: its active cohort-wide extensions (an assignment's own dates
    belong to the program and so to every cohort; they do not move)."""
    return list(
        Extension.objects.active()
        .filter(cohort=cohort)
        .select_related("assignment")
        .order_by("assignment__order", "pk")
    )


@transaction.atomic
def copy_cohort(*, actor: User, cohort: Cohort, name: str, starts_on: dt.date) -> Cohort:
    """A new cohort of the same program starting ``starts_on``: every date shifted by the
    difference of the starts, the same instructors and allocation weights, the same
    capacity, fee, schedule and policy pin; no participants, not open for applications."""
    if Cohort.objects.filter(program_id=cohort.program_id, name=name).exists():
        raise SetupRefused(_("The program already has a cohort named “%(name)s”.") % {"name": name})
    days = (starts_on - cohort.starts_on).days
    shift = dt.timedelta(days=days)
    copy = Cohort(
        program_id=cohort.program_id,
        name=name,
        starts_on=starts_on,
        ends_on=cohort.ends_on + shift,
        application_deadline=(
            cohort.application_deadline + shift if cohort.application_deadline else None
        ),
        applications_open=False,
        capacity=cohort.capacity,
        fee=cohort.fee,
        schedule=cohort.schedule,
        grading_policy=cohort.grading_policy,
    )
    copy.full_clean()
    copy.save()
    copy.instructors.set(cohort.instructors.all())
    for share in GraderShare.objects.filter(cohort=cohort):
        GraderShare.objects.create(cohort=copy, grader_id=share.grader_id, weight=share.weight)
    for extension in _cohort_deadlines(cohort):
        Extension.objects.create(
            assignment_id=extension.assignment_id,
            cohort=copy,
            due_at=shift_datetime(extension.due_at, days),
            cutoff_at=shift_datetime(extension.cutoff_at, days) if extension.cutoff_at else None,
            reason=extension.reason,
            granted_by=actor,
        )
    return copy


# --- the draft grading policy --------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleChoice:
    role: str
    pass_mark: Decimal
    weight: Decimal
    attendance_rate: Decimal | None = None  # docs/sessions.md


@transaction.atomic
def save_policy_draft(
    *,
    policy: GradingPolicy,
    pass_mark: Decimal,
    electives_required: int,
    modules: Mapping[Module, ModuleChoice],
    notes: str = "",
) -> GradingPolicy:
    """Store the editor's rules in a draft: the weighted grade's pass mark, each module's role,
    pass mark and weight, and one elective group ("pass n of the electives")."""
    policy = GradingPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.is_published:
        raise SetupRefused(
            _("This version is already published; start a new draft to change the rules.")
        )
    policy.pass_mark = pass_mark
    policy.notes = notes
    policy.save(update_fields=["pass_mark", "notes"])
    group = None
    if any(choice.role == Role.ELECTIVE for choice in modules.values()):
        group, _created = ElectiveGroup.objects.update_or_create(
            policy=policy,
            key=ELECTIVES_KEY,
            defaults={"title": _("Electives"), "required": max(1, electives_required)},
        )
    for module, choice in modules.items():
        if module.program_id != policy.program_id:
            raise SetupRefused(_("The module belongs to another program."))
        PolicyModule.objects.update_or_create(
            policy=policy,
            module=module,
            defaults={
                "role": choice.role,
                "pass_mark": choice.pass_mark,
                "weight": choice.weight,
                "attendance_rate": choice.attendance_rate,
                "group": group if choice.role == Role.ELECTIVE else None,
            },
        )
    ElectiveGroup.objects.filter(policy=policy, module_rules__isnull=True).delete()
    return policy
