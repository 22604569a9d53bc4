"""The sessions and attendance endpoints of the REST API: the same services and access rules
as the pages, in the OpenAPI schema."""

import datetime as dt
from typing import Any

from django.urls import reverse

from courses.models import Attendance, Cohort, Enrollment, Module, Session, SessionRegistration
from courses.sessions import services
from courses.sessions.services import SessionPlan
from platform.models import User
from tests.helpers import api_client

TOMORROW = dt.date.today() + dt.timedelta(days=1)
BODY = {
    "date": TOMORROW.isoformat(),
    "start": "09:00",
    "end": "12:00",
    "time_zone": "Europe/Berlin",
    "place": "Room 1",
}


def held(instructor: User, cohort: Cohort, module: Module) -> Session:
    plan = SessionPlan(
        module=module,
        date=dt.date.today() - dt.timedelta(days=1),
        start=dt.time(9),
        end=dt.time(10),
        time_zone="Europe/Berlin",
        place="Room 1",
    )
    return services.save_session(actor=instructor, cohort=cohort, plan=plan)


def test_an_instructor_plans_changes_and_cancels_a_session(
    instructor: User, cohort: Cohort, module: Module
) -> None:
    client = api_client(instructor)
    url = reverse("courses-api:cohort-sessions", args=[cohort.pk])
    created = client.post(url, {**BODY, "module": module.pk, "capacity": 2}, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["places_left"], data["cancelled"], data["held"]) == (2, False, False)
    pk = data["id"]
    changed = client.put(
        reverse("courses-api:session", args=[pk]),
        {**BODY, "module": module.pk, "start": "10:00", "online_url": "https://meet.example.org"},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["online_url"] == "https://meet.example.org"
    assert client.get(url).json()[0]["id"] == pk
    cancelled = client.post(reverse("courses-api:session-cancel", args=[pk]))
    assert cancelled.json()["cancelled"] is True
    again = client.post(reverse("courses-api:session-cancel", args=[pk]))
    assert again.status_code == 409


def test_bad_input_is_a_400_and_stores_nothing(
    instructor: User, cohort: Cohort, module: Module
) -> None:
    client = api_client(instructor)
    url = reverse("courses-api:cohort-sessions", args=[cohort.pk])
    for body in (
        {**BODY, "module": module.pk, "online_url": "http://meet.example.org", "place": ""},
        {**BODY, "module": 999999},
        {**BODY, "module": module.pk, "end": "08:00"},
    ):
        response = client.post(url, body, format="json")
        assert response.status_code in {400, 409}, response.content
    assert not Session.objects.exists()


def test_attendance_through_the_api(
    instructor: User, cohort: Cohort, module: Module, enrolled: User
) -> None:
    session = held(instructor, cohort, module)
    pk = Enrollment.objects.get(user=enrolled).pk
    url = reverse("courses-api:attendance", args=[session.pk])
    client = api_client(instructor)
    saved = client.put(url, {"marks": [{"enrollment": pk, "status": "present"}]}, format="json")
    assert saved.status_code == 200
    assert saved.json()[0]["status"] == "present"
    refused = client.put(
        url,
        {
            "marks": [
                {"enrollment": pk, "status": "absent"},
                {"enrollment": 999, "status": "absent"},
            ]
        },
        format="json",
    )
    assert refused.status_code == 409
    assert Attendance.objects.get().status == "present"


def test_another_cohorts_instructor_and_participants_get_a_404(
    instructor: User, other_instructor: User, cohort: Cohort, module: Module, enrolled: User
) -> None:
    session = held(instructor, cohort, module)
    pk = Enrollment.objects.get(user=enrolled).pk
    for user in (other_instructor, enrolled):
        client = api_client(user)
        body = {"marks": [{"enrollment": pk, "status": "present"}]}
        url = reverse("courses-api:attendance", args=[session.pk])
        assert client.put(url, body, format="json").status_code == 404
        assert client.get(reverse("courses-api:session", args=[session.pk])).status_code == 404
        sessions = reverse("courses-api:cohort-sessions", args=[cohort.pk])
        assert client.get(sessions).status_code == 404
    assert not Attendance.objects.exists()


def test_the_participant_lists_registers_and_sees_their_attendance(
    instructor: User, cohort: Cohort, module: Module, enrolled: User, other_enrolled: User
) -> None:
    plan = SessionPlan(
        module=module,
        date=TOMORROW,
        start=dt.time(9),
        end=dt.time(10),
        time_zone="Europe/Berlin",
        place="Room 1",
        capacity=1,
    )
    upcoming = services.save_session(actor=instructor, cohort=cohort, plan=plan)
    past = held(instructor, cohort, module)
    services.record_attendance(
        actor=instructor, session=past, marks={Enrollment.objects.get(user=enrolled).pk: "excused"}
    )
    client = api_client(enrolled)
    url = reverse("courses-api:registration", args=[upcoming.pk])
    assert client.post(url).status_code == 201
    full = api_client(other_enrolled).post(url)
    assert full.status_code == 409
    assert "full" in full.json()["detail"]
    rows = {r["id"]: r for r in client.get(reverse("courses-api:my-sessions")).json()}
    assert rows[upcoming.pk]["registered"] is True
    assert rows[past.pk]["attendance"] == "excused"
    assert client.delete(url).status_code == 204
    assert not SessionRegistration.objects.exists()


def test_the_endpoints_are_in_the_schema(client: Any) -> None:
    schema = client.get(reverse("api-schema")).content.decode()
    for path in (
        "/api/v1/cohorts/{id}/sessions/",
        "/api/v1/sessions/",
        "/api/v1/sessions/{id}/attendance/",
        "/api/v1/sessions/{id}/registration/",
    ):
        assert path in schema
