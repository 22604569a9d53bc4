"""The coordinators' applications API: list with filters, one application, decisions."""

from typing import Any

from django.core import mail
from django.urls import reverse

from courses.applications import services
from courses.models import Application
from platform.models import User
from tests.helpers import api_client


def test_coordinators_list_confirmed_applications_filtered(
    apply_for: Any, coordinator: User, open_cohort: Any
) -> None:
    ada = apply_for("Ada Applicant", organisation="Acme")
    apply_for("Hidden Person", confirm=False)
    bob = apply_for("Bob Builder")
    services.decide(
        application=bob, decision=services.Decision.REJECT, message="No", actor=coordinator
    )
    client = api_client(coordinator)
    rows = client.get(reverse("courses-api:applications")).json()
    assert [r["full_name"] for r in rows] == ["Ada Applicant", "Bob Builder"]
    assert rows[0]["privacy_notice_version"] == ada.privacy_notice.version
    assert rows[0]["organisation"] == "Acme"
    only = client.get(
        reverse("courses-api:applications"), {"cohort": open_cohort.pk, "status": "rejected"}
    ).json()
    assert [r["id"] for r in only] == [bob.pk]
    assert client.get(reverse("courses-api:applications"), {"status": "nope"}).status_code == 400


def test_participants_and_other_coordinators_see_nothing(
    apply_for: Any, participant: User, foreign_coordinator: User
) -> None:
    ada = apply_for("Ada Applicant")
    assert api_client(participant).get(reverse("courses-api:applications")).status_code == 403
    foreign = api_client(foreign_coordinator)
    assert foreign.get(reverse("courses-api:applications")).json() == []
    assert foreign.get(reverse("courses-api:application", args=[ada.pk])).status_code == 404
    response = foreign.post(
        reverse("courses-api:application-decide", args=[ada.pk]), {"decision": "admit"}
    )
    assert response.status_code == 404


def test_a_decision_through_the_api_sends_the_default_message_in_the_applicants_language(
    apply_for: Any, program_coordinator: User, django_capture_on_commit_callbacks: Any
) -> None:
    dora = apply_for("Dora Deutsch", language="de")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(program_coordinator).post(
            reverse("courses-api:application-decide", args=[dora.pk]),
            {"decision": "reject"},
            format="json",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "rejected"
    assert body["decided_by"] == program_coordinator.username
    assert "Leider" in body["decision_message"]
    assert "Leider" in mail.outbox[0].body


def test_admission_through_the_api_respects_capacity(
    apply_for: Any, coordinator: User, open_cohort: Any
) -> None:
    open_cohort.capacity = 1
    open_cohort.save(update_fields=["capacity"])
    first, second = apply_for("Ann One"), apply_for("Ben Two")
    client = api_client(coordinator)
    url = reverse("courses-api:application-decide", args=[first.pk])
    ok = client.post(url, {"decision": "admit", "message": "Welcome!"}, format="json")
    assert ok.status_code == 200 and ok.json()["enrollment"] is not None
    full = client.post(
        reverse("courses-api:application-decide", args=[second.pk]),
        {"decision": "admit"},
        format="json",
    )
    assert full.status_code == 409
    assert "wait list" in full.json()["detail"]
    assert Application.objects.get(pk=second.pk).status == "submitted"
    bad = client.post(
        reverse("courses-api:application-decide", args=[second.pk]),
        {"decision": "maybe"},
        format="json",
    )
    assert bad.status_code == 400


def test_the_api_is_in_the_schema(client: Any, db: None) -> None:
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/v1/applications/" in schema["paths"]
    assert "/api/v1/applications/{id}/decide/" in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/applications/{id}/decide/"]["post"]["responses"]
