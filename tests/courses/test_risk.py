"""The at-risk rule, table-driven: plain facts in, the reasons (or none) out; and its loader."""

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from courses.models import Cohort, Extension, HandIn, ProgressRecord
from courses.requirements import (
    CategoryRule,
    Item,
    ModuleRule,
    Policy,
    RecordedResult,
    Role,
    evaluate,
)
from courses.risk import (
    EnrollmentFacts,
    Reason,
    RiskPolicy,
    WorkFacts,
    assess,
    judge_running_cohorts,
    risks_for,
)
from courses.services import enroll
from platform.models import User
from platform.schedule import load_jobs
from tests.helpers import make_user, publish, release_grade

D = Decimal
UTC = dt.UTC
NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - dt.timedelta(weeks=10)
RECENTLY = NOW - dt.timedelta(days=2)
RUNNING = RiskPolicy(
    inactivity_weeks=3, starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 3, 31)
)
ENDED = RiskPolicy(inactivity_weeks=3, starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 9, 30))
NOT_STARTED = RiskPolicy(
    inactivity_weeks=3, starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 6, 30)
)

POLICY = Policy(
    version=1,
    modules=(
        ModuleRule(1, "Foundations", Role.REQUIRED, D(50), category="ex"),
        ModuleRule(2, "Deep learning", Role.ELECTIVE, D(50), category="ex"),
        ModuleRule(3, "Capstone", Role.CAPSTONE, D(60), category="cap"),
    ),
    categories=(
        CategoryRule("ex", "Exercises", D(1), minimum=D(40)),
        CategoryRule("cap", "Project", D(1)),
    ),
    pass_mark=D(50),
)


def items(**points: str | None) -> list[Item]:
    """a1, a2 in Foundations, e1 in the elective, c1 the capstone; 100 points each."""
    where = {"a1": 1, "a2": 1, "e1": 2, "c1": 3}
    return [
        Item(
            n, where[name], name, D(100), None if points.get(name) is None else D(str(points[name]))
        )
        for n, name in enumerate(where, start=1)
    ]


def due(title: str, days_ago: int, *, required: bool = True, **done: bool) -> WorkFacts:
    return WorkFacts(title, NOW - dt.timedelta(days=days_ago), required, **done)


def facts(
    *work: WorkFacts,
    grades: dict[str, str | None] | None = None,
    recorded: dict[int, RecordedResult] | None = None,
    active: dt.datetime = RECENTLY,
) -> EnrollmentFacts:
    result = evaluate(POLICY, items(**(grades or {})), recorded)
    return EnrollmentFacts(result=result, last_activity=active, work=tuple(work))


ALL_PASSED = {"a1": "90", "a2": "90", "e1": "80", "c1": "90"}

CASES: list[tuple[str, EnrollmentFacts, RiskPolicy, list[str]]] = [
    ("nothing due yet, active", facts(), RUNNING, []),
    ("a future deadline is no risk", facts(due("a1", -3)), RUNNING, []),
    ("a missed required deadline", facts(due("a1", 1)), RUNNING, ["missed_deadline:a1"]),
    (
        "two missed deadlines, each named",
        facts(due("a1", 9), due("a2", 2)),
        RUNNING,
        ["missed_deadline:a1", "missed_deadline:a2"],
    ),
    ("handed in on time is no risk", facts(due("a1", 1, handed_in=True)), RUNNING, []),
    (
        "graded without a hand-in (recorded) is no risk",
        facts(due("a1", 1, graded=True)),
        RUNNING,
        [],
    ),
    ("an elective's missed deadline is no risk", facts(due("e1", 5, required=False)), RUNNING, []),
    ("an extension moved the due date ahead (facts carry it)", facts(due("a1", -1)), RUNNING, []),
    (
        "failing average in a required module",
        facts(grades={"a1": "30"}),
        RUNNING,
        ["failing_module:Foundations", "grade_below"],
    ),
    ("average exactly at the pass mark passes", facts(grades={"a1": "50"}), RUNNING, []),
    (
        "a capstone under its own pass mark",
        facts(grades={"c1": "55"}),
        RUNNING,
        ["failing_module:Capstone"],
    ),
    (
        "an elective below its pass mark is no module risk",
        facts(grades={"a1": "90", "e1": "10"}),
        RUNNING,
        [],
    ),
    (
        "a recorded failure",
        facts(recorded={1: RecordedResult(1, passed=False)}),
        RUNNING,
        ["recorded_fail:Foundations"],
    ),
    (
        "a recorded pass is no risk",
        facts(recorded={1: RecordedResult(1, passed=True)}),
        RUNNING,
        [],
    ),
    (
        "a complete category below its minimum",
        facts(grades={"a1": "60", "a2": "10", "e1": "20"}),
        RUNNING,
        ["failing_module:Foundations", "category_below:Exercises", "grade_below"],
    ),
    (
        "inactive for three weeks exactly",
        facts(active=NOW - dt.timedelta(weeks=3)),
        RUNNING,
        ["inactive"],
    ),
    ("inactive for less than three weeks", facts(active=NOW - dt.timedelta(days=20)), RUNNING, []),
    ("long inactive", facts(active=LONG_AGO), RUNNING, ["inactive"]),
    ("inactivity before the cohort starts is no risk", facts(active=LONG_AGO), NOT_STARTED, []),
    ("inactivity after the cohort ended is no risk", facts(active=LONG_AGO), ENDED, []),
    (
        "a program with a longer inactivity window",
        facts(active=NOW - dt.timedelta(weeks=4)),
        RiskPolicy(6, RUNNING.starts_on, RUNNING.ends_on),
        [],
    ),
    (
        "missed deadline and inactive",
        facts(due("a1", 30), active=LONG_AGO),
        RUNNING,
        ["missed_deadline:a1", "inactive"],
    ),
    (
        "everything met: never at risk, even inactive and overdue",
        facts(due("a1", 30), grades=ALL_PASSED, active=LONG_AGO),
        RUNNING,
        [],
    ),
]


def code(reason: Reason) -> str:
    return f"{reason.code}:{reason.title}" if reason.title else reason.code


@pytest.mark.parametrize(
    ("facts_", "policy", "expected"),
    [pytest.param(f, p, e, id=name) for name, f, p, e in CASES],
)
def test_the_rule(facts_: EnrollmentFacts, policy: RiskPolicy, expected: list[str]) -> None:
    assert [code(r) for r in assess(facts_, NOW, policy)] == expected


def test_each_reason_is_written_in_english_and_german() -> None:
    reasons = assess(facts(due("Squares", 3), grades={"a1": "30"}, active=LONG_AGO), NOW, RUNNING)
    assert [r.text for r in reasons] == [
        "Squares: due Dec. 2, 2026, nothing handed in",
        "Foundations: average 30 % below the pass mark 50 %",
        "Weighted grade 30 % below the pass mark 50 %",
        "No activity for 10 weeks (since Sept. 26, 2026)",
    ]
    with translation.override("de"):
        texts = [r.text for r in reasons]
    assert texts == [
        "Squares: fällig am 2. Dezember 2026, nichts abgegeben",
        "Foundations: Durchschnitt 30 % unter der Bestehensgrenze von 50 %",
        "Gewichtete Note 30 % unter der Bestehensgrenze von 50 %",
        "Seit 10 Wochen keine Aktivität (seit 26. September 2026)",
    ]


# --- the loader ----------------------------------------------------------------------------


@pytest.fixture
def overdue(module: Any) -> Any:
    return publish(module, "overdue", "Overdue", due_at=timezone.now() - dt.timedelta(days=2))


@pytest.fixture
def running(cohort: Cohort) -> Cohort:
    today = timezone.localdate()
    cohort.starts_on, cohort.ends_on = today - dt.timedelta(days=60), today + dt.timedelta(days=60)
    cohort.save(update_fields=["starts_on", "ends_on"])
    return cohort


_numbers = itertools.count()


def people(cohort: Cohort, n: int) -> list[Any]:
    return [enroll(user=make_user(f"person{next(_numbers)}"), cohort=cohort) for _ in range(n)]


def test_the_loader_flags_a_missed_deadline_unless_handed_in_or_extended(
    running: Cohort, overdue: Any, instructor: User
) -> None:
    late, handed, extended = people(running, 3)
    HandIn.objects.create(enrollment=handed, assignment=overdue)
    Extension.objects.create(
        assignment=overdue,
        enrollment=extended,
        due_at=timezone.now() + dt.timedelta(days=3),
        reason="ill",
        granted_by=instructor,
    )
    risks = risks_for([late, handed, extended], now=timezone.now())
    assert [r.code for r in risks[late.pk].reasons] == ["missed_deadline"]
    assert risks[handed.pk].reasons == ()
    assert risks[extended.pk].reasons == ()


def test_the_loader_counts_log_ins_and_hand_ins_as_activity(running: Cohort, module: Any) -> None:
    idle, logged_in, handed = people(running, 3)
    long_ago = timezone.now() - dt.timedelta(weeks=5)
    for enrollment in (idle, logged_in, handed):
        enrollment.enrolled_at = long_ago
        enrollment.save(update_fields=["enrolled_at"])
    User.objects.filter(pk=logged_in.user_id).update(last_login=timezone.now())
    assignment = publish(module, "later", "Later", due_at=timezone.now() + dt.timedelta(days=9))
    HandIn.objects.create(enrollment=handed, assignment=assignment)
    for e in (idle, logged_in, handed):
        e.refresh_from_db()
    risks = risks_for([idle, logged_in, handed], now=timezone.now())
    assert [r.code for r in risks[idle.pk].reasons] == ["inactive"]
    assert risks[logged_in.pk].reasons == ()
    assert risks[handed.pk].reasons == ()


def test_the_loader_uses_the_programs_inactivity_weeks(running: Cohort) -> None:
    (enrollment,) = people(running, 1)
    enrollment.enrolled_at = timezone.now() - dt.timedelta(weeks=4)
    enrollment.save(update_fields=["enrolled_at"])
    assert risks_for([enrollment], now=timezone.now())[enrollment.pk].at_risk
    running.program.inactivity_weeks = 6
    running.program.save(update_fields=["inactivity_weeks"])
    enrollment.refresh_from_db()
    assert not risks_for([enrollment], now=timezone.now())[enrollment.pk].at_risk


def test_the_loader_flags_a_failing_grade(running: Cohort, assignment: Any) -> None:
    (enrollment,) = people(running, 1)
    release_grade(enrollment, assignment, "1")
    reasons = risks_for([enrollment], now=timezone.now())[enrollment.pk].reasons
    assert [r.code for r in reasons] == ["failing_module"]


def test_the_loader_needs_a_constant_number_of_queries(
    running: Cohort, overdue: Any, django_assert_max_num_queries: Any
) -> None:
    for n in (2, 12):
        enrollments = people(running, n)
        with django_assert_max_num_queries(12):
            risks_for(enrollments, now=timezone.now())
        running.enrollments.all().delete()


# --- the stored judgement ------------------------------------------------------------------


def test_a_reason_survives_its_machine_form() -> None:
    reason = Reason("failing_module", "Statistics", (("percent", "40.0"), ("mark", "50")))
    assert Reason.from_json(reason.to_json()) == reason


def test_recomputing_progress_stores_the_judgement(running: Cohort, assignment: Any) -> None:
    (enrollment,) = people(running, 1)
    record = ProgressRecord.objects.get(enrollment=enrollment)
    assert record.risk_judged_at is not None and not record.at_risk
    release_grade(enrollment, assignment, "1")  # releasing recomputes progress
    record.refresh_from_db()
    assert record.at_risk
    assert [Reason.from_json(r).code for r in record.risk_reasons] == ["failing_module"]


def test_the_periodic_job_judges_what_time_changed(running: Cohort, overdue: Any) -> None:
    (enrollment,) = people(running, 1)
    ProgressRecord.objects.filter(enrollment=enrollment).update(at_risk=False, risk_reasons=[])
    judged = load_jobs()["judge-risk"].run()
    assert judged == 1
    record = ProgressRecord.objects.get(enrollment=enrollment)
    assert record.at_risk
    assert [r["code"] for r in record.risk_reasons] == ["missed_deadline"]


def test_the_periodic_job_leaves_cohorts_that_ended_before_yesterday(
    running: Cohort, overdue: Any
) -> None:
    (enrollment,) = people(running, 1)
    running.ends_on = timezone.localdate() - dt.timedelta(days=3)
    running.save(update_fields=["ends_on"])
    ProgressRecord.objects.filter(enrollment=enrollment).update(at_risk=False, risk_reasons=[])
    assert judge_running_cohorts(now=timezone.now()) == 0
    assert not ProgressRecord.objects.get(enrollment=enrollment).at_risk


def test_storing_the_judgement_needs_a_constant_number_of_queries(
    running: Cohort, overdue: Any
) -> None:
    counts = []
    for n in (2, 12):
        people(running, n)
        with CaptureQueriesContext(connection) as queries:
            judge_running_cohorts(now=timezone.now())
        counts.append(len(queries))
        running.enrollments.all().delete()
    assert counts[0] == counts[1]
