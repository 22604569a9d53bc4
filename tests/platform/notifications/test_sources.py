"""Each kind of notification is recorded where its thing happens, links to it, is worded in the
reader's language, and its e-mail goes out only to those who want it by e-mail."""

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from courses.certificates import services as certificate_services
from platform.models import Notification, NotificationKind
from platform.notifications.services import set_email_choices
from submissions.models import Review, Submission
from submissions.reviewing import comments, regrades, states
from tests.helpers import (
    graded,
    issue_certificate,
    keep_program_incomplete,
    release,
    review,
    submit,
)

D = Decimal


@pytest.fixture
def released(enrolled: Any, instructor: Any, assignment: Any) -> Submission:
    keep_program_incomplete(assignment)
    submission = graded(submit(enrolled, assignment))
    release(instructor, submission)
    return submission


def only(user: Any, kind: str) -> Notification:
    return Notification.objects.get(user=user, kind=kind)


def test_a_release_notifies_the_participant_with_a_link_to_the_submission(
    enrolled: Any, instructor: Any, assignment: Any, django_capture_on_commit_callbacks: Any
) -> None:
    keep_program_incomplete(assignment)
    submission = graded(submit(enrolled, assignment))
    with django_capture_on_commit_callbacks(execute=True):
        release(instructor, submission)
    notification = only(enrolled, NotificationKind.GRADE_RELEASED)
    assert notification.url == reverse("submissions:detail", args=[submission.pk])
    assert notification.text == f"Your grade for “{assignment.title}” has been released."
    with translation.override("de"):
        assert notification.text == f"Ihre Note für „{assignment.title}“ wurde freigegeben."
    enrolled.refresh_from_db()
    assert enrolled.unread_notifications == 1
    assert [m.to for m in mail.outbox] == [[enrolled.email]]


def test_a_participant_who_turned_release_mails_off_gets_only_the_bell(
    enrolled: Any, instructor: Any, assignment: Any, django_capture_on_commit_callbacks: Any
) -> None:
    set_email_choices(user=enrolled, choices={NotificationKind.GRADE_RELEASED: False})
    keep_program_incomplete(assignment)
    submission = graded(submit(enrolled, assignment))
    with django_capture_on_commit_callbacks(execute=True):
        release(instructor, submission)
    assert only(enrolled, NotificationKind.GRADE_RELEASED)
    assert mail.outbox == []


def test_a_comment_on_released_work_notifies_and_mails_only_those_who_chose_it(
    released: Submission, instructor: Any, enrolled: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comments.add_cell_comment(
            author=instructor, submission=released, cell=2, line=None, text="Nice."
        )
    notification = only(enrolled, NotificationKind.COMMENT)
    assert notification.url == reverse("submissions:detail", args=[released.pk])
    with translation.override("de"):
        assert "Neuer Kommentar zu Zelle 2" in notification.text
    assert mail.outbox == []  # comments are off by e-mail unless chosen
    set_email_choices(user=enrolled, choices={NotificationKind.COMMENT: True})
    with django_capture_on_commit_callbacks(execute=True):
        comments.add_cell_comment(
            author=instructor, submission=released, cell=2, line=None, text="Really nice."
        )
    assert [m.to for m in mail.outbox] == [[enrolled.email]]
    assert "Really nice." in mail.outbox[0].body


def test_a_comment_on_a_draft_notifies_nobody_until_the_release(
    enrolled: Any, instructor: Any, assignment: Any
) -> None:
    keep_program_incomplete(assignment)
    submission = graded(submit(enrolled, assignment))
    comments.add_cell_comment(author=instructor, submission=submission, cell=2, line=None, text="x")
    assert not Notification.objects.exists()
    release(instructor, submission)
    assert list(Notification.objects.values_list("kind", flat=True)) == ["grade_released"]


def test_a_decided_regrade_request_notifies_the_participant(
    released: Submission, instructor: Any, enrolled: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = regrades.request_regrade(
        participant=enrolled,
        submission=released,
        target="test",
        key="test_square_hidden",
        reason="Please look again.",
    )
    set_email_choices(user=enrolled, choices={NotificationKind.REGRADE_DECIDED: False})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        regrades.resolve_regrade(actor=instructor, request=request, accept=False, note="Checked.")
    notification = only(enrolled, NotificationKind.REGRADE_DECIDED)
    assert notification.url == reverse("submissions:detail", args=[released.pk])
    assert "was not accepted" in notification.text
    with translation.override("de"):
        assert "wurde nicht angenommen" in notification.text
    assert mail.outbox == []


def test_an_issued_certificate_notifies_the_holder_with_a_link_to_it(
    enrolled: Any, assignment: Any, coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        certificate = issue_certificate(enrolled, assignment)
    notification = only(enrolled, NotificationKind.CERTIFICATE)
    assert notification.url == reverse("courses:certificate", args=[certificate.code])
    assert certificate.program_title in notification.text
    with translation.override("de"):
        assert "wurde ausgestellt" in notification.text
    assert [m.to for m in mail.outbox] == [[enrolled.email]]
    set_email_choices(user=enrolled, choices={NotificationKind.CERTIFICATE: False})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        certificate_services.revoke_certificate(
            actor=coordinator, certificate=certificate, reason="Issued in error."
        )
    assert Notification.objects.filter(user=enrolled, kind="certificate").count() == 2
    assert mail.outbox == []


def test_a_rolled_back_change_leaves_no_notification(
    enrolled: Any, instructor: Any, assignment: Any
) -> None:
    keep_program_incomplete(assignment)
    submission = graded(submit(enrolled, assignment))
    with pytest.raises(RuntimeError), transaction.atomic():
        release(instructor, submission)
        raise RuntimeError
    assert not Notification.objects.exists()
    enrolled.refresh_from_db()
    assert enrolled.unread_notifications == 0


def test_release_to_n_notifies_each_participant_once_for_their_latest_attempt(
    enrolled: Any, other_enrolled: Any, instructor: Any, assignment: Any
) -> None:
    keep_program_incomplete(assignment)
    attempts = [
        graded(submit(enrolled, assignment)),
        graded(submit(enrolled, assignment)),
        graded(submit(other_enrolled, assignment)),
    ]
    for submission in attempts:
        review(instructor, submission)
        states.mark_ready(grader=instructor, submission=submission)
    result = states.release_ready_reviews(
        actor=instructor,
        assignment=assignment,
        review_ids=[r.pk for r in Review.objects.filter(submission__in=attempts)],
    )
    assert result.participants == 2
    assert sorted(
        Notification.objects.filter(kind="grade_released").values_list("user", "url")
    ) == sorted(
        [
            (enrolled.pk, reverse("submissions:detail", args=[attempts[1].pk])),
            (other_enrolled.pk, reverse("submissions:detail", args=[attempts[2].pk])),
        ]
    )
