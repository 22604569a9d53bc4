"""The certificate API: my certificates and requests, public verification (throttled, no
enumeration), and the coordinators' actions with the same access rules as the screens."""

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from courses.certificates.services import revoke_certificate
from courses.models import Certificate, CertificateRequest, Cohort, Program
from tests.helpers import api_client, issue_certificate, release_grade


@pytest.fixture
def certificate(enrolled: Any, assignment: Any) -> Certificate:
    return issue_certificate(enrolled, assignment)


# --- the participant's own --------------------------------------------------------------------


def test_my_certificates_carry_their_links_and_only_mine(
    certificate: Certificate, other_participant: Any, coordinator: Any
) -> None:
    [mine] = api_client(certificate.user).get(reverse("courses-api:certificates")).json()
    assert mine["code"] == certificate.code and mine["status"] == "issued"
    assert mine["verification_url"].endswith(f"/verify/{certificate.code}/")
    assert mine["pdf_url"].endswith(f"/certificates/{certificate.code}/certificate.pdf")
    assert mine["credential_url"].endswith(f"/certificates/{certificate.code}/credential.json")
    assert mine["grade_percent"] == "100.0" and mine["superseded_by"] is None
    assert api_client(other_participant).get(reverse("courses-api:certificates")).json() == []

    revoke_certificate(actor=coordinator, certificate=certificate, reason="x")
    [mine] = api_client(certificate.user).get(reverse("courses-api:certificates")).json()
    assert (mine["status"], mine["credential_url"]) == ("revoked", None)
    assert mine["revoked_at"]


def test_my_requests_show_that_a_certificate_awaits_approval(
    program: Program, enrolled: Any, assignment: Any, other_participant: Any
) -> None:
    program.requires_approval = True
    program.save(update_fields=["requires_approval"])
    release_grade(enrolled.enrollments.get(), assignment, "5")
    [pending] = api_client(enrolled).get(reverse("courses-api:certificate-requests")).json()
    assert pending["status"] == "pending" and pending["certificate"] is None
    assert pending["program_title"] == "Machine Learning in Data Science"
    assert api_client(enrolled).get(reverse("courses-api:certificates")).json() == []
    assert (
        api_client(other_participant).get(reverse("courses-api:certificate-requests")).json() == []
    )
    assert APIClient().get(reverse("courses-api:certificate-requests")).status_code == 401


# --- public verification -----------------------------------------------------------------------


def test_verification_is_public_and_shows_what_the_page_shows(
    certificate: Certificate, coordinator: Any
) -> None:
    revoke_certificate(actor=coordinator, certificate=certificate, reason="Secret reason")
    response = APIClient().get(reverse("courses-api:verify", args=[certificate.code]))
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["status"], body["valid"]) == (certificate.code, "revoked", False)
    assert body["holder_name"] == "Ada Lovelace" and body["revoked_at"]
    assert "grade_percent" not in body and "Secret reason" not in response.content.decode()
    # Typed without dashes and in lower case, as people do.
    short = certificate.code.replace("-", "").lower()
    assert APIClient().get(reverse("courses-api:verify", args=[short])).json()["code"] == (
        certificate.code
    )


def test_unknown_and_malformed_codes_are_the_same_404(certificate: Certificate) -> None:
    answers = [
        APIClient().get(reverse("courses-api:verify", args=[code]))
        for code in ("AAAA-BBBB-CCCC", "nonsense", "x" * 300, certificate.code[:-1] + "!")
    ]
    assert {a.status_code for a in answers} == {404}
    assert {a.content for a in answers} == {b'{"detail":"Unknown certificate code."}'}


def test_pending_requests_are_never_verifiable(
    program: Program, enrolled: Any, assignment: Any
) -> None:
    program.requires_approval = True
    program.save(update_fields=["requires_approval"])
    release_grade(enrolled.enrollments.get(), assignment, "5")
    assert CertificateRequest.objects.exists() and not Certificate.objects.exists()


def test_the_api_shares_the_verification_pages_rate_limit(
    certificate: Certificate, client: Any
) -> None:
    for _ in range(30):
        assert client.get(reverse("verify", args=["AAAA-BBBB-CCCC"])).status_code == 404
    response = APIClient().get(reverse("courses-api:verify", args=[certificate.code]))
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    # A token does not lift the limit either.
    assert (
        api_client(certificate.user)
        .get(reverse("courses-api:verify", args=[certificate.code]))
        .status_code
        == 429
    )


def test_guessing_codes_through_the_api_is_throttled(certificate: Certificate) -> None:
    guesses = [
        APIClient().get(reverse("courses-api:verify", args=[f"AAAA-BBBB-{n:04d}"])).status_code
        for n in range(40)
    ]
    assert guesses[:30] == [404] * 30 and set(guesses[30:]) == {429}


def test_verification_rejects_writes(certificate: Certificate) -> None:
    response = APIClient().post(reverse("courses-api:verify", args=[certificate.code]))
    assert response.status_code == 405


# --- coordinators' actions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "read", "act"),
    [
        ("participant", 404, 404),
        ("other_instructor", 404, 404),
        ("instructor", 200, 403),
        ("program_coordinator", 200, 200),
        ("coordinator", 200, 200),
    ],
)
def test_the_coordinator_endpoints_follow_the_screens_access_rules(
    certificate: Certificate,
    cohort: Cohort,
    other_cohort: Cohort,
    request: Any,
    who: str,
    read: int,
    act: int,
) -> None:
    user = certificate.user if who == "participant" else request.getfixturevalue(who)
    client = api_client(user)
    listing = client.get(reverse("courses-api:cohort-certificates", args=[cohort.pk]))
    assert listing.status_code == read
    revoke = reverse("courses-api:certificate-revoke", args=[cohort.pk, certificate.pk])
    response = client.post(revoke, {"reason": "Fraud"}, format="json")
    assert response.status_code == act
    certificate.refresh_from_db()
    assert certificate.status == ("revoked" if act == 200 else "issued")
    if act == 200:
        body = response.json()
        assert (body["status"], body["revoked_reason"], body["revoked_by"]) == (
            "revoked",
            "Fraud",
            user.username,
        )


def test_anonymous_callers_get_401(certificate: Certificate, cohort: Cohort) -> None:
    client = APIClient()
    assert (
        client.get(reverse("courses-api:cohort-certificates", args=[cohort.pk])).status_code == 401
    )
    url = reverse("courses-api:certificate-revoke", args=[cohort.pk, certificate.pk])
    assert client.post(url, {"reason": "x"}, format="json").status_code == 401


def test_the_register_endpoint_lists_filters_and_refuses_bad_filters(
    certificate: Certificate, cohort: Cohort, coordinator: Any
) -> None:
    client = api_client(coordinator)
    url = reverse("courses-api:cohort-certificates", args=[cohort.pk])
    body = client.get(url).json()
    assert body["can_manage"] is True and body["requires_approval"] is False
    [listed] = body["certificates"]
    assert listed["code"] == certificate.code and listed["username"] == "ada"
    assert listed["verification_url"].endswith(f"/verify/{certificate.code}/")
    assert body["awaiting_approval"] == [] and body["ready_to_issue"] == []
    assert client.get(url, {"status": "revoked"}).json()["certificates"] == []
    bad = client.get(url, {"status": "everything"})
    assert bad.status_code == 400 and "status" in bad.json()
    assert client.get(reverse("courses-api:cohort-certificates", args=[999999])).status_code == 404


def test_revoke_needs_a_reason_and_a_valid_certificate(
    certificate: Certificate, cohort: Cohort, coordinator: Any
) -> None:
    client = api_client(coordinator)
    url = reverse("courses-api:certificate-revoke", args=[cohort.pk, certificate.pk])
    assert client.post(url, {"reason": "   "}, format="json").status_code == 400
    assert client.post(url, {}, format="json").status_code == 400
    assert client.post(url, {"reason": "Fraud"}, format="json").status_code == 200
    again = client.post(url, {"reason": "Fraud"}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "Only a valid certificate can be revoked."}
    missing = reverse("courses-api:certificate-revoke", args=[cohort.pk, 999999])
    assert client.post(missing, {"reason": "x"}, format="json").status_code == 404


def test_reissue_with_a_corrected_name(
    certificate: Certificate, cohort: Cohort, coordinator: Any
) -> None:
    client = api_client(coordinator)
    url = reverse("courses-api:certificate-reissue", args=[cohort.pk, certificate.pk])
    response = client.post(url, {"holder_name": "Augusta Ada King"}, format="json")
    assert response.status_code == 201
    new = response.json()
    assert (new["holder_name"], new["status"], new["issued_by"]) == (
        "Augusta Ada King",
        "issued",
        "cora",
    )
    certificate.refresh_from_db()
    assert certificate.status == "superseded" and certificate.superseded_by.code == new["code"]
    assert client.post(url, {}, format="json").status_code == 409


def test_approve_and_issue_through_the_api(
    program: Program,
    enrolled: Any,
    assignment: Any,
    cohort: Cohort,
    coordinator: Any,
    instructor: Any,
) -> None:
    program.requires_approval = True
    program.save(update_fields=["requires_approval"])
    release_grade(enrolled.enrollments.get(), assignment, "5")
    client = api_client(coordinator)
    body = client.get(reverse("courses-api:cohort-certificates", args=[cohort.pk])).json()
    [pending] = body["awaiting_approval"]
    assert pending["username"] == "ada" and pending["grade_percent"] == "100.0"
    url = reverse("courses-api:certificate-approve", args=[cohort.pk, pending["id"]])
    assert api_client(instructor).post(url).status_code == 403
    response = client.post(url)
    assert response.status_code == 201
    issued = response.json()
    assert (issued["approved_by"], issued["issued_by"], issued["status"]) == (
        "cora",
        "cora",
        "issued",
    )
    assert issued["approved_at"]
    assert client.post(url).json() == {"detail": "This request has already been decided."}

    # Issue: refused while a valid certificate exists, possible again after a revocation.
    issue = reverse("courses-api:certificate-issue", args=[cohort.pk, pending["enrollment"]])
    assert client.post(issue).status_code == 409
    revoke_certificate(
        actor=coordinator, certificate=Certificate.objects.get(code=issued["code"]), reason="x"
    )
    ready = client.get(reverse("courses-api:cohort-certificates", args=[cohort.pk])).json()
    assert [r["username"] for r in ready["ready_to_issue"]] == ["ada"]
    created = client.post(issue)
    assert created.status_code == 201 and created.json()["code"] != issued["code"]


def test_the_schema_names_the_certificate_endpoints(client: Any) -> None:
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/certificates/",
        "/api/v1/certificate-requests/",
        "/api/v1/verify/{code}/",
        "/api/v1/cohorts/{id}/certificates/",
        "/api/v1/cohorts/{id}/enrollments/{enrollment_pk}/certificate/",
        "/api/v1/cohorts/{id}/certificate-requests/{request_pk}/approve/",
        "/api/v1/cohorts/{id}/certificates/{certificate_pk}/revoke/",
        "/api/v1/cohorts/{id}/certificates/{certificate_pk}/reissue/",
    ):
        assert path in paths, path
    # Public: no token required.
    assert paths["/api/v1/verify/{code}/"]["get"].get("security") in (None, [], [{}])
    revoke = paths["/api/v1/cohorts/{id}/certificates/{certificate_pk}/revoke/"]["post"]
    ref = revoke["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert component["required"] == ["reason"]
