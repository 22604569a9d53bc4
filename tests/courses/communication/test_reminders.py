"""Deadline reminders on a frozen clock: who gets one and when, extensions, hand-ins, at most
once (re-runs and two workers), and the e-mail of a granted extension."""

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from courses.communication.reminders import send_deadline_reminders, upcoming_reminders
from courses.models import Assignment, Cohort, DeadlineMail, Enrollment, Module, ReminderSetting
from courses.services import enroll, record_hand_in
from platform.models import OutgoingMail, User
from platform.schedule import run_due_jobs
from submissions.late.services import grant_extension, revoke_extension
from tests.helpers import make_user, publish

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    """``timezone.now`` stands still at ``NOW`` (or where the test moves it)."""

    def freeze(at: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: at)

    freeze(NOW)
    return freeze


@pytest.fixture
def due_soon(module: Module) -> Assignment:
    """Due in two and a half days: inside the default three-day window."""
    return publish(module, "soon", "Soon squares", due_at=NOW + dt.timedelta(days=2, hours=12))


def reminders() -> list[OutgoingMail]:
    return list(OutgoingMail.objects.filter(topic="deadline-reminder").order_by("to"))


def test_a_reminder_goes_to_those_who_have_not_handed_in(
    frozen: Any, due_soon: Assignment, enrolled: User, other_enrolled: User
) -> None:
    record_hand_in(enrollment=other_enrolled.enrollments.get(), assignment=due_soon)
    assert send_deadline_reminders() == 1
    [mail] = reminders()
    assert mail.to == enrolled.email
    assert mail.subject == "Reminder: Soon squares is due soon"
    assert "you have not handed anything in yet" in mail.body
    assert f"/assignments/{due_soon.pk}/" in mail.body


def test_no_reminder_outside_the_window_or_for_inactive_places(
    frozen: Any, module: Module, enrolled: User, other_enrolled: User
) -> None:
    publish(module, "later", "Later", due_at=NOW + dt.timedelta(days=3, minutes=1))
    publish(module, "past", "Past", due_at=NOW - dt.timedelta(minutes=1))
    publish(module, "undated", "Undated")
    other_enrolled.enrollments.update(status=Enrollment.Status.PAUSED)
    assert send_deadline_reminders() == 0


def test_the_window_follows_the_clock(
    frozen: Callable[[dt.datetime], None], module: Module, enrolled: User
) -> None:
    publish(module, "later", "Later", due_at=NOW + dt.timedelta(days=5))
    assert send_deadline_reminders() == 0
    frozen(NOW + dt.timedelta(days=2))
    assert send_deadline_reminders() == 1


def test_the_programs_setting_changes_the_window_and_zero_turns_it_off(
    frozen: Any, module: Module, enrolled: User
) -> None:
    publish(module, "later", "Later", due_at=NOW + dt.timedelta(days=6))
    setting = ReminderSetting.objects.create(program=module.program, days_before=7)
    assert send_deadline_reminders() == 1
    setting.days_before = 0
    setting.save(update_fields=["days_before"])
    publish(module, "soon", "Soon", due_at=NOW + dt.timedelta(days=1))
    assert send_deadline_reminders() == 0


def test_at_most_once_per_due_date(frozen: Any, due_soon: Assignment, enrolled: User) -> None:
    assert send_deadline_reminders() == 1
    assert send_deadline_reminders() == 0
    assert len(reminders()) == 1


def test_the_participants_own_extension_counts(
    frozen: Any, due_soon: Assignment, enrolled: User, other_enrolled: User, instructor: User
) -> None:
    grant_extension(
        assignment=due_soon,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=10),
        reason="illness",
        enrollment=enrolled.enrollments.get(),
    )
    assert send_deadline_reminders() == 1
    assert [m.to for m in reminders()] == [other_enrolled.email]
    # An extension into the window brings a reminder for the new date.
    module = due_soon.module
    far = publish(module, "far", "Far", due_at=NOW + dt.timedelta(days=20))
    grant_extension(
        assignment=far,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=1),
        reason="moved",
        enrollment=other_enrolled.enrollments.get(),
    )
    assert send_deadline_reminders() == 1
    assert DeadlineMail.objects.filter(
        kind="reminder", assignment=far, due_at=NOW + dt.timedelta(days=1)
    ).exists()


def test_a_new_due_date_is_reminded_again(
    frozen: Any, due_soon: Assignment, enrolled: User, instructor: User
) -> None:
    assert send_deadline_reminders() == 1
    extension = grant_extension(
        assignment=due_soon,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=2, hours=20),
        reason="strike",
        cohort=enrolled.enrollments.get().cohort,
    ).extension
    assert send_deadline_reminders() == 1
    revoke_extension(extension=extension, actor=instructor)
    assert send_deadline_reminders() == 0  # the first date was reminded already


def test_the_worker_runs_it_on_schedule(frozen: Any, due_soon: Assignment, enrolled: User) -> None:
    assert "deadline-reminders" in run_due_jobs()
    assert len(reminders()) == 1
    assert "deadline-reminders" not in run_due_jobs()  # not due again yet


def test_the_reminder_is_in_the_participants_language(
    frozen: Any, due_soon: Assignment, enrolled: User
) -> None:
    enrolled.preferred_language = "de"
    enrolled.save(update_fields=["preferred_language"])
    send_deadline_reminders()
    [mail] = reminders()
    assert mail.subject == "Erinnerung: Soon squares ist bald fällig"
    assert "Sie haben noch nichts abgegeben" in mail.body


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once(
    frozen: Any, module: Module, cohort: Cohort
) -> None:
    publish(module, "soon", "Soon squares", due_at=NOW + dt.timedelta(days=1))
    for n in range(8):
        enroll(user=make_user(f"p{n}"), cohort=cohort)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            send_deadline_reminders()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(reminders()) == 8
    assert DeadlineMail.objects.count() == 8


# --- the extension's e-mail -------------------------------------------------------------------


def test_a_granted_extension_is_mailed_to_the_participant(
    frozen: Any, due_soon: Assignment, enrolled: User, other_enrolled: User, instructor: User
) -> None:
    grant_extension(
        assignment=due_soon,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=9),
        reason="illness",
        enrollment=enrolled.enrollments.get(),
    )
    [mail] = OutgoingMail.objects.filter(topic="deadline-extension")
    assert mail.to == enrolled.email
    assert mail.subject == "More time for Soon squares"
    assert "it is now due on" in mail.body


def test_a_cohort_extension_is_mailed_to_whom_it_applies(
    frozen: Any, due_soon: Assignment, enrolled: User, other_enrolled: User, instructor: User,
    cohort: Cohort,
) -> None:  # fmt: skip
    grant_extension(
        assignment=due_soon,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=20),
        reason="own",
        enrollment=enrolled.enrollments.get(),
    )
    grant_extension(
        assignment=due_soon,
        granted_by=instructor,
        due_at=NOW + dt.timedelta(days=9),
        reason="strike",
        cohort=cohort,
    )
    mails = OutgoingMail.objects.filter(topic="deadline-extension")
    # Ada's own extension still applies to her: only Grace hears of the cohort's.
    assert sorted(m.to for m in mails) == [enrolled.email, other_enrolled.email]
    assert mails.filter(to=other_enrolled.email).count() == 1


def test_a_refused_extension_sends_nothing(
    frozen: Any, due_soon: Assignment, enrolled: User, instructor: User
) -> None:
    from submissions.exceptions import ExtensionInvalid

    with pytest.raises(ExtensionInvalid):
        grant_extension(
            assignment=due_soon,
            granted_by=instructor,
            due_at=NOW + dt.timedelta(days=9),
            reason=" ",
            enrollment=enrolled.enrollments.get(),
        )
    assert not OutgoingMail.objects.exists()


# --- what the coordinator sees coming ----------------------------------------------------------


def test_the_coordinator_sees_each_coming_reminder_and_what_was_sent(
    frozen: Any,
    due_soon: Assignment,
    module: Module,
    enrolled: User,
    other_enrolled: User,
    django_assert_num_queries: Any,
) -> None:
    publish(module, "far", "Far", due_at=NOW + dt.timedelta(days=20))
    publish(module, "week", "In a week", due_at=NOW + dt.timedelta(days=7))
    record_hand_in(enrollment=other_enrolled.enrollments.get(), assignment=due_soon)
    with django_assert_num_queries(2):  # the setting; the assignments with both counts
        coming = upcoming_reminders(module.program, now=timezone.now())
    assert [(r.assignment.title, r.not_handed_in, r.sent) for r in coming] == [
        ("Soon squares", 1, 0),
        ("In a week", 2, 0),
    ]
    assert coming[0].remind_from == due_soon.due_at - dt.timedelta(days=3)
    send_deadline_reminders()
    assert upcoming_reminders(module.program, now=timezone.now())[0].sent == 1
    ReminderSetting.objects.create(program=module.program, days_before=0)
    assert upcoming_reminders(module.program, now=timezone.now()) == []  # reminders are off
