"""The requirement engine: one pure function from a grading policy and a participant's released
grades to where they stand.

No database and no clock here, so the rules are table-tested (``tests/courses/test_requirements.py``)
and the same answer comes out of the home page, the stored progress, the certificate and the API.
``courses.progress`` loads the inputs; ``courses.models.policies`` turns a stored policy version
into a :class:`Policy`. The rules, in short (docs/progress.md has them in full):

* A **module** is passed when a coordinator recorded it as passed, or when every one of its
  assignments has a released grade and its percentage (points over maximum points) reaches
  its pass mark. Required modules and the capstone must be passed; an **elective group** needs
  ``required`` of its modules passed.
* A **category** (e.g. exercises 40 %, capstone 60 %) averages the percentages of its
  assignments after dropping the ``drop_lowest`` lowest; at least one always counts. Elective
  modules' assignments count only once the participant has taken the module. A category with a
  minimum must reach it.
* A module's **attendance rule** (a share of its sessions, e.g. 80 %) is a requirement of
  its own: present / (held − excused), met at or above the rate, pending while nothing is
  counted yet. A module with sessions but no assignments is passed by attendance alone.
* The **weighted grade** is the weight-averaged category percentage over the categories that
  have a grade; with no categories, the weight-averaged module percentage. It is *current*
  (released grades only) until every category is complete, then *final*, and must reach the
  policy's pass mark.

Every percentage is rounded by ``courses.scoring`` at each level and the rounded value is the one
compared with a threshold (inclusive): what is shown is what is compared.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.scoring import PLACES, ZERO, meets, percentage, round_score


class Status(StrEnum):
    MET = "met"
    PENDING = "pending"  # nothing more to do but wait: the work is in, a review is outstanding
    MISSING = "missing"


class Role(StrEnum):
    REQUIRED = "required"
    CAPSTONE = "capstone"
    ELECTIVE = "elective"
    OPTIONAL = "optional"  # offered, never required; counts toward a category once taken


COUNTED_ROLES = (Role.REQUIRED, Role.CAPSTONE)


@dataclass(frozen=True)
class CategoryRule:
    key: str
    title: str
    weight: Decimal
    drop_lowest: int = 0
    minimum: Decimal = ZERO


@dataclass(frozen=True)
class ModuleRule:
    module_id: int
    title: str
    role: Role
    pass_mark: Decimal
    weight: Decimal = Decimal(1)
    category: str | None = None
    group: str | None = None
    attendance_rate: Decimal | None = None  # share of held sessions to attend; None: no rule


@dataclass(frozen=True)
class GroupRule:
    key: str
    title: str
    required: int


@dataclass(frozen=True)
class Policy:
    """A grading policy version as plain data. ``version`` 0 is the implicit policy of a
    program without a published one (module fields only, no overall pass mark)."""

    version: int
    modules: tuple[ModuleRule, ...]
    categories: tuple[CategoryRule, ...] = ()
    groups: tuple[GroupRule, ...] = ()
    pass_mark: Decimal | None = None
    policy_id: int | None = None
    # (assignment id, category key): an assignment counting in another category than its
    # module's (e.g. a quiz inside an exercise module).
    assignment_categories: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Item:
    """One assignment as the participant stands on it: a released grade, or none yet."""

    assignment_id: int
    module_id: int
    title: str
    max_points: Decimal
    points: Decimal | None = None
    awaiting_review: bool = False

    @property
    def released(self) -> bool:
        return self.points is not None

    @property
    def percent(self) -> Decimal | None:
        return None if self.points is None else percentage(self.points, self.max_points)


@dataclass(frozen=True)
class RecordedResult:
    """A coordinator's result for a module (e.g. an in-person training): it decides the module."""

    module_id: int
    passed: bool
    percent: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True)
class AttendanceFacts:
    """One participant's attendance in one module: ``held`` sessions (attendance taken, not
    cancelled) with a record for them, of which ``present`` and ``excused``; ``remaining``
    sessions still to be held (not cancelled, attendance not yet taken)."""

    module_id: int
    held: int = 0
    present: int = 0
    excused: int = 0
    remaining: int = 0

    @property
    def counted(self) -> int:
        """Excused sessions count as not held for this person."""
        return self.held - self.excused

    @property
    def rate(self) -> Decimal | None:
        """present / (held - excused), rounded like every percentage; None: nothing counted."""
        return percentage(Decimal(self.present), Decimal(self.counted)) if self.counted else None

    def reachable(self, required: Decimal) -> bool:
        """Whether attending every remaining session would bring the rate to ``required``."""
        counted = self.counted + self.remaining
        if counted == 0:
            return True
        return meets(percentage(Decimal(self.present + self.remaining), Decimal(counted)), required)


# --- results --------------------------------------------------------------------------------


def threshold_text(value: Decimal | str) -> str:
    """A threshold without trailing zeros, in the language's format: 60.00 -> "60"."""
    text = format(Decimal(value).normalize(), "f")
    places = len(text.split(".")[1]) if "." in text else 0
    return number_format(Decimal(text), places)


def _pct(value: Decimal | str) -> str:
    return number_format(round_score(Decimal(value)), PLACES)


@dataclass(frozen=True)
class Requirement:
    """One line of the checklist. ``reason`` is a code and ``params`` its values, so the text
    is written in the reader's language when shown, not when stored."""

    kind: str  # "module", "attendance", "electives", "category" or "grade"
    key: str
    title: str
    status: Status
    reason: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_met(self) -> bool:
        return self.status == Status.MET

    @property
    def text(self) -> str:
        p = dict(self.params)
        t = self.title
        match self.reason:
            case "passed":
                return _("%(title)s: passed with %(percent)s %% (pass mark %(mark)s %%)") % {
                    "title": t,
                    "percent": _pct(p["percent"]),
                    "mark": threshold_text(p["pass_mark"]),
                }
            case "recorded_pass":
                if p.get("percent"):
                    return _("%(title)s: passed with %(percent)s %% (result recorded)") % {
                        "title": t,
                        "percent": _pct(p["percent"]),
                    }
                return _("%(title)s: passed (result recorded)") % {"title": t}
            case "recorded_fail":
                return _("%(title)s: not passed (result recorded)") % {"title": t}
            case "below_pass_mark":
                return _("%(title)s: %(percent)s %% < pass mark %(mark)s %%") % {
                    "title": t,
                    "percent": _pct(p["percent"]),
                    "mark": threshold_text(p["pass_mark"]),
                }
            case "awaiting_review":
                n = int(p["awaiting"])
                return ngettext(
                    "%(title)s: %(n)d submission awaiting review",
                    "%(title)s: %(n)d submissions awaiting review",
                    n,
                ) % {"title": t, "n": n}
            case "grades_missing":
                return _("%(title)s: %(released)s of %(total)s assignments graded") % {
                    "title": t,
                    "released": p["released"],
                    "total": p["total"],
                }
            case "awaiting_result":
                return _("%(title)s: no result recorded yet") % {"title": t}
            case "electives_met":
                return _("%(title)s: %(passed)s of %(required)s electives passed") % {
                    "title": t,
                    "passed": p["passed"],
                    "required": p["required"],
                }
            case "electives_needed":
                return _("%(title)s: %(needed)s of %(required)s electives still needed") % {
                    "title": t,
                    "needed": p["needed"],
                    "required": p["required"],
                }
            case "category_met":
                return _("Category %(title)s: %(percent)s %% ≥ minimum %(minimum)s %%") % {
                    "title": t,
                    "percent": _pct(p["percent"]),
                    "minimum": threshold_text(p["minimum"]),
                }
            case "category_below":
                return _("Category %(title)s below minimum %(minimum)s %% (%(percent)s %%)") % {
                    "title": t,
                    "percent": _pct(p["percent"]),
                    "minimum": threshold_text(p["minimum"]),
                }
            case "category_incomplete":
                n = int(p["needed"])
                return ngettext(
                    "Category %(title)s: %(n)d more graded assignment needed",
                    "Category %(title)s: %(n)d more graded assignments needed",
                    n,
                ) % {"title": t, "n": n}
            case "category_empty":
                return _("Category %(title)s: nothing to grade yet") % {"title": t}
            case "attendance_met" | "attendance_below":
                return _(
                    "%(title)s: attended %(present)s of %(counted)s sessions, %(rate)s %% needed"
                ) % {
                    "title": t,
                    "present": p["present"],
                    "counted": p["counted"],
                    "rate": threshold_text(p["rate"]),
                }
            case "attendance_none":
                return _("%(title)s: no sessions held yet, %(rate)s %% attendance needed") % {
                    "title": t,
                    "rate": threshold_text(p["rate"]),
                }
            case "grade_met":
                return _("Weighted grade %(grade)s %% ≥ pass mark %(mark)s %%") % {
                    "grade": _pct(p["grade"]),
                    "mark": threshold_text(p["pass_mark"]),
                }
            case "grade_below":
                return _("Weighted grade %(grade)s %% < pass mark %(mark)s %%") % {
                    "grade": _pct(p["grade"]),
                    "mark": threshold_text(p["pass_mark"]),
                }
            case "grade_provisional":
                return _(
                    "Weighted grade so far %(grade)s %% (pass mark %(mark)s %%); "
                    "final once all graded work is released"
                ) % {"grade": _pct(p["grade"]), "mark": threshold_text(p["pass_mark"])}
            case "grade_none":
                return _("No graded work yet (pass mark %(mark)s %%)") % {
                    "mark": threshold_text(p["pass_mark"])
                }
        return f"{t}: {self.reason}"


@dataclass(frozen=True)
class ModuleStanding:
    module_id: int
    title: str
    role: Role
    pass_mark: Decimal
    status: Status
    reason: str
    percent: Decimal | None  # over released grades (or the recorded grade); None: nothing yet
    released: int
    total: int
    awaiting: int
    recorded: bool
    group: str | None = None

    @property
    def taken(self) -> bool:
        return bool(self.released or self.awaiting or self.recorded)

    @property
    def is_required(self) -> bool:
        return self.role in COUNTED_ROLES

    @property
    def is_capstone(self) -> bool:
        return self.role == Role.CAPSTONE


@dataclass(frozen=True)
class CategoryStanding:
    key: str
    title: str
    weight: Decimal
    minimum: Decimal
    drop_lowest: int
    percent: Decimal | None  # mean of the kept percentages; None: no grade yet
    needed: int  # how many grades count once complete
    released: int
    total: int
    awaiting: int
    dropped: tuple[int, ...] = ()  # assignment ids whose grades were dropped

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.released >= self.needed


@dataclass(frozen=True)
class Result:
    policy_version: int
    policy_id: int | None
    pass_mark: Decimal | None
    requirements: tuple[Requirement, ...]
    modules: tuple[ModuleStanding, ...]
    categories: tuple[CategoryStanding, ...]
    weighted_grade: Decimal | None
    grade_is_final: bool

    @property
    def complete(self) -> bool:
        return bool(self.requirements) and all(r.is_met for r in self.requirements)

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.requirements if r.is_met)

    @property
    def percent_complete(self) -> int:
        """Share of requirements met, for the progress bar."""
        if not self.requirements:
            return 0
        return round(100 * self.met_count / len(self.requirements))

    @property
    def still_needed(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.is_met)

    def module(self, module_id: int) -> ModuleStanding | None:
        return next((m for m in self.modules if m.module_id == module_id), None)

    # Stored per enrollment (courses.ProgressRecord.result) and read back without recomputing.
    def to_json(self) -> dict[str, Any]:
        def dec(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "policy_version": self.policy_version,
            "policy_id": self.policy_id,
            "pass_mark": dec(self.pass_mark),
            "weighted_grade": dec(self.weighted_grade),
            "grade_is_final": self.grade_is_final,
            "requirements": [
                {
                    "kind": r.kind,
                    "key": r.key,
                    "title": r.title,
                    "status": r.status.value,
                    "reason": r.reason,
                    "params": dict(r.params),
                }
                for r in self.requirements
            ],
            "modules": [
                {
                    "module_id": m.module_id,
                    "title": m.title,
                    "role": m.role.value,
                    "pass_mark": str(m.pass_mark),
                    "status": m.status.value,
                    "reason": m.reason,
                    "percent": dec(m.percent),
                    "released": m.released,
                    "total": m.total,
                    "awaiting": m.awaiting,
                    "recorded": m.recorded,
                    "group": m.group,
                }
                for m in self.modules
            ],
            "categories": [
                {
                    "key": c.key,
                    "title": c.title,
                    "weight": str(c.weight),
                    "minimum": str(c.minimum),
                    "drop_lowest": c.drop_lowest,
                    "percent": dec(c.percent),
                    "needed": c.needed,
                    "released": c.released,
                    "total": c.total,
                    "awaiting": c.awaiting,
                    "dropped": list(c.dropped),
                }
                for c in self.categories
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Result":
        def dec(value: str | None) -> Decimal | None:
            return None if value is None else Decimal(value)

        return cls(
            policy_version=data["policy_version"],
            policy_id=data["policy_id"],
            pass_mark=dec(data["pass_mark"]),
            weighted_grade=dec(data["weighted_grade"]),
            grade_is_final=data["grade_is_final"],
            requirements=tuple(
                Requirement(
                    kind=r["kind"],
                    key=r["key"],
                    title=r["title"],
                    status=Status(r["status"]),
                    reason=r["reason"],
                    params=r["params"],
                )
                for r in data["requirements"]
            ),
            modules=tuple(
                ModuleStanding(
                    module_id=m["module_id"],
                    title=m["title"],
                    role=Role(m["role"]),
                    pass_mark=Decimal(m["pass_mark"]),
                    status=Status(m["status"]),
                    reason=m["reason"],
                    percent=dec(m["percent"]),
                    released=m["released"],
                    total=m["total"],
                    awaiting=m["awaiting"],
                    recorded=m["recorded"],
                    group=m["group"],
                )
                for m in data["modules"]
            ),
            categories=tuple(
                CategoryStanding(
                    key=c["key"],
                    title=c["title"],
                    weight=Decimal(c["weight"]),
                    minimum=Decimal(c["minimum"]),
                    drop_lowest=c["drop_lowest"],
                    percent=dec(c["percent"]),
                    needed=c["needed"],
                    released=c["released"],
                    total=c["total"],
                    awaiting=c["awaiting"],
                    dropped=tuple(c["dropped"]),
                )
                for c in data["categories"]
            ),
        )


# --- the engine -----------------------------------------------------------------------------


def _mean(values: Sequence[Decimal]) -> Decimal:
    return round_score(sum(values, ZERO) / len(values))


def _weighted(pairs: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Weight-averaged percentage over (weight, percent) pairs; None when no weight counts."""
    total_weight = sum((w for w, _p in pairs), ZERO)
    if total_weight <= ZERO:
        return None
    return round_score(sum((w * p for w, p in pairs), ZERO) / total_weight)


def _module_standing(
    rule: ModuleRule, items: Sequence[Item], recorded: RecordedResult | None
) -> ModuleStanding:
    released = [i for i in items if i.released]
    awaiting = sum(1 for i in items if not i.released and i.awaiting_review)
    current: Decimal | None = None
    if released:
        current = percentage(
            sum((i.points or ZERO for i in released), ZERO),
            sum((i.max_points for i in released), ZERO),
        )
    if recorded is not None:
        status = Status.MET if recorded.passed else Status.MISSING
        reason = "recorded_pass" if recorded.passed else "recorded_fail"
        if recorded.percent is not None:
            current = round_score(recorded.percent)
    elif not items:
        status, reason = Status.MISSING, "awaiting_result"
    elif len(released) == len(items):
        assert current is not None
        passed = meets(current, rule.pass_mark)
        status = Status.MET if passed else Status.MISSING
        reason = "passed" if passed else "below_pass_mark"
    elif len(released) + awaiting == len(items):
        status, reason = Status.PENDING, "awaiting_review"
    else:
        status, reason = Status.MISSING, "grades_missing"
    return ModuleStanding(
        module_id=rule.module_id,
        title=rule.title,
        role=rule.role,
        pass_mark=rule.pass_mark,
        status=status,
        reason=reason,
        percent=current,
        released=len(released),
        total=len(items),
        awaiting=awaiting,
        recorded=recorded is not None,
        group=rule.group,
    )


def _module_requirement(standing: ModuleStanding) -> Requirement:
    params = {
        "pass_mark": str(standing.pass_mark),
        "released": str(standing.released),
        "total": str(standing.total),
        "awaiting": str(standing.awaiting),
    }
    if standing.percent is not None:
        params["percent"] = str(standing.percent)
    return Requirement(
        kind="module",
        key=str(standing.module_id),
        title=standing.title,
        status=standing.status,
        reason=standing.reason,
        params=params,
    )


def _decided_by_attendance(rule: ModuleRule, standing: ModuleStanding) -> bool:
    """A module without assignments, with an attendance rule and no recorded result."""
    return rule.attendance_rate is not None and not standing.total and not standing.recorded


def _attendance_requirement(rule: ModuleRule, facts: AttendanceFacts | None) -> Requirement:
    """The module's attendance rule. With nothing counted yet (no session held, or every held
    one excused) it is pending: the sessions still to come decide."""
    assert rule.attendance_rate is not None
    facts = facts or AttendanceFacts(module_id=rule.module_id)
    params = {
        "rate": str(rule.attendance_rate),
        "present": str(facts.present),
        "excused": str(facts.excused),
        "held": str(facts.held),
        "counted": str(facts.counted),
        "remaining": str(facts.remaining),
    }
    rate = facts.rate
    if rate is not None:
        params["percent"] = str(rate)
    if rate is None:
        status, reason = Status.PENDING, "attendance_none"
    elif meets(rate, rule.attendance_rate):
        status, reason = Status.MET, "attendance_met"
    else:
        status, reason = Status.MISSING, "attendance_below"
    return Requirement("attendance", str(rule.module_id), rule.title, status, reason, params)


def _category_standing(
    rule: CategoryRule,
    modules: Sequence[tuple[ModuleRule, ModuleStanding, Sequence[Item]]],
    recorded: Mapping[int, RecordedResult],
    overrides: Mapping[int, str],
) -> CategoryStanding:
    # (position, assignment id or 0 for a recorded module grade, percent or None, awaiting)
    entries: list[tuple[int, int, Decimal | None, bool]] = []
    for module_rule, standing, all_items in modules:
        if module_rule.role not in COUNTED_ROLES and not standing.taken:
            continue  # an elective nobody chose does not count against anyone
        # An assignment counts in its own category if the policy gives it one, else its module's.
        items = [
            i for i in all_items if overrides.get(i.assignment_id, module_rule.category) == rule.key
        ]
        result = recorded.get(module_rule.module_id)
        if not all_items and module_rule.category == rule.key:
            if result is not None:
                # A pass/fail result without a grade has nothing to average: it is no item.
                if result.percent is not None:
                    entries.append((len(entries), 0, round_score(result.percent), False))
            elif module_rule.role in COUNTED_ROLES:
                entries.append((len(entries), 0, None, False))  # a grade still to come
            continue
        for item in items:
            entries.append((len(entries), item.assignment_id, item.percent, item.awaiting_review))
    total = len(entries)
    needed = max(1, total - rule.drop_lowest) if total else 0
    released = [e for e in entries if e[2] is not None]
    # Best first; on a tie the earlier assignment is kept (the value is the same either way).
    ranked = sorted(released, key=lambda e: (-(e[2] or ZERO), e[0]))
    kept, dropped = ranked[:needed], ranked[needed:]
    return CategoryStanding(
        key=rule.key,
        title=rule.title,
        weight=rule.weight,
        minimum=rule.minimum,
        drop_lowest=rule.drop_lowest,
        percent=_mean([e[2] for e in kept if e[2] is not None]) if kept else None,
        needed=needed,
        released=len(released),
        total=total,
        awaiting=sum(1 for e in entries if e[2] is None and e[3]),
        dropped=tuple(e[1] for e in dropped if e[1]),
    )


def _category_requirement(c: CategoryStanding) -> Requirement | None:
    if c.minimum <= ZERO:
        return None
    params = {"minimum": str(c.minimum), "needed": str(max(0, c.needed - c.released))}
    if c.percent is not None:
        params["percent"] = str(c.percent)
    if c.total == 0:
        status, reason = Status.MISSING, "category_empty"
    elif not c.complete:
        enough = c.released + c.awaiting >= c.needed
        status = Status.PENDING if enough else Status.MISSING
        reason = "category_incomplete"
    elif c.percent is not None and meets(c.percent, c.minimum):
        status, reason = Status.MET, "category_met"
    else:
        status, reason = Status.MISSING, "category_below"
    return Requirement("category", c.key, c.title, status, reason, params)


def evaluate(
    policy: Policy,
    items: Sequence[Item],
    recorded: Mapping[int, RecordedResult] | None = None,
    attendance: Mapping[int, AttendanceFacts] | None = None,
) -> Result:
    """Where a participant stands under ``policy``, from their items (every published
    assignment of the policy's modules, with the released grade if any), the coordinators'
    recorded module results and their attendance per module (by module id)."""
    recorded = recorded or {}
    attendance = attendance or {}
    by_module: dict[int, list[Item]] = {rule.module_id: [] for rule in policy.modules}
    for item in items:
        if item.module_id in by_module:
            by_module[item.module_id].append(item)
    modules = [
        (rule, _module_standing(rule, by_module[rule.module_id], recorded.get(rule.module_id)))
        for rule in policy.modules
    ]
    requirements = []
    standings = {rule.module_id: standing for rule, standing in modules}
    for rule, standing in modules:
        if rule.role not in COUNTED_ROLES:
            continue
        # A coordinator's recorded result decides the module, attendance included; a module
        # with sessions only (no assignments) is decided by its attendance.
        counts_attendance = rule.attendance_rate is not None and not standing.recorded
        if not _decided_by_attendance(rule, standing):
            requirements.append(_module_requirement(standing))
        if counts_attendance:
            line = _attendance_requirement(rule, attendance.get(rule.module_id))
            requirements.append(line)
            if _decided_by_attendance(rule, standing):
                # The module's own standing says the same (the matrix, the program page, the API).
                standings[rule.module_id] = replace(
                    standing, status=line.status, reason=line.reason
                )

    for group in policy.groups:
        members = [s for rule, s in modules if rule.group == group.key]
        passed = sum(1 for s in members if s.status == Status.MET)
        pending = sum(1 for s in members if s.status == Status.PENDING)
        needed = max(0, group.required - passed)
        params = {"passed": str(passed), "required": str(group.required), "needed": str(needed)}
        if needed == 0:
            status, reason = Status.MET, "electives_met"
        else:
            status = Status.PENDING if pending >= needed else Status.MISSING
            reason = "electives_needed"
        requirements.append(
            Requirement("electives", group.key, group.title, status, reason, params)
        )

    # Modules with sessions only are passed by attendance alone: they have no grade to wait for.
    graded = [(r, s) for r, s in modules if not _decided_by_attendance(r, s)]
    overrides = dict(policy.assignment_categories)
    categories = tuple(
        _category_standing(
            rule, [(r, s, by_module[r.module_id]) for r, s in graded], recorded, overrides
        )
        for rule in policy.categories
    )
    for category in categories:
        requirement = _category_requirement(category)
        if requirement is not None:
            requirements.append(requirement)

    if categories:
        counted_categories = [c for c in categories if c.weight > ZERO]
        grade = _weighted(
            [(c.weight, c.percent) for c in counted_categories if c.percent is not None]
        )
        final = all(c.complete for c in counted_categories)
        work_in = all(c.total and c.released + c.awaiting >= c.needed for c in counted_categories)
    else:
        counted = [
            (rule, s)
            for rule, s in graded
            if rule.role in COUNTED_ROLES or (rule.role == Role.ELECTIVE and s.taken)
        ]
        grade = _weighted(
            [(rule.weight, s.percent) for rule, s in counted if s.percent is not None]
        )
        final = all(s.recorded or (s.total > 0 and s.released == s.total) for _rule, s in counted)
        work_in = all(
            s.recorded or (s.total > 0 and s.released + s.awaiting == s.total)
            for _rule, s in counted
        )
    if policy.pass_mark is not None:
        params = {"pass_mark": str(policy.pass_mark)}
        if grade is None:
            status, reason = Status.MISSING, "grade_none"
        else:
            params["grade"] = str(grade)
            if not final:
                status = Status.PENDING if work_in else Status.MISSING
                reason = "grade_provisional"
            elif meets(grade, policy.pass_mark):
                status, reason = Status.MET, "grade_met"
            else:
                status, reason = Status.MISSING, "grade_below"
        requirements.append(Requirement("grade", "grade", "", status, reason, params))
    return Result(
        policy_version=policy.version,
        policy_id=policy.policy_id,
        pass_mark=policy.pass_mark,
        requirements=tuple(requirements),
        modules=tuple(standings[rule.module_id] for rule, _s in modules),
        categories=categories,
        weighted_grade=grade,
        grade_is_final=bool(final and grade is not None),
    )
