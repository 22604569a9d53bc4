"""The tandem API: one's tandems and a tandem's meetings, with the pages' access rules (notes
for the pair and the coordinators only) and the OpenAPI schema."""

import pytest

from courses.models import Enrollment, Tandem, TandemMeeting
from courses.tandems import services
from platform.models import User
from tests.courses.tandems.conftest import days_ago
from tests.helpers import api_client


def test_each_side_lists_its_tandem(tandem: Tandem, other_senior: Enrollment) -> None:
    for user in (tandem.senior.user, tandem.student):
        (row,) = api_client(user).get("/api/v1/tandems/").json()
        assert row["id"] == tandem.pk
        assert (row["meetings_logged"], row["meetings_required"], row["reflection"]) == (
            0,
            3,
            "none",
        )
    assert api_client(other_senior.user).get("/api/v1/tandems/").json() == []


def test_a_partner_logs_and_reads_meetings_with_notes(tandem: Tandem) -> None:
    client = api_client(tandem.student)
    url = f"/api/v1/tandems/{tandem.pk}/meetings/"
    created = client.post(
        url,
        {"met_on": days_ago(2).isoformat(), "minutes": 50, "topic": "Mensa", "note": "Secret"},
        format="json",
    )
    assert created.status_code == 201
    (meeting,) = api_client(tandem.senior.user).get(url).json()
    assert (meeting["note"], meeting["logged_by"]) == ("Secret", "Sofía García")
    assert (
        api_client(tandem.senior.user)
        .get(f"/api/v1/tandems/{tandem.pk}/")
        .json()["meetings_logged"]
        == 1
    )


@pytest.mark.parametrize("who", ["instructor", "other_participant", "outsider"])
def test_everyone_else_gets_a_404(tandem: Tandem, who: str, request: pytest.FixtureRequest) -> None:
    services.log_meeting(
        tandem=tandem, by=tandem.student, met_on=days_ago(1), minutes=30, topic="t", note="n"
    )
    if who == "other_participant":
        request.getfixturevalue("other_senior")
    client = api_client(request.getfixturevalue(who))
    assert client.get(f"/api/v1/tandems/{tandem.pk}/").status_code == 404
    assert client.get(f"/api/v1/tandems/{tandem.pk}/meetings/").status_code == 404
    response = client.post(
        f"/api/v1/tandems/{tandem.pk}/meetings/",
        {"met_on": days_ago(1).isoformat(), "minutes": 30, "topic": "t"},
        format="json",
    )
    assert response.status_code == 404


def test_a_coordinator_reads_the_notes_but_does_not_log(tandem: Tandem, coordinator: User) -> None:
    services.log_meeting(
        tandem=tandem, by=tandem.student, met_on=days_ago(1), minutes=30, topic="t", note="n"
    )
    client = api_client(coordinator)
    assert client.get(f"/api/v1/tandems/{tandem.pk}/meetings/").json()[0]["note"] == "n"
    response = client.post(
        f"/api/v1/tandems/{tandem.pk}/meetings/",
        {"met_on": days_ago(1).isoformat(), "minutes": 30, "topic": "t"},
        format="json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"met_on": "2020-13-01", "minutes": 30, "topic": "t"}, 400),
        ({"met_on": "2026-01-01", "minutes": 1, "topic": "t"}, 400),
        ({"met_on": "2026-01-01", "minutes": 30}, 400),
        ({"met_on": days_ago(-2).isoformat(), "minutes": 30, "topic": "t"}, 409),
    ],
)
def test_a_bad_meeting_is_refused_with_nothing_stored(
    tandem: Tandem, data: dict[str, object], status: int
) -> None:
    response = api_client(tandem.senior.user).post(
        f"/api/v1/tandems/{tandem.pk}/meetings/", data, format="json"
    )
    assert response.status_code == status
    assert not TandemMeeting.objects.exists()


def test_the_schema_names_the_tandem_endpoints(coordinator: User) -> None:
    schema = api_client(coordinator).get("/api/schema/?format=json").json()
    assert {"/api/v1/tandems/", "/api/v1/tandems/{id}/", "/api/v1/tandems/{id}/meetings/"} <= set(
        schema["paths"]
    )
