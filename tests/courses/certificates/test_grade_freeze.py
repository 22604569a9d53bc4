"""Grades freeze once a certificate relies on them; a coordinator unfreezes with a reason."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.certificates.services import refreeze_grades, reissue_certificate, unfreeze_grades
from courses.exceptions import CertificateActionRefused
from courses.exceptions import GradesFrozen as CourseGradesFrozen
from courses.late import LatePolicy
from courses.models import Grade, GradeFreeze
from courses.services import record_released_grade
from submissions.exceptions import GradesFrozen
from submissions.late.services import change_late_policy, grant_extension, stale_frozen_grades
from submissions.models import Submission
from submissions.reviewing.services import ensure_not_frozen, release_review, save_review
from tests.helpers import graded, release, submit

D = Decimal


@pytest.fixture
def certified(enrolled: Any, instructor: Any, assignment: Any) -> Submission:
    """A released attempt (3 + 2 of 5) that completes the program: a certificate is issued."""
    submission = graded(submit(enrolled, assignment))
    release(instructor, submission, manual="2")
    assert enrolled.certificates.get()
    return submission


def test_issuing_a_certificate_freezes_the_grades(certified: Submission) -> None:
    freeze = GradeFreeze.objects.get()
    assert freeze.is_active and freeze.certificate == certified.participant.certificates.get()
    assert certified.enrollment.grades_frozen


def test_every_change_is_refused_while_frozen(
    certified: Submission, instructor: Any, assignment: Any, enrolled: Any
) -> None:
    with pytest.raises(GradesFrozen, match="frozen"):
        save_review(
            grader=instructor,
            submission=certified,
            points={"explain": D(1)},
            comments={},
            feedback="",
        )
    with pytest.raises(GradesFrozen):
        grant_extension(
            assignment=assignment,
            granted_by=instructor,
            due_at=timezone.now() + dt.timedelta(days=2),
            reason="Illness",
            enrollment=enrolled.enrollments.get(),
        )
    with pytest.raises(CourseGradesFrozen):
        record_released_grade(
            enrollment=enrolled.enrollments.get(),
            assignment=assignment,
            points=D(1),
            max_points=assignment.max_points,
            submission_id=certified.pk,
        )
    # A new attempt cannot be released over the frozen grade either.
    second = graded(submit(enrolled, assignment), passed=(False, False))
    with pytest.raises(GradesFrozen):
        release_review(grader=instructor, submission=second)
    assert Grade.objects.get().points == D(5)


def test_one_exception_class_catches_every_frozen_refusal_from_either_app(
    certified: Submission, instructor: Any, enrolled: Any
) -> None:
    """The submissions app's refusal is courses' ``GradesFrozen`` too, and the extension
    services refuse through the same check as reviews (``submissions.reviewing.services.ensure_not_frozen``)."""
    assert issubclass(GradesFrozen, CourseGradesFrozen)
    with pytest.raises(CourseGradesFrozen, match="frozen"):
        save_review(grader=instructor, submission=certified, points={}, comments={}, feedback="")
    with pytest.raises(CourseGradesFrozen, match="frozen"):
        ensure_not_frozen(enrolled.enrollments.get())


def test_a_lifted_freeze_no_longer_counts(certified: Submission, coordinator: Any) -> None:
    enrollment = certified.enrollment
    assert list(GradeFreeze.objects.active()) == [GradeFreeze.objects.get()]
    unfreeze_grades(actor=coordinator, enrollment=enrollment, reason="Wrong points")
    assert not GradeFreeze.objects.active().exists() and GradeFreeze.objects.exists()
    ensure_not_frozen(enrollment)  # refuses nothing once lifted


def test_bulk_recomputations_skip_frozen_grades_and_report_them(
    certified: Submission, instructor: Any, assignment: Any, cohort: Any
) -> None:
    assignment.due_at = certified.submitted_at - dt.timedelta(hours=2)
    assignment.save(update_fields=["due_at"])
    Submission.objects.filter(pk=certified.pk).update(late_seconds=7200)
    assert stale_frozen_grades(assignment=assignment) == []  # no penalty yet
    change = change_late_policy(
        assignment=assignment,
        actor=instructor,
        policy=LatePolicy(percent_per_unit=D(50)),
        cutoff_at=None,
    )
    assert change.recomputed == 0
    [skipped] = change.skipped_frozen
    assert skipped.submission == certified
    assert (skipped.current_points, skipped.would_be_points) == (D(5), D("2.50"))
    assert stale_frozen_grades(assignment=assignment) == [skipped]
    grant = grant_extension(
        assignment=assignment,
        granted_by=instructor,
        due_at=timezone.now() + dt.timedelta(days=2),
        reason="Outage",
        cohort=cohort,
    )
    certified.refresh_from_db()
    assert certified.late_seconds == 7200  # left alone
    assert Grade.objects.get().points == D(5)
    # Under the extension the attempt is on time, so the points would stay; the lateness differs.
    [skipped] = grant.skipped_frozen
    assert (skipped.would_be_points, skipped.late_seconds) == (D(5), 0)


def test_a_coordinator_unfreezes_with_a_reason_and_freezes_again(
    certified: Submission, instructor: Any, coordinator: Any
) -> None:
    enrollment = certified.enrollment
    with pytest.raises(CertificateActionRefused, match="Only coordinators"):
        unfreeze_grades(actor=instructor, enrollment=enrollment, reason="typo")
    with pytest.raises(CertificateActionRefused, match="needs a reason"):
        unfreeze_grades(actor=coordinator, enrollment=enrollment, reason="  ")
    freeze = unfreeze_grades(actor=coordinator, enrollment=enrollment, reason="Wrong points")
    assert (freeze.lifted_by, freeze.lift_reason) == (coordinator, "Wrong points")
    assert not enrollment.grades_frozen
    with pytest.raises(CertificateActionRefused, match="not frozen"):
        unfreeze_grades(actor=coordinator, enrollment=enrollment, reason="again")
    save_review(
        grader=instructor, submission=certified, points={"explain": D(1)}, comments={}, feedback=""
    )
    assert Grade.objects.get().points == D(4)
    refreeze_grades(actor=coordinator, enrollment=enrollment)
    assert enrollment.grades_frozen and GradeFreeze.objects.count() == 2


def test_reissuing_moves_the_freeze_to_the_new_certificate(
    certified: Submission, coordinator: Any
) -> None:
    old = certified.participant.certificates.get()
    new = reissue_certificate(actor=coordinator, certificate=old)
    assert GradeFreeze.objects.get(lifted_at__isnull=True).certificate == new
    unfreeze_grades(actor=coordinator, enrollment=certified.enrollment, reason="fix")
    newer = reissue_certificate(actor=coordinator, certificate=new)
    assert GradeFreeze.objects.get(lifted_at__isnull=True).certificate == newer


def test_the_grading_screen_says_the_grades_are_frozen(
    client_for: Any, certified: Submission, instructor: Any, coordinator: Any
) -> None:
    page = client_for(instructor).get(reverse("submissions:grade", args=[certified.pk]))
    text = page.content.decode()
    assert 'id="grades-frozen"' in text and "grade-freeze" not in text
    response = client_for(instructor).post(
        reverse("submissions:grade", args=[certified.pk]),
        {"points__explain": "1", "feedback": ""},
    )
    assert response.status_code == 400 and "frozen" in response.content.decode()


def test_the_freeze_page_is_for_coordinators_only(
    client_for: Any, certified: Submission, instructor: Any, coordinator: Any, enrolled: Any
) -> None:
    url = reverse("courses:grade-freeze", args=[certified.enrollment_id])
    assert client_for(None).get(url).status_code == 302
    assert client_for(instructor).get(url).status_code == 404
    assert client_for(enrolled).get(url).status_code == 404
    assert client_for(instructor).post(url, {"reason": "x"}).status_code == 404
    assert client_for(coordinator).put(url).status_code == 405
    assert client_for(coordinator).get(url).status_code == 200
    missing = client_for(coordinator).post(url, {"action": "unfreeze", "reason": ""})
    assert missing.status_code == 400 and certified.enrollment.grades_frozen
    done = client_for(coordinator).post(url, {"action": "unfreeze", "reason": "Wrong points"})
    assert done.status_code == 302 and not certified.enrollment.grades_frozen
    page = client_for(coordinator).get(url).content.decode()
    assert "Wrong points" in page and 'id="freeze-form"' in page
    assert client_for(coordinator).post(url, {"action": "freeze"}).status_code == 302
    assert certified.enrollment.grades_frozen
