"""Stored progress: recomputed on every released or changed grade, on hand-in, on new rules;
rebuilt by a command; and the certificate follows the engine's answer."""

from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from courses.exceptions import PolicyInvalid
from courses.models import (
    Assignment,
    Certificate,
    Cohort,
    ElectiveGroup,
    Enrollment,
    GradeFreeze,
    GradingPolicy,
    Module,
    PolicyAssignment,
    PolicyCategory,
    PolicyModule,
    Program,
    ProgressRecord,
)
from courses.progress import compute_results, progress_for
from courses.services import (
    create_policy_draft,
    enroll,
    pin_cohort_policy,
    publish_policy,
)
from tests.helpers import (
    make_cohort,
    make_user,
    publish,
    release_grade,
    submit,
)

D = Decimal


def record_of(enrollment: Enrollment) -> ProgressRecord:
    return ProgressRecord.objects.get(enrollment=enrollment)


def categorised_policy(
    program: Program, exercises: Module, project: Module, coordinator: Any, *, minimum: str = "50"
) -> GradingPolicy:
    """Exercises 40 % (minimum ``minimum``), project 60 %, pass mark 60 %: published."""
    policy = GradingPolicy.objects.create(program=program, version=1, pass_mark=D(60))
    ex = PolicyCategory.objects.create(
        policy=policy, key="exercises", title="exercises", weight=D(40), minimum=D(minimum)
    )
    pr = PolicyCategory.objects.create(policy=policy, key="project", title="project", weight=D(60))
    PolicyModule.objects.create(policy=policy, module=exercises, pass_mark=D(0), category=ex)
    PolicyModule.objects.create(
        policy=policy, module=project, role="capstone", pass_mark=D(50), category=pr
    )
    publish_policy(actor=coordinator, policy=policy)
    return policy


@pytest.fixture
def project(module: Module) -> Assignment:
    capstone = Module.objects.create(
        program=module.program, title="Project", order=9, is_capstone=True
    )
    return publish(capstone, "project", "Project")


def test_enrolling_stores_progress_with_the_rules_used(enrolled: Any, assignment: Any) -> None:
    record = record_of(enrolled.enrollments.get())
    assert record.policy is None and record.policy_version == 0  # the modules' own rules
    assert record.complete is False and record.percent_complete == 0
    assert record.result["requirements"][0]["reason"] == "grades_missing"


def test_a_release_and_a_changed_grade_recompute_the_stored_progress(
    enrolled: Any, assignment: Any
) -> None:
    enrollment = enrolled.enrollments.get()
    release_grade(enrollment, assignment, "2")
    first = record_of(enrollment)
    assert first.weighted_grade == D("40.0") and first.complete is False
    assert first.result["requirements"][0]["reason"] == "below_pass_mark"
    release_grade(enrollment, assignment, "4.5")  # e.g. an amended review
    second = record_of(enrollment)
    assert second.weighted_grade == D("90.0") and second.complete is True
    assert second.computed_at >= first.computed_at
    assert Certificate.objects.get(user=enrolled).grade_percent == D("90.0")


def test_handing_in_work_turns_missing_into_pending_review(enrolled: Any, assignment: Any) -> None:
    enrollment = enrolled.enrollments.get()
    submit(enrolled, assignment)
    requirement = record_of(enrollment).result["requirements"][0]
    assert (requirement["status"], requirement["reason"]) == ("pending", "awaiting_review")


def test_publishing_a_new_assignment_makes_a_met_module_unfinished(
    enrolled: Any, assignment: Any, module: Module
) -> None:
    enrollment = enrolled.enrollments.get()
    release_grade(enrollment, assignment, "5")
    assert record_of(enrollment).complete
    publish(module, "more", "More squares")
    assert record_of(enrollment).complete is False


def test_the_certificate_follows_the_policy_with_categories_and_minimums(
    enrolled: Any, assignment: Any, project: Assignment, coordinator: Any, module: Module
) -> None:
    enrollment = enrolled.enrollments.get()
    policy = categorised_policy(module.program, module, project.module, coordinator)
    assert record_of(enrollment).policy == policy
    release_grade(enrollment, project, "5")  # project 100 %
    release_grade(enrollment, assignment, "2")  # exercises 40 % < minimum 50 %
    record = record_of(enrollment)
    # 0.4 x 40 + 0.6 x 100 = 76 % >= 60 %, but the exercises miss their minimum.
    assert record.weighted_grade == D("76.0") and record.policy_version == 1
    assert not record.complete
    assert not Certificate.objects.filter(user=enrolled).exists()
    release_grade(enrollment, assignment, "2.5")  # exercises 50 %: the minimum, inclusive
    assert record_of(enrollment).complete
    certificate = Certificate.objects.get(user=enrolled)
    assert certificate.grade_percent == D("80.0") and certificate.policy_version == 1


def test_an_assignment_rule_moves_one_assignment_into_another_category(
    enrolled: Any, assignment: Any, project: Assignment, coordinator: Any, module: Module
) -> None:
    v1 = categorised_policy(module.program, module, project.module, coordinator)
    draft = create_policy_draft(program=module.program, based_on=v1)
    PolicyAssignment.objects.create(
        policy=draft, assignment=assignment, category=draft.categories.get(key="project")
    )
    assert create_policy_draft(program=module.program, based_on=draft).assignment_rules.count() == 1
    publish_policy(actor=coordinator, policy=draft)
    enrollment = enrolled.enrollments.get()
    release_grade(enrollment, assignment, "5")
    release_grade(enrollment, project, "0")
    result = record_of(enrollment).as_result()
    exercises, projects = result.categories
    assert exercises.total == 0 and projects.total == 2
    assert projects.percent == D("50.0") and result.policy_version == 2


def test_a_pinned_cohort_keeps_its_version_when_a_new_one_is_published(
    enrolled: Any,
    other_enrolled: Any,
    assignment: Any,
    project: Assignment,
    coordinator: Any,
    module: Module,
    cohort: Cohort,
) -> None:
    v1 = categorised_policy(module.program, module, project.module, coordinator)
    later = make_cohort(
        module.program,
        name="2027/28",
        starts_on=cohort.starts_on.replace(year=2027),
        ends_on=cohort.ends_on.replace(year=2028),
    )
    newcomer = enroll(user=make_user("newcomer"), cohort=later)
    pin_cohort_policy(cohort=cohort, policy=v1)
    v2 = create_policy_draft(program=module.program, notes="Stricter exercises")
    assert v2.version == 2 and v2.categories.count() == 2 and v2.module_rules.count() == 2
    v2.categories.filter(key="exercises").update(minimum=D(70))
    publish_policy(actor=coordinator, policy=v2)
    assert record_of(enrolled.enrollments.get()).policy_version == 1
    assert record_of(newcomer).policy_version == 2
    with pytest.raises(PolicyInvalid):
        publish_policy(actor=coordinator, policy=v2)  # a published version never changes
    draft = create_policy_draft(program=module.program)
    with pytest.raises(PolicyInvalid):
        pin_cohort_policy(cohort=cohort, policy=draft)  # only published versions


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda p: p.categories.filter(key="project").update(weight=D(50)), "add up to 90 %"),
        (
            lambda p: ElectiveGroup.objects.create(
                policy=p, key="e", title="Electives", required=2
            ),
            "requires 2 of 0 modules",
        ),
        (lambda p: p.module_rules.update(role="elective"), "need an elective group"),
    ],
)
def test_a_policy_that_cannot_work_is_not_published(
    module: Module, project: Assignment, coordinator: Any, change: Any, problem: str
) -> None:
    v1 = categorised_policy(module.program, module, project.module, coordinator)
    draft = create_policy_draft(program=module.program, based_on=v1)
    assert draft.problems() == []
    change(draft)
    assert any(problem in text for text in draft.problems()), draft.problems()
    with pytest.raises(PolicyInvalid):
        publish_policy(actor=coordinator, policy=draft)
    draft.refresh_from_db()
    assert not draft.is_published


def test_only_coordinators_publish(module: Module, project: Assignment, instructor: Any) -> None:
    draft = create_policy_draft(program=module.program)
    with pytest.raises(PolicyInvalid):
        publish_policy(actor=instructor, policy=draft)


def test_rebuild_progress_recomputes_a_cohort_or_all(
    enrolled: Any, other_enrolled: Any, assignment: Any, other_cohort: Cohort
) -> None:
    outsider = enroll(user=make_user("outsider"), cohort=other_cohort)
    ProgressRecord.objects.all().delete()
    out = StringIO()
    call_command(
        "rebuild_progress", "--cohort", str(enrolled.enrollments.get().cohort_id), stdout=out
    )
    assert "2 enrollments" in out.getvalue()
    assert ProgressRecord.objects.count() == 2
    assert not ProgressRecord.objects.filter(enrollment=outsider).exists()
    call_command("rebuild_progress", "--all", stdout=StringIO())
    assert ProgressRecord.objects.count() == 3


def test_rebuild_progress_issues_certificates_the_rules_call_for(
    enrolled: Any, assignment: Any, module: Module
) -> None:
    enrollment = enrolled.enrollments.get()
    release_grade(enrollment, assignment, "3")  # 60 % < 70 % would fail; the pass mark is 50 now
    GradeFreeze.objects.all().delete()  # as if issuance had not happened yet
    Certificate.objects.all().delete()
    call_command("rebuild_progress", "--all", stdout=StringIO())
    assert Certificate.objects.filter(user=enrolled).exists()


def test_rebuild_progress_refuses_an_unknown_cohort(db: None) -> None:
    with pytest.raises(CommandError, match="No cohort with id 999"):
        call_command("rebuild_progress", "--cohort", "999", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("rebuild_progress", stdout=StringIO())


def test_progress_reads_the_stored_record_and_computes_only_what_is_missing(
    enrolled: Any, assignment: Any, django_assert_num_queries: Any
) -> None:
    enrollment = Enrollment.objects.select_related("cohort").get(user=enrolled)
    with django_assert_num_queries(1):
        [stored] = progress_for([enrollment])
    assert stored.computed_at is not None
    ProgressRecord.objects.all().delete()
    [live] = progress_for([enrollment])
    assert live.computed_at is None and live.result == compute_results([enrollment])[enrollment.pk]
    assert live.result == stored.result
