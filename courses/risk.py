"""Who is at risk of not finishing a program, and why: one pure rule and its loader.

A participant is **at risk** when, at today's pace, a requirement of the program cannot be met by
the cohort's end. ``assess`` decides from plain facts (no database, no clock), so the rule is
table-tested (``tests/courses/test_risk.py``); ``risks_for`` loads the facts of many enrolments
in a constant number of queries. The reasons (docs/workspace.md, "At risk"):

* **Missed deadline**: an assignment of a required module or the capstone whose due date
  (the participant's or their cohort's extension applied) has passed with nothing handed in
  and no grade.
* **Failing**: a required module (or the capstone) whose average over the released grades is
  below its pass mark, or that a coordinator recorded as failed; a category below its minimum
  once complete; the weighted grade below the policy's pass mark (final or current).
* **Attendance out of reach**: a required module's attendance below its required rate with
  too few sessions left to reach it even by attending every one (the engine's attendance
  requirement, ``courses.requirements.AttendanceFacts.reachable``; docs/sessions.md).
* **Inactive**: no activity for ``Program.inactivity_weeks`` weeks while the cohort runs.
  Activity is the latest of the last log-in and the last first hand-in of an assignment
  (``HandIn``); the enrolment itself counts as activity, so a new participant is not flagged.

A participant whose every requirement is met is never at risk.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.models import Assignment, Enrollment, Extension, Grade, HandIn, ProgressRecord
from courses.progress import compute_results, effective_deadline, policies_for
from courses.requirements import (
    COUNTED_ROLES,
    AttendanceFacts,
    Result,
    Status,
    threshold_text,
)
from courses.scoring import meets

MISSED_DEADLINE = "missed_deadline"
FAILING_MODULE = "failing_module"
RECORDED_FAIL = "recorded_fail"
CATEGORY_BELOW = "category_below"
GRADE_BELOW = "grade_below"
INACTIVE = "inactive"
ATTENDANCE_OUT_OF_REACH = "attendance_out_of_reach"


@dataclass(frozen=True)
class Reason:
    """Why a participant is at risk: a code and its values; the text is written in the reader's
    language when shown."""

    code: str
    title: str = ""
    params: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        p = dict(self.params)
        match self.code:
            case "missed_deadline":
                return _("%(title)s: due %(date)s, nothing handed in") % {
                    "title": self.title,
                    "date": date_format(dt.date.fromisoformat(p["due"]), "DATE_FORMAT"),
                }
            case "failing_module":
                return _("%(title)s: average %(percent)s %% below the pass mark %(mark)s %%") % {
                    "title": self.title,
                    "percent": threshold_text(p["percent"]),
                    "mark": threshold_text(p["mark"]),
                }
            case "recorded_fail":
                return _("%(title)s: recorded as not passed") % {"title": self.title}
            case "category_below":
                return _("%(title)s: %(percent)s %% below the minimum %(mark)s %%") % {
                    "title": self.title,
                    "percent": threshold_text(p["percent"]),
                    "mark": threshold_text(p["mark"]),
                }
            case "grade_below":
                return _("Weighted grade %(percent)s %% below the pass mark %(mark)s %%") % {
                    "percent": threshold_text(p["percent"]),
                    "mark": threshold_text(p["mark"]),
                }
            case "attendance_out_of_reach":
                return _(
                    "%(title)s: attended %(present)s of %(counted)s sessions, %(remaining)s "
                    "left: %(rate)s %% can no longer be reached"
                ) % {
                    "title": self.title,
                    "present": p["present"],
                    "counted": p["counted"],
                    "remaining": p["remaining"],
                    "rate": threshold_text(p["rate"]),
                }
            case "inactive":
                weeks = int(p["weeks"])
                return ngettext(
                    "No activity for %(weeks)d week (since %(date)s)",
                    "No activity for %(weeks)d weeks (since %(date)s)",
                    weeks,
                ) % {
                    "weeks": weeks,
                    "date": date_format(dt.date.fromisoformat(p["since"]), "DATE_FORMAT"),
                }
        return self.code  # pragma: no cover - every code above has a text


@dataclass(frozen=True)
class WorkFacts:
    """One assignment as the participant stands on it."""

    title: str
    due_at: dt.datetime | None  # extensions applied
    required: bool  # of a required module or the capstone
    handed_in: bool = False
    graded: bool = False


@dataclass(frozen=True)
class EnrollmentFacts:
    result: Result
    last_activity: dt.datetime  # the latest of log-in, hand-in and enrolment
    work: tuple[WorkFacts, ...] = ()


@dataclass(frozen=True)
class RiskPolicy:
    inactivity_weeks: int
    starts_on: dt.date
    ends_on: dt.date


def assess(facts: EnrollmentFacts, now: dt.datetime, policy: RiskPolicy) -> list[Reason]:
    """The reasons the participant is at risk (empty: not at risk), in a stable order."""
    result = facts.result
    if result.complete:
        return []
    reasons: list[Reason] = []
    for work in facts.work:
        overdue = work.due_at is not None and work.due_at < now
        if work.required and overdue and not (work.handed_in or work.graded):
            assert work.due_at is not None
            due = work.due_at.date().isoformat()
            reasons.append(Reason(MISSED_DEADLINE, work.title, (("due", due),)))
    for module in result.modules:
        if module.role not in COUNTED_ROLES or module.status == Status.MET:
            continue
        if module.reason == "recorded_fail":
            reasons.append(Reason(RECORDED_FAIL, module.title))
        elif (
            module.percent is not None
            and not module.recorded
            and not meets(module.percent, module.pass_mark)
        ):
            params = (("percent", str(module.percent)), ("mark", str(module.pass_mark)))
            reasons.append(Reason(FAILING_MODULE, module.title, params))
    for category in result.categories:
        if (
            category.complete
            and category.minimum > 0
            and category.percent is not None
            and not meets(category.percent, category.minimum)
        ):
            params = (("percent", str(category.percent)), ("mark", str(category.minimum)))
            reasons.append(Reason(CATEGORY_BELOW, category.title, params))
    for requirement in result.requirements:
        if requirement.kind == "attendance" and requirement.status == Status.MISSING:
            p = dict(requirement.params)
            attended = AttendanceFacts(
                module_id=int(requirement.key),
                held=int(p["held"]),
                present=int(p["present"]),
                excused=int(p["excused"]),
                remaining=int(p["remaining"]),
            )
            if not attended.reachable(Decimal(p["rate"])):
                keep = ("present", "counted", "remaining", "rate")
                reasons.append(
                    Reason(
                        ATTENDANCE_OUT_OF_REACH,
                        requirement.title,
                        tuple((k, p[k]) for k in keep),
                    )
                )
    grade, mark = result.weighted_grade, result.pass_mark
    if grade is not None and mark is not None and not meets(grade, mark):
        reasons.append(Reason(GRADE_BELOW, "", (("percent", str(grade)), ("mark", str(mark)))))
    today = now.date()
    running = policy.starts_on <= today <= policy.ends_on
    idle = now - facts.last_activity
    if (
        running
        and policy.inactivity_weeks > 0
        and idle >= dt.timedelta(weeks=policy.inactivity_weeks)
    ):
        params = (("weeks", str(idle.days // 7)), ("since", facts.last_activity.date().isoformat()))
        reasons.append(Reason(INACTIVE, "", params))
    return reasons


@dataclass(frozen=True)
class Risk:
    enrollment: Enrollment
    result: Result
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def at_risk(self) -> bool:
        return bool(self.reasons)


def risks_for(enrollments: Sequence[Enrollment], *, now: dt.datetime) -> dict[int, Risk]:
    """Each enrolment's risk (by id), in a constant number of queries. Enrollments must come
    with ``cohort__program`` loaded (the user is not needed).

    Built for a coordinator's home over thousands of enrolments: every query is narrowed by
    the enrolments' cohorts (a short list) rather than by each enrolment, and only work whose
    own due date has passed is loaded (an extension only ever moves a due date later).
    """
    if not enrollments:
        return {}
    enrollments = list(enrollments)
    ids = {e.pk for e in enrollments}
    cohort_ids = {e.cohort_id for e in enrollments}
    in_cohorts = {"enrollment__cohort_id__in": cohort_ids}
    results = _stored_results(enrollments, cohort_ids)
    rules = policies_for(enrollments)
    program_ids = {e.cohort.program_id for e in enrollments}
    overdue = list(
        Assignment.objects.published()
        .filter(module__program_id__in=program_ids, due_at__lt=now)
        .select_related("module")
        .order_by("due_at", "pk")
    )
    extensions: dict[int, list[Extension]] = defaultdict(list)
    handed_in: set[tuple[int, int]] = set()
    graded: set[tuple[int, int]] = set()
    if overdue:
        for extension in Extension.objects.active().filter(
            Q(**in_cohorts) | Q(cohort_id__in=cohort_ids), assignment__in=overdue
        ):
            extensions[extension.assignment_id].append(extension)
        handed_in = set(
            HandIn.objects.filter(assignment__in=overdue, **in_cohorts).values_list(
                "enrollment_id", "assignment_id"
            )
        )
        graded = set(
            Grade.objects.filter(assignment__in=overdue, **in_cohorts).values_list(
                "enrollment_id", "assignment_id"
            )
        )
    last_hand_in = dict(
        HandIn.objects.filter(**in_cohorts)
        .values("enrollment_id")
        .annotate(last=Max("first_at"))
        .values_list("enrollment_id", "last")
    )
    last_login = dict(
        Enrollment.objects.filter(cohort_id__in=cohort_ids).values_list("pk", "user__last_login")
    )
    # Per program and rules: the overdue work that counts (required modules and the capstone).
    counted_work: dict[tuple[int, int], list[Assignment]] = {}
    risks = {}
    for enrollment in enrollments:
        pk, cohort = enrollment.pk, enrollment.cohort
        rule = rules[pk]
        key = (cohort.program_id, id(rule))
        if key not in counted_work:
            counted = {m.module_id for m in rule.modules if m.role in COUNTED_ROLES}
            counted_work[key] = [
                a
                for a in overdue
                if a.module_id in counted and a.module.program_id == cohort.program_id
            ]
        work = tuple(
            WorkFacts(
                title=a.title,
                due_at=(
                    effective_deadline(a, enrollment, extensions[a.pk]).due_at
                    if a.pk in extensions
                    else a.due_at
                ),
                required=True,
                handed_in=(pk, a.pk) in handed_in,
                graded=(pk, a.pk) in graded,
            )
            for a in counted_work[key]
        )
        moments = [enrollment.enrolled_at, last_login.get(pk), last_hand_in.get(pk)]
        facts = EnrollmentFacts(
            result=results[pk],
            last_activity=max(m for m in moments if m is not None),
            work=work,
        )
        policy = RiskPolicy(
            inactivity_weeks=cohort.program.inactivity_weeks,
            starts_on=cohort.starts_on,
            ends_on=cohort.ends_on,
        )
        risks[pk] = Risk(enrollment, facts.result, tuple(assess(facts, now, policy)))
    return {pk: risk for pk, risk in risks.items() if pk in ids}


def _stored_results(enrollments: Sequence[Enrollment], cohort_ids: set[int]) -> dict[int, Result]:
    """The stored progress of the enrolments (``courses.progress.progress_for``'s records),
    computed live for those without one."""
    wanted = {e.pk for e in enrollments}
    results = {
        pk: Result.from_json(data)
        for pk, data in ProgressRecord.objects.filter(
            enrollment__cohort_id__in=cohort_ids
        ).values_list("enrollment_id", "result")
        if pk in wanted
    }
    without = [e for e in enrollments if e.pk not in results]
    if without:
        results.update(compute_results(without))
    return results


__all__ = ["EnrollmentFacts", "Reason", "Risk", "RiskPolicy", "WorkFacts", "assess", "risks_for"]
