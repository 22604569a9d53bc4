"""Tandem state changes through their services: pairing, meetings, the reflection, requests,
and the progress they move (docs/tandems.md)."""

import pytest

from courses.models import Cohort, Enrollment, Module, PartnerRequest, ProgressRecord, Tandem
from courses.requirements import Status
from courses.tandems import services
from platform.models import Notification, OutgoingMail, User
from tests.courses.tandems.conftest import days_ago
from tests.helpers import pair_with_new_student

pytestmark = pytest.mark.django_db(transaction=False)


def standing(enrollment: Enrollment, module: Module) -> tuple[Status, str]:
    record = ProgressRecord.objects.get(enrollment=enrollment).as_result()
    found = record.module(module.pk)
    assert found is not None
    return found.status, found.reason


def test_pairing_tells_both_sides_in_the_app_and_by_mail(tandem: Tandem) -> None:
    texts = {n.user.username: n.text for n in Notification.objects.select_related("user")}
    assert texts["ada"] == "You have a tandem partner: Sofía García (Generations in tandem)"
    assert texts["sofia"].startswith("You have a tandem partner: Ada")
    assert set(
        OutgoingMail.objects.filter(topic__startswith="tandem notification").values_list(
            "to", flat=True
        )
    ) == {
        "ada@example.org",
        "sofia@example.org",
    }


def test_a_person_who_keeps_tandem_mails_off_gets_only_the_notification(
    cohort: Cohort, tandem_module: Module, senior: Enrollment, student: User, coordinator: User
) -> None:
    from platform.notifications.services import set_email_choices

    set_email_choices(user=senior.user, choices={"tandem": False})  # type: ignore[dict-item]
    services.pair(
        cohort=cohort, module=tandem_module, senior=senior, student=student, by=coordinator
    )
    assert list(
        OutgoingMail.objects.filter(topic__startswith="tandem notification").values_list(
            "to", flat=True
        )
    ) == ["sofia@example.org"]
    assert Notification.objects.filter(user=senior.user).count() == 1


def test_nobody_is_in_two_current_tandems_of_a_module(
    tandem: Tandem, other_senior: Enrollment, coordinator: User
) -> None:
    with pytest.raises(services.TandemRefused, match="already has a partner"):
        services.pair(
            cohort=tandem.cohort,
            module=tandem.module,
            senior=other_senior,
            student=tandem.student,
            by=coordinator,
        )


def test_only_coordinators_pair(
    cohort: Cohort, tandem_module: Module, senior: Enrollment, student: User, instructor: User
) -> None:
    with pytest.raises(services.TandemRefused):
        services.pair(
            cohort=cohort, module=tandem_module, senior=senior, student=student, by=instructor
        )
    assert not Tandem.objects.exists()


def test_meetings_and_an_accepted_reflection_meet_the_module(
    tandem: Tandem, instructor: User
) -> None:
    senior, student = tandem.senior.user, tandem.student
    assert standing(tandem.senior, tandem.module) == (Status.MISSING, "tandem_meetings")
    services.log_meeting(tandem=tandem, by=senior, met_on=days_ago(20), minutes=60, topic="Ruhr")
    # The same meeting logged by the other side counts once.
    services.log_meeting(tandem=tandem, by=student, met_on=days_ago(20), minutes=60, topic="Ruhr")
    services.log_meeting(tandem=tandem, by=student, met_on=days_ago(10), minutes=90, topic="Food")
    assert standing(tandem.senior, tandem.module) == (Status.MISSING, "tandem_meetings")
    services.log_meeting(tandem=tandem, by=senior, met_on=days_ago(3), minutes=45, topic="Music")
    assert standing(tandem.senior, tandem.module) == (Status.MISSING, "tandem_reflection_missing")
    services.submit_reflection(tandem=tandem, by=senior, text="We learnt a lot.")
    assert standing(tandem.senior, tandem.module) == (Status.PENDING, "tandem_reflection_review")
    services.grade_reflection(tandem=tandem, by=instructor, accepted=True)
    assert standing(tandem.senior, tandem.module) == (Status.MET, "tandem_met")
    assert ProgressRecord.objects.get(enrollment=tandem.senior).complete


def test_deleting_a_meeting_moves_progress_back(tandem: Tandem) -> None:
    senior = tandem.senior.user
    for n in (1, 2, 3):
        meeting = services.log_meeting(
            tandem=tandem, by=senior, met_on=days_ago(n), minutes=30, topic="x"
        )
    assert standing(tandem.senior, tandem.module)[1] == "tandem_reflection_missing"
    services.delete_meeting(meeting=meeting, by=senior)
    assert standing(tandem.senior, tandem.module)[1] == "tandem_meetings"


def test_only_who_logged_a_meeting_deletes_it(tandem: Tandem) -> None:
    meeting = services.log_meeting(
        tandem=tandem, by=tandem.student, met_on=days_ago(1), minutes=30, topic="x"
    )
    with pytest.raises(services.TandemRefused):
        services.delete_meeting(meeting=meeting, by=tandem.senior.user)


def test_a_meeting_in_the_future_is_refused(tandem: Tandem) -> None:
    with pytest.raises(services.TandemRefused, match="before it took place"):
        services.log_meeting(
            tandem=tandem, by=tandem.senior.user, met_on=days_ago(-1), minutes=30, topic="x"
        )


def test_not_yet_sends_the_reflection_back_for_revision(tandem: Tandem, coordinator: User) -> None:
    senior = tandem.senior.user
    services.save_reflection_draft(tandem=tandem, by=senior, text="First thoughts")
    services.submit_reflection(tandem=tandem, by=senior, text="First thoughts")
    with pytest.raises(services.TandemRefused, match="cannot be changed"):
        services.save_reflection_draft(tandem=tandem, by=senior, text="more")
    services.grade_reflection(tandem=tandem, by=coordinator, accepted=False, feedback="More!")
    assert Tandem.objects.get(pk=tandem.pk).reflection_state == "not_yet"
    services.submit_reflection(tandem=tandem, by=senior, text="Second, longer thoughts")
    tandem.refresh_from_db()
    assert tandem.reflection.state == "submitted"
    assert Notification.objects.filter(user=senior, message__contains="another look").exists()


def test_only_the_senior_writes_the_reflection(tandem: Tandem) -> None:
    with pytest.raises(services.TandemRefused):
        services.submit_reflection(tandem=tandem, by=tandem.student, text="mine")


def test_another_instructor_does_not_grade(tandem: Tandem, other_instructor: User) -> None:
    services.submit_reflection(tandem=tandem, by=tandem.senior.user, text="Done.")
    with pytest.raises(services.TandemRefused):
        services.grade_reflection(tandem=tandem, by=other_instructor, accepted=True)


def test_a_request_tells_the_coordinators_and_re_pairing_keeps_the_old_log(
    tandem: Tandem, coordinator: User, other_senior: Enrollment
) -> None:
    senior = tandem.senior.user
    services.log_meeting(tandem=tandem, by=senior, met_on=days_ago(5), minutes=30, topic="x")
    services.request_new_partner(tandem=tandem, by=senior, reason="We never find a time.")
    assert Notification.objects.filter(user=coordinator, message__contains="new tandem").exists()
    with pytest.raises(services.TandemRefused, match="already"):
        services.request_new_partner(tandem=tandem, by=senior, reason="Again")
    services.end_tandem(tandem=tandem, by=coordinator)
    assert not PartnerRequest.objects.open().exists()
    new = services.pair(
        cohort=tandem.cohort,
        module=tandem.module,
        senior=other_senior,
        student=tandem.student,
        by=coordinator,
    )
    assert new.meetings.count() == 0
    assert tandem.meetings.count() == 1
    with pytest.raises(services.TandemRefused, match="ended"):
        services.log_meeting(tandem=tandem, by=senior, met_on=days_ago(1), minutes=30, topic="x")


def test_meetings_with_an_earlier_partner_still_count(
    tandem: Tandem, coordinator: User, cohort: Cohort
) -> None:
    senior = tandem.senior.user
    services.log_meeting(tandem=tandem, by=senior, met_on=days_ago(9), minutes=30, topic="x")
    services.end_tandem(tandem=tandem, by=coordinator)
    new = pair_with_new_student(
        tandem.senior, tandem.module, email="wei@example.org", name="Wei", by=coordinator
    )
    services.log_meeting(tandem=new, by=senior, met_on=days_ago(2), minutes=30, topic="y")
    record = ProgressRecord.objects.get(enrollment=tandem.senior).as_result()
    assert record.requirements[0].params["meetings"] == "2"


def test_a_participant_of_the_cohort_is_no_student_guest(
    cohort: Cohort, senior: Enrollment, coordinator: User
) -> None:
    with pytest.raises(services.TandemRefused):
        services.invite_student(
            cohort=cohort,
            email=senior.user.email,
            full_name="",
            language="en",
            invited_by=coordinator,
        )


def test_the_invitation_link_works_once_for_the_invited_account(
    cohort: Cohort, coordinator: User, outsider: User
) -> None:
    invited = services.invite_student(
        cohort=cohort,
        email="new@example.org",
        full_name="Nu",
        language="de",
        invited_by=coordinator,
    )
    assert invited.created_account and not invited.student.user.has_usable_password()
    with pytest.raises(services.TandemRefused, match="another account"):
        services.join_as_student(token=invited.token, user=outsider)
    services.join_as_student(token=invited.token, user=invited.student.user, password="s3cret-Pw!")
    with pytest.raises(services.TandemRefused):
        services.join_as_student(token=invited.token, user=invited.student.user)
    invited.student.user.refresh_from_db()
    assert invited.student.user.check_password("s3cret-Pw!")


def test_the_profile_keeps_each_language_and_interest_once(participant: User) -> None:
    profile = services.save_profile(
        user=participant,
        languages=[("es", "good"), ("es", "native"), ("de", "native")],
        interests=["Hiking", " hiking ", "Opera"],
        availability=" Tuesdays ",
    )
    assert profile.languages == [["es", "good"], ["de", "native"]]
    assert profile.interests == ["hiking", "opera"]
    assert profile.availability == "Tuesdays"
