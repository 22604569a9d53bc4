"""The enrolment API: a cohort's enrolments (coordinators all, a participant their own), state
and fee changes, invitations listed, created, re-sent and revoked; 404 for everyone else."""

from typing import Any

import pytest
from django.urls import reverse

from courses.enrolment import services
from courses.models import Cohort, Enrollment, Invitation
from platform.models import User
from tests.helpers import api_client


def enrollments_url(cohort: Cohort) -> str:
    return reverse("courses-api:enrollments", args=[cohort.pk])


def test_coordinators_list_every_enrolment_with_state_fee_and_invitation(
    cohort: Cohort,
    enrolled: User,
    program_coordinator: User,
    django_assert_max_num_queries: Any,
) -> None:
    services.invite(cohort=cohort, email="nora@example.org", full_name="Nora", language="de")
    client = api_client(program_coordinator)
    with django_assert_max_num_queries(8):
        rows = client.get(enrollments_url(cohort)).json()
    by_email = {row["email"]: row for row in rows}
    assert by_email["ada@example.org"]["status"] == "active"
    assert by_email["ada@example.org"]["invitation"] is None
    nora = by_email["nora@example.org"]
    assert (nora["status"], nora["fee_status"], nora["language"]) == ("invited", "waived", "de")
    assert nora["invitation"]["state"] == "open"
    invited_only = client.get(enrollments_url(cohort), {"status": "invited"}).json()
    assert [row["email"] for row in invited_only] == ["nora@example.org"]
    assert client.get(enrollments_url(cohort), {"status": "nonsense"}).status_code == 400


def test_a_participant_sees_only_their_own(
    cohort: Cohort, enrolled: User, other_enrolled: User
) -> None:
    Enrollment.objects.filter(user=enrolled).update(status="paused")
    rows = api_client(enrolled).get(enrollments_url(cohort)).json()
    assert [(row["username"], row["status"]) for row in rows] == [("ada", "paused")]


@pytest.mark.parametrize("who", ["instructor", "foreign", "outsider"])
def test_everyone_else_gets_404(
    who: str, cohort: Cohort, enrolled: User, instructor: User, foreign_coordinator: User
) -> None:
    user = {"instructor": instructor, "foreign": foreign_coordinator}.get(
        who
    ) or User.objects.create_user("out")
    client = api_client(user)
    enrollment = enrolled.enrollments.get()
    assert client.get(enrollments_url(cohort)).status_code == 404
    assert client.get(reverse("courses-api:invitations", args=[cohort.pk])).status_code == 404
    assert (
        client.post(
            reverse("courses-api:invitations", args=[cohort.pk]), {"email": "x@example.org"}
        ).status_code
        == 404
    )
    for name in ("enrollment-status", "enrollment-fee", "invitation-resend", "invitation-revoke"):
        response = client.post(
            reverse(f"courses-api:{name}", args=[cohort.pk, enrollment.pk]),
            {"status": "paused", "fee_status": "paid"},
        )
        assert response.status_code == 404, name
    assert Enrollment.objects.get(pk=enrollment.pk).status == "active"


def test_a_participant_cannot_change_their_own_state(cohort: Cohort, enrolled: User) -> None:
    enrollment = enrolled.enrollments.get()
    response = api_client(enrolled).post(
        reverse("courses-api:enrollment-status", args=[cohort.pk, enrollment.pk]),
        {"status": "completed"},
    )
    assert response.status_code == 404


def test_state_and_fee_changes(cohort: Cohort, enrolled: User, coordinator: User) -> None:
    client = api_client(coordinator)
    enrollment = enrolled.enrollments.get()
    url = reverse("courses-api:enrollment-status", args=[cohort.pk, enrollment.pk])
    paused = client.post(url, {"status": "paused"}, format="json")
    assert paused.status_code == 200
    assert (paused.json()["status"], paused.json()["status_changed_by"]) == ("paused", "cora")
    no_reason = client.post(url, {"status": "withdrawn"}, format="json")
    assert no_reason.status_code == 409
    assert "reason" in no_reason.json()["detail"]
    assert client.post(url, {"status": "invited"}, format="json").status_code == 400
    withdrawn = client.post(url, {"status": "withdrawn", "reason": "Left"}, format="json")
    assert withdrawn.json()["status_reason"] == "Left"
    fee = client.post(
        reverse("courses-api:enrollment-fee", args=[cohort.pk, enrollment.pk]),
        {"fee_status": "paid"},
        format="json",
    )
    assert fee.json()["fee_status"] == "paid"


def test_invitations_are_created_listed_resent_and_revoked(
    cohort: Cohort, enrolled: User, coordinator: User
) -> None:
    client = api_client(coordinator)
    url = reverse("courses-api:invitations", args=[cohort.pk])
    created = client.post(url, {"email": "nora@example.org", "name": "Nora"}, format="json")
    assert created.status_code == 201
    assert created.json()["status"] == "invited"
    enrollment_pk = created.json()["id"]
    assert client.post(url, {"email": enrolled.email}, format="json").status_code == 409
    assert client.post(url, {"email": "not an address"}, format="json").status_code == 400
    resent = client.post(reverse("courses-api:invitation-resend", args=[cohort.pk, enrollment_pk]))
    assert resent.status_code == 201 and resent.json()["state"] == "open"
    listed = client.get(url).json()
    assert [row["state"] for row in listed] == ["open", "revoked"]
    revoked = client.post(reverse("courses-api:invitation-revoke", args=[cohort.pk, enrollment_pk]))
    assert revoked.json()["invitation"]["state"] == "revoked"
    assert not Invitation.objects.usable().exists()
    again = client.post(reverse("courses-api:invitation-revoke", args=[cohort.pk, enrollment_pk]))
    assert again.status_code == 409


def test_the_schema_names_the_enrolment_endpoints(client: Any) -> None:
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/cohorts/{id}/enrollments/",
        "/api/v1/cohorts/{id}/enrollments/{enrollment_pk}/status/",
        "/api/v1/cohorts/{id}/invitations/",
        "/api/v1/cohorts/{id}/enrollments/{enrollment_pk}/invitation/resend/",
    ):
        assert path in schema
