"""Sessions, registration and attendance: the services, the pages (who may do what, nothing
saved on a refusal), progress moving with attendance, and the calendar feed."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from icalendar import Calendar

from courses.communication.calendar import feed_for
from courses.exceptions import SessionRefused
from courses.models import (
    Attendance,
    AttendanceChange,
    Cohort,
    Enrollment,
    GradingPolicy,
    Module,
    PolicyModule,
    ProgressRecord,
    Session,
    SessionRegistration,
)
from courses.progress import progress_for
from courses.services import enroll, publish_policy
from courses.sessions import services
from courses.sessions.services import SessionPlan
from platform.models import User
from tests.helpers import make_user

TODAY = dt.date.today()


def plan(
    module: Module, *, days: int = 7, capacity: int | None = None, **extra: Any
) -> SessionPlan:
    options: dict[str, Any] = {
        "date": TODAY + dt.timedelta(days=days),
        "start": dt.time(9, 0),
        "end": dt.time(12, 0),
        "time_zone": "Europe/Berlin",
        "place": "Lernfabrik, Halle 2",
        **extra,
    }
    return SessionPlan(module=module, capacity=capacity, **options)


def past_session(instructor: User, cohort: Cohort, module: Module, days_ago: int = 1) -> Session:
    return services.save_session(actor=instructor, cohort=cohort, plan=plan(module, days=-days_ago))


def require_attendance(program_module: Module, coordinator: User, rate: str = "80") -> None:
    """A published policy: the module (sessions only) needs ``rate`` % attendance."""
    policy = GradingPolicy.objects.create(program=program_module.program, version=1)
    PolicyModule.objects.create(policy=policy, module=program_module, attendance_rate=Decimal(rate))
    publish_policy(actor=coordinator, policy=policy)


def enrollment_of(user: User, cohort: Cohort) -> Enrollment:
    return Enrollment.objects.get(user=user, cohort=cohort)


# --- the services -----------------------------------------------------------------------------


def test_a_session_is_stored_in_its_time_zone(
    instructor: User, cohort: Cohort, module: Module
) -> None:
    session = services.save_session(
        actor=instructor,
        cohort=cohort,
        plan=plan(module, time_zone="America/New_York", online_url="https://meet.example.org/x"),
    )
    assert session.local_start.hour == 9
    assert session.starts_at.utcoffset() is not None
    assert session.local_start.tzname() in {"EST", "EDT"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"end": dt.time(8, 0)}, "The session must end after it starts."),
        ({"place": ""}, "Give a place or an online link."),
        ({"online_url": "http://meet.example.org/x"}, "Enter an https:// link."),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone."),
    ],
)
def test_a_bad_session_is_refused_and_nothing_is_stored(
    instructor: User, cohort: Cohort, module: Module, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(SessionRefused, match=message):
        services.save_session(actor=instructor, cohort=cohort, plan=plan(module, **extra))
    assert not Session.objects.exists()


def test_another_programs_module_or_cohort_is_refused(
    instructor: User, other_instructor: User, cohort: Cohort, other_cohort: Cohort, module: Module
) -> None:
    with pytest.raises(SessionRefused):
        services.save_session(actor=other_instructor, cohort=other_cohort, plan=plan(module))
    with pytest.raises(SessionRefused):
        services.save_session(actor=other_instructor, cohort=cohort, plan=plan(module))
    assert not Session.objects.exists()


def test_a_full_session_refuses_with_a_clear_message(
    instructor: User, cohort: Cohort, module: Module, enrolled: User, other_enrolled: User
) -> None:
    session = services.save_session(actor=instructor, cohort=cohort, plan=plan(module, capacity=1))
    services.register(enrollment=enrollment_of(enrolled, cohort), session=session)
    with pytest.raises(SessionRefused, match="This session is full"):
        services.register(enrollment=enrollment_of(other_enrolled, cohort), session=session)
    assert SessionRegistration.objects.count() == 1
    # Registering twice is harmless; a place given back frees it.
    services.register(enrollment=enrollment_of(enrolled, cohort), session=session)
    services.unregister(enrollment=enrollment_of(enrolled, cohort), session=session)
    services.register(enrollment=enrollment_of(other_enrolled, cohort), session=session)
    with pytest.raises(SessionRefused, match="cannot be lower"):
        services.save_session(
            actor=instructor, cohort=cohort, plan=plan(module, capacity=0), session=session
        )


def test_sessions_without_capacity_need_no_registration(
    instructor: User, cohort: Cohort, module: Module, enrolled: User
) -> None:
    session = services.save_session(actor=instructor, cohort=cohort, plan=plan(module))
    with pytest.raises(SessionRefused, match="needs no registration"):
        services.register(enrollment=enrollment_of(enrolled, cohort), session=session)


def test_attendance_is_audited_and_changeable(
    instructor: User, coordinator: User, cohort: Cohort, module: Module, enrolled: User
) -> None:
    session = past_session(instructor, cohort, module)
    pk = enrollment_of(enrolled, cohort).pk
    services.record_attendance(actor=instructor, session=session, marks={pk: "absent"})
    services.record_attendance(actor=coordinator, session=session, marks={pk: "excused"})
    services.record_attendance(actor=coordinator, session=session, marks={pk: "excused"})
    assert Attendance.objects.get().status == "excused"
    changes = list(AttendanceChange.objects.order_by("pk").values_list("old", "new", "by"))
    assert changes == [("", "absent", instructor.pk), ("absent", "excused", coordinator.pk)]
    session.refresh_from_db()
    assert session.attendance_taken_at is not None


def test_attendance_is_all_or_nothing(
    instructor: User,
    cohort: Cohort,
    other_cohort: Cohort,
    module: Module,
    enrolled: User,
    other_participant: User,
) -> None:
    session = past_session(instructor, cohort, module)
    stranger = enroll(user=other_participant, cohort=other_cohort)
    good = enrollment_of(enrolled, cohort).pk
    with pytest.raises(SessionRefused, match="not on this session's list"):
        services.record_attendance(
            actor=instructor, session=session, marks={good: "present", stranger.pk: "present"}
        )
    with pytest.raises(SessionRefused, match="present, excused or absent"):
        services.record_attendance(actor=instructor, session=session, marks={good: "late"})
    assert not Attendance.objects.exists()
    assert not AttendanceChange.objects.exists()


def test_attendance_waits_for_the_session_and_not_for_a_cancelled_one(
    instructor: User, cohort: Cohort, module: Module, enrolled: User
) -> None:
    pk = enrollment_of(enrolled, cohort).pk
    future = services.save_session(actor=instructor, cohort=cohort, plan=plan(module))
    with pytest.raises(SessionRefused, match="once the session has started"):
        services.record_attendance(actor=instructor, session=future, marks={pk: "present"})
    past = past_session(instructor, cohort, module)
    services.cancel_session(actor=instructor, session=past)
    with pytest.raises(SessionRefused, match="cancelled"):
        services.record_attendance(actor=instructor, session=past, marks={pk: "present"})
    assert not Attendance.objects.exists()


def test_progress_moves_when_attendance_is_saved(
    instructor: User, coordinator: User, cohort: Cohort, module: Module, enrolled: User
) -> None:
    require_attendance(module, coordinator)
    enrollment = enrollment_of(enrolled, cohort)
    first = past_session(instructor, cohort, module, days_ago=2)
    second = past_session(instructor, cohort, module, days_ago=1)

    def attendance_line() -> tuple[str, str]:
        [p] = progress_for([enrollment])
        [line] = [r for r in p.requirements if r.kind == "attendance"]
        return line.status.value, line.text

    assert attendance_line() == (
        "pending",
        "Foundations: no sessions held yet, 80 % attendance needed",
    )
    services.record_attendance(actor=instructor, session=first, marks={enrollment.pk: "present"})
    assert attendance_line() == ("met", "Foundations: attended 1 of 1 sessions, 80 % needed")
    services.record_attendance(actor=instructor, session=second, marks={enrollment.pk: "absent"})
    assert attendance_line() == ("missing", "Foundations: attended 1 of 2 sessions, 80 % needed")
    services.record_attendance(actor=instructor, session=second, marks={enrollment.pk: "excused"})
    assert attendance_line()[0] == "met"
    # Stored: only the weighted grade is still needed (attendance gives no grade).
    stored = ProgressRecord.objects.get(enrollment=enrollment).as_result()
    assert [r.kind for r in stored.still_needed] == ["grade"]


# --- the pages --------------------------------------------------------------------------------


def test_the_cohorts_instructor_plans_a_session_on_the_page(
    client_for: Any, instructor: User, cohort: Cohort, module: Module
) -> None:
    client = client_for(instructor)
    url = reverse("sessions:cohort", args=[cohort.pk])
    assert client.get(url).status_code == 200
    data = {
        "module": module.pk,
        "date": (TODAY + dt.timedelta(days=3)).isoformat(),
        "start": "14:00",
        "end": "16:00",
        "time_zone": "Europe/Berlin",
        "place": "",
        "online_url": "http://insecure.example.org",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "Enter an https:// link." in refused.content.decode()
    assert not Session.objects.exists()
    data["online_url"] = "https://meet.example.org/room"
    assert client.post(url, data).status_code == 302
    session = Session.objects.get()
    assert (session.local_start.hour, session.online_url) == (14, "https://meet.example.org/room")
    edit = reverse("sessions:edit", args=[session.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, {**data, "start": "15:00"}).status_code == 302
    session.refresh_from_db()
    assert session.local_start.hour == 15
    assert client.post(reverse("sessions:cancel", args=[session.pk])).status_code == 302
    session.refresh_from_db()
    assert session.is_cancelled


@pytest.mark.parametrize("name", ["sessions:edit", "sessions:attendance"])
def test_another_cohorts_instructor_and_participants_get_a_404(
    client_for: Any,
    instructor: User,
    other_instructor: User,
    cohort: Cohort,
    module: Module,
    enrolled: User,
    name: str,
) -> None:
    session = past_session(instructor, cohort, module)
    pk = enrollment_of(enrolled, cohort).pk
    for user in (other_instructor, enrolled):
        client = client_for(user)
        assert client.get(reverse(name, args=[session.pk])).status_code == 404
        posted = client.post(
            reverse("sessions:attendance", args=[session.pk]), {f"p{pk}": "present"}
        )
        assert posted.status_code == 404
        row = client.post(
            reverse("sessions:attendance-row", args=[session.pk]),
            {"enrollment": pk, f"p{pk}": "present"},
        )
        assert row.status_code == 404
        assert client.post(reverse("sessions:cancel", args=[session.pk])).status_code == 404
    assert (
        client_for(other_instructor).get(reverse("sessions:cohort", args=[cohort.pk])).status_code
        == 404
    )
    assert not Attendance.objects.exists()
    session.refresh_from_db()
    assert not session.is_cancelled


def test_anonymous_visitors_are_sent_to_log_in_and_wrong_methods_are_refused(
    client: Any, client_for: Any, instructor: User, cohort: Cohort, module: Module
) -> None:
    session = past_session(instructor, cohort, module)
    for url in (
        reverse("sessions:mine"),
        reverse("sessions:cohort", args=[cohort.pk]),
        reverse("sessions:attendance", args=[session.pk]),
    ):
        assert client.get(url).status_code == 302
    staff = client_for(instructor)
    assert staff.get(reverse("sessions:cancel", args=[session.pk])).status_code == 405
    assert staff.get(reverse("sessions:attendance-row", args=[session.pk])).status_code == 405
    assert staff.post(reverse("sessions:mine")).status_code == 405


def test_the_attendance_list_saves_with_one_submit_and_all_present(
    client_for: Any,
    instructor: User,
    cohort: Cohort,
    module: Module,
    enrolled: User,
    other_enrolled: User,
) -> None:
    session = past_session(instructor, cohort, module)
    client = client_for(instructor)
    url = reverse("sessions:attendance", args=[session.pk])
    page = client.get(url).content.decode()
    assert "Ada Lovelace" in page and "Grace Hopper" in page
    ada = enrollment_of(enrolled, cohort).pk
    grace = enrollment_of(other_enrolled, cohort).pk
    assert client.post(url, {f"p{ada}": "excused", "all_present": "1"}).status_code == 302
    assert dict(Attendance.objects.values_list("enrollment_id", "status")) == {
        ada: "excused",
        grace: "present",
    }
    assert "excused" in client.get(url).content.decode().lower()


def test_one_row_is_saved_by_htmx_and_answers_the_row(
    client_for: Any, instructor: User, cohort: Cohort, module: Module, enrolled: User
) -> None:
    session = past_session(instructor, cohort, module)
    pk = enrollment_of(enrolled, cohort).pk
    url = reverse("sessions:attendance-row", args=[session.pk])
    response = client_for(instructor).post(
        url, {"enrollment": pk, f"p{pk}": "absent"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="row-{pk}"' in body and "<html" not in body
    assert Attendance.objects.get().status == "absent"
    refused = client_for(instructor).post(
        url, {"enrollment": pk, f"p{pk}": "asleep"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 200
    assert "Choose present, excused or absent." in refused.content.decode()
    assert Attendance.objects.get().status == "absent"


def test_the_participant_registers_sees_full_sessions_and_their_attendance(
    client_for: Any,
    instructor: User,
    cohort: Cohort,
    module: Module,
    enrolled: User,
    other_enrolled: User,
) -> None:
    session = services.save_session(actor=instructor, cohort=cohort, plan=plan(module, capacity=1))
    client = client_for(enrolled)
    assert "1 place left" in client.get(reverse("sessions:mine")).content.decode()
    assert client.post(reverse("sessions:register", args=[session.pk])).status_code == 302
    assert SessionRegistration.objects.filter(enrollment__user=enrolled).exists()
    other = client_for(other_enrolled)
    assert "full" in other.get(reverse("sessions:mine")).content.decode()
    refused = other.post(reverse("sessions:register", args=[session.pk]), follow=True)
    assert "This session is full" in refused.content.decode()
    assert SessionRegistration.objects.count() == 1
    held = past_session(instructor, cohort, module)
    services.record_attendance(
        actor=instructor, session=held, marks={enrollment_of(enrolled, cohort).pk: "present"}
    )
    mine = client.get(reverse("sessions:mine")).content.decode()
    assert 'data-status="present"' in mine


def test_a_stranger_cannot_register(
    client_for: Any, instructor: User, cohort: Cohort, module: Module, other_participant: User
) -> None:
    session = services.save_session(actor=instructor, cohort=cohort, plan=plan(module, capacity=3))
    response = client_for(other_participant).post(reverse("sessions:register", args=[session.pk]))
    assert response.status_code == 404
    assert not SessionRegistration.objects.exists()


def test_the_home_page_lists_the_next_sessions(
    client_for: Any, instructor: User, cohort: Cohort, module: Module, enrolled: User
) -> None:
    services.save_session(actor=instructor, cohort=cohort, plan=plan(module, title="Kick-off"))
    page = client_for(enrolled).get(reverse("home")).content.decode()
    assert "Kick-off" in page
    program_page = client_for(enrolled).get(reverse("courses:program", args=[cohort.program.slug]))
    assert "Kick-off" in program_page.content.decode()


# --- the calendar feed ------------------------------------------------------------------------


def events(client: Any, user: User) -> dict[str, Any]:
    response = client.get(reverse("communication:feed", args=[feed_for(user).token]))
    return {
        str(e["UID"]).split("@")[0]: e for e in Calendar.from_ical(response.content).walk("VEVENT")
    }


def test_sessions_are_in_everyones_feed_and_a_cancelled_one_says_so(
    client: Any,
    instructor: User,
    coordinator: User,
    program_coordinator: User,
    cohort: Cohort,
    module: Module,
    enrolled: User,
    other_participant: User,
) -> None:
    session = services.save_session(
        actor=instructor, cohort=cohort, plan=plan(module, title="Lab day")
    )
    uid = f"session-{session.pk}"
    for user in (enrolled, instructor, program_coordinator):
        event = events(client, user)[uid]
        assert str(event["SUMMARY"]) == "Lab day"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event.decoded("DTSTART") == session.starts_at
        assert str(event["LOCATION"]) == "Lernfabrik, Halle 2"
    assert uid not in events(client, other_participant)
    services.save_session(
        actor=instructor, cohort=cohort, plan=plan(module, days=8), session=session
    )
    services.cancel_session(actor=instructor, session=session)
    event = events(client, enrolled)[uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("DTSTART") == session.starts_at + dt.timedelta(days=1)


def test_the_feed_holds_each_session_once(
    client: Any, instructor: User, cohort: Cohort, module: Module
) -> None:
    # The instructor also enrolled (e.g. sitting in): one event, not two.
    enroll(user=instructor, cohort=cohort)
    services.save_session(actor=instructor, cohort=cohort, plan=plan(module))
    calendar = Calendar.from_ical(
        client.get(reverse("communication:feed", args=[feed_for(instructor).token])).content
    )
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("session-")]
    assert len(uids) == len(set(uids)) == 1


def test_a_new_participant_gets_an_empty_list(client_for: Any, cohort: Cohort) -> None:
    user = make_user("newbie")
    enroll(user=user, cohort=cohort)
    page = client_for(user).get(reverse("sessions:mine")).content.decode()
    assert "No sessions coming up." in page and "No attendance recorded yet." in page


def test_the_attendance_list_and_its_save_need_a_constant_number_of_queries(
    client_for: Any, instructor: User, cohort: Cohort, module: Module, coordinator: User
) -> None:
    """The list of 3 and of 9 participants: the same queries to show and to save it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    require_attendance(module, coordinator)
    client = client_for(instructor)

    def measure(size: int) -> tuple[int, int]:
        for n in range(size - Enrollment.objects.filter(cohort=cohort).count()):
            enroll(user=make_user(f"p{size}-{n}"), cohort=cohort)
        session = past_session(instructor, cohort, module)
        url = reverse("sessions:attendance", args=[session.pk])
        with CaptureQueriesContext(connection) as shown:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as saved:
            assert client.post(url, {"all_present": "1"}).status_code == 302
        assert Attendance.objects.filter(session=session).count() == size
        return len(shown), len(saved)

    assert measure(3) == measure(9)
