"""Late work end to end: cut-off, penalty at release, recomputation, extensions."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.late import LatePolicy
from courses.models import Extension, Grade
from courses.progress import next_deadlines
from submissions.exceptions import AssignmentClosed, ExtensionInvalid, ExtensionRevoked
from submissions.late.services import change_late_policy, grant_extension, revoke_extension
from submissions.models import GradeEvent, Submission
from tests.helpers import graded, keep_program_incomplete, release, submit

NOW = timezone.now()


@pytest.fixture
def late_assignment(assignment: Any) -> Any:
    keep_program_incomplete(assignment)  # no certificate, so no frozen grades
    assignment.due_at = NOW - dt.timedelta(days=1, hours=2)  # due 26 hours ago
    assignment.save(update_fields=["due_at"])
    assignment.settings.late_penalty_percent = Decimal(10)  # of 5 points: 0.5 per started day
    assignment.settings.save(update_fields=["late_penalty_percent"])
    return assignment


def test_a_late_attempt_is_released_with_raw_penalty_and_final_points(
    enrolled: Any, instructor: Any, late_assignment: Any, client_for: Any
) -> None:
    submission = graded(submit(enrolled, late_assignment))
    assert 26 * 3600 <= submission.late_seconds < 27 * 3600
    release(instructor, submission)
    grade = Grade.objects.get()
    assert (grade.raw_points, grade.penalty_points, grade.points) == (
        Decimal(5),
        Decimal(1),
        Decimal(4),
    )
    page = (
        client_for(enrolled)
        .get(reverse("submissions:detail", args=[submission.pk]))
        .content.decode()
    )
    assert "<strong>4 / 5</strong>" in page
    assert "5 points before a late penalty of 1 points." in page
    grader_page = (
        client_for(instructor)
        .get(reverse("submissions:grade", args=[submission.pk]))
        .content.decode()
    )
    assert "1 day 2 h late" in grader_page


def test_changing_the_policy_recomputes_released_grades_with_history(
    enrolled: Any, instructor: Any, late_assignment: Any
) -> None:
    release(instructor, graded(submit(enrolled, late_assignment)))
    change = change_late_policy(
        assignment=late_assignment,
        actor=instructor,
        policy=LatePolicy(grace_minutes=2 * 24 * 60, percent_per_unit=Decimal(10)),
        cutoff_at=None,
    )
    assert (change.recomputed, change.skipped_frozen) == (1, ())
    assert Grade.objects.get().points == Decimal(5)
    event = GradeEvent.objects.order_by("-pk").first()
    assert event is not None and (event.old_points, event.new_points, event.reason) == (
        Decimal(4),
        Decimal(5),
        "Late policy changed",
    )


def test_uploads_after_the_cut_off_are_refused_with_the_date(
    enrolled: Any, late_assignment: Any
) -> None:
    late_assignment.cutoff_at = NOW - dt.timedelta(hours=1)
    late_assignment.save(update_fields=["cutoff_at"])
    with pytest.raises(AssignmentClosed, match="cut-off for this assignment was"):
        submit(enrolled, late_assignment)
    assert not Submission.objects.exists()


def test_a_personal_extension_reopens_the_upload_and_removes_the_penalty(
    enrolled: Any, instructor: Any, late_assignment: Any
) -> None:
    submission = graded(submit(enrolled, late_assignment))
    release(instructor, submission)
    late_assignment.cutoff_at = NOW - dt.timedelta(hours=1)
    late_assignment.save(update_fields=["cutoff_at"])
    grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=3),
        reason="Illness, certificate seen",
        enrollment=enrolled.enrollments.get(),
    )
    submission.refresh_from_db()
    assert submission.late_seconds == 0
    assert Grade.objects.get().points == Decimal(5)
    submit(enrolled, late_assignment)  # the cut-off moved with the extension


def test_a_cohort_extension_applies_to_everyone_in_it_but_a_personal_one_wins(
    enrolled: Any, other_enrolled: Any, instructor: Any, late_assignment: Any, cohort: Any
) -> None:
    grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=1),
        reason="Server outage",
        cohort=cohort,
    )
    grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        due_at=NOW - dt.timedelta(days=5),
        reason="Asked to finish early",
        enrollment=enrolled.enrollments.get(),
    )
    assert late_assignment.deadline_for(other_enrolled.enrollments.get()).due_at > NOW
    assert late_assignment.deadline_for(enrolled.enrollments.get()).due_at < NOW
    grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=2),
        reason="Outage again",
        cohort=cohort,
    )
    enrollments = [enrolled.enrollments.get(), other_enrolled.enrollments.get()]
    # The bulk form agrees with the single one: own extension first, then the latest granted.
    assert late_assignment.deadlines_for(enrollments) == {
        e.pk: late_assignment.deadline_for(e) for e in enrollments
    }
    assert late_assignment.deadline_for(enrollments[1]).due_at > NOW + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": " "}, "needs a reason"),
        ({"reason": "x", "enrollment": None}, "one participant or for one cohort"),
    ],
)
def test_extensions_need_a_reason_and_one_target(
    enrolled: Any, instructor: Any, late_assignment: Any, kwargs: dict[str, Any], message: str
) -> None:
    arguments = {"enrollment": enrolled.enrollments.get(), "reason": "ok", **kwargs}
    with pytest.raises(ExtensionInvalid, match=message):
        grant_extension(assignment=late_assignment, granted_by=instructor, due_at=NOW, **arguments)


def test_recomputing_keeps_each_grade_on_the_attempt_it_rests_on(
    enrolled: Any, instructor: Any, late_assignment: Any, cohort: Any
) -> None:
    """Both attempts released and late; the grade rests on the second. An extension and a
    policy change recompute both reviews, and the grade stays the second attempt's."""
    first = graded(submit(enrolled, late_assignment), passed=(False, True))
    release(instructor, first)
    second = graded(submit(enrolled, late_assignment))
    release(instructor, second)
    grade = Grade.objects.get()
    assert (grade.submission_id, grade.points) == (second.pk, Decimal(4))
    grant = grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=1),
        reason="Server outage",
        cohort=cohort,
    )
    assert grant.recomputed == 2
    grade.refresh_from_db()
    assert (grade.submission_id, grade.points, grade.penalty_points) == (
        second.pk,
        Decimal(5),
        Decimal(0),
    )
    first.review.refresh_from_db()
    assert first.review.total_points == Decimal(3)  # recomputed, but not the grade
    change_late_policy(
        assignment=late_assignment,
        actor=instructor,
        policy=LatePolicy(percent_per_unit=Decimal(20)),
        cutoff_at=None,
    )
    grade.refresh_from_db()
    assert (grade.submission_id, grade.points) == (second.pk, Decimal(5))


# --- revoking an extension -----------------------------------------------------------------------


def test_revoking_keeps_a_record_and_brings_the_penalty_back(
    enrolled: Any, instructor: Any, late_assignment: Any
) -> None:
    submission = graded(submit(enrolled, late_assignment))
    release(instructor, submission)
    assert Grade.objects.get().points == Decimal(4)  # 26 hours late: two started days, 0.5 each
    extension = grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=3),
        reason="Illness",
        enrollment=enrolled.enrollments.get(),
    ).extension
    assert Grade.objects.get().points == Decimal(5)
    result = revoke_extension(extension=extension, actor=instructor)
    assert result.recomputed == 1
    kept = Extension.objects.get(pk=extension.pk)
    assert kept.revoked_by == instructor and kept.is_revoked
    assert kept.revoked_at is not None and kept.revoked_at >= kept.granted_at
    assert late_assignment.deadline_for(enrolled.enrollments.get()).due_at == (
        late_assignment.due_at
    )
    submission.refresh_from_db()
    assert submission.late_seconds > 0
    grade = Grade.objects.get()
    assert (grade.points, grade.penalty_points) == (Decimal(4), Decimal(1))
    event = GradeEvent.objects.get(reason__startswith="Extension revoked")
    assert (event.actor, event.new_points) == (instructor, Decimal(4))


def test_revoking_twice_is_refused_and_changes_nothing(
    enrolled: Any, instructor: Any, other_instructor: Any, late_assignment: Any
) -> None:
    extension = grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=3),
        reason="Illness",
        enrollment=enrolled.enrollments.get(),
    ).extension
    revoke_extension(extension=extension, actor=instructor)
    first = Extension.objects.get(pk=extension.pk)
    # Also from a stale copy that does not know it was revoked.
    stale = Extension.objects.get(pk=extension.pk)
    stale.revoked_at = stale.revoked_by = None
    with pytest.raises(ExtensionRevoked, match="already revoked by Ines Instructor on"):
        revoke_extension(extension=stale, actor=other_instructor)
    again = Extension.objects.get(pk=extension.pk)
    assert (again.revoked_at, again.revoked_by_id) == (first.revoked_at, instructor.pk)


def test_revoked_extensions_count_for_no_deadline(
    enrolled: Any,
    other_enrolled: Any,
    instructor: Any,
    late_assignment: Any,
    cohort: Any,
    django_assert_num_queries: Any,
) -> None:
    """Single and bulk deadlines, and the home page's next deadlines, fall back past a revoked
    extension: a personal one to the cohort's, a cohort's to an older one, else the
    assignment's. The bulk form stays one query."""
    ada, grace = enrolled.enrollments.get(), other_enrolled.enrollments.get()

    def grant(days: int, **target: Any) -> Extension:
        return grant_extension(
            assignment=late_assignment,
            granted_by=instructor,
            due_at=NOW + dt.timedelta(days=days),
            reason="x",
            **target,
        ).extension

    def due(enrollment: Any) -> Any:
        return late_assignment.deadline_for(enrollment).due_at

    def upcoming(enrollment: Any) -> list[Any]:
        found = next_deadlines([enrollment], now=NOW).get(enrollment.pk, ())
        return [d.due_at for d in found if d.assignment == late_assignment]

    older = grant(3, cohort=cohort)
    newer = grant(5, cohort=cohort)
    own = grant(7, enrollment=ada)
    assert (due(ada), due(grace)) == (own.due_at, newer.due_at)
    revoke_extension(extension=own, actor=instructor)
    revoke_extension(extension=newer, actor=instructor)
    assert (due(ada), due(grace)) == (older.due_at, older.due_at)
    with django_assert_num_queries(1):
        bulk = late_assignment.deadlines_for([ada, grace])
    assert bulk == {e.pk: late_assignment.deadline_for(e) for e in (ada, grace)}
    assert upcoming(ada) == [older.due_at]
    revoke_extension(extension=older, actor=instructor)
    assert (due(ada), due(grace)) == (late_assignment.due_at, late_assignment.due_at)
    assert late_assignment.deadlines_for([ada, grace])[ada.pk].due_at == late_assignment.due_at
    assert upcoming(ada) == []  # due 26 hours ago again: no longer ahead
