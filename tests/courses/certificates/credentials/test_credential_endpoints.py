"""The credential's endpoints (``courses.certificates.views``): the holder's download, the
status document and the verification endpoint, with their access rules and throttling."""

import copy
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.certificates.credentials import build
from courses.certificates.credentials.verify import verify_credential
from courses.models import Certificate
from tests.courses.certificates.credentials.issuer_setup import SITE


def test_the_holder_downloads_the_credential(
    certificate: Certificate, client_for: Any, enrolled: Any
) -> None:
    url = reverse("certificates:credential", args=[certificate.code])
    response = client_for(enrolled).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="certificate-{certificate.code}.credential.json"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert verify_credential(response.content).valid
    # Codes may be typed in lower case.
    assert (
        client_for(enrolled)
        .get(reverse("certificates:credential", args=[certificate.code.lower()]))
        .status_code
        == 200
    )


def test_the_credential_download_access_rules(
    certificate: Certificate, client_for: Any, enrolled: Any, other_participant: Any
) -> None:
    url = reverse("certificates:credential", args=[certificate.code])
    assert client_for(other_participant).get(url).status_code == 404
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(enrolled).post(url).status_code == 405
    assert (
        client_for(enrolled)
        .get(reverse("certificates:credential", args=["AAAA-BBBB-CCCC"]))
        .status_code
        == 404
    )


def test_no_fresh_credential_for_a_revoked_certificate(
    certificate: Certificate, client_for: Any, enrolled: Any
) -> None:
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.save()
    response = client_for(enrolled).get(reverse("certificates:credential", args=[certificate.code]))
    assert response.status_code == 410


def test_the_status_endpoint(certificate: Certificate) -> None:
    client = Client()
    url = reverse("certificates:status", args=[certificate.code])
    document = json.loads(client.get(url).content)
    assert document["status"] == "issued" and document["valid"] is True
    assert "Ada" not in json.dumps(document)  # nothing personal
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = dt.datetime(2027, 3, 4, 10, 0, tzinfo=dt.UTC)
    certificate.save()
    document = json.loads(client.get(url).content)
    assert document == {
        "id": f"{SITE}{url}",
        "type": "CertificateVerificationStatus",
        "credential": f"{SITE}/verify/{certificate.code}/",
        "code": certificate.code,
        "status": "revoked",
        "valid": False,
        "revokedOn": "2027-03-04",
        "supersededBy": None,
    }
    assert client.post(url).status_code == 405
    assert client.get(reverse("certificates:status", args=["AAAA-BBBB-CCCC"])).status_code == 404


@pytest.mark.django_db
def test_the_status_endpoint_is_throttled() -> None:
    client = Client()
    url = reverse("certificates:status", args=["AAAA-BBBB-CCCC"])
    statuses = [client.get(url).status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


def test_the_verification_endpoint(credential: dict[str, Any], certificate: Certificate) -> None:
    client = Client(enforce_csrf_checks=True)  # a public API: no CSRF token needed
    url = reverse("certificates:verify")
    body = build.credential_bytes(credential)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    verdict = json.loads(response.content)
    assert verdict["valid"] is True and verdict["code"] == certificate.code
    # As a file upload from a form.
    upload = client.post(url, {"credential": io.BytesIO(body)})
    assert json.loads(upload.content)["valid"] is True
    # Tampered.
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["result"][0]["value"] = "99.9"
    verdict = json.loads(
        client.post(url, json.dumps(tampered), content_type="application/json").content
    )
    assert verdict["valid"] is False and verdict["code"] is None
    assert "changed after it was signed" in verdict["reason"]
    # Revoked.
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = dt.datetime(2027, 3, 4, 10, 0, tzinfo=dt.UTC)
    certificate.save()
    verdict = json.loads(client.post(url, body, content_type="application/json").content)
    assert verdict["valid"] is False and verdict["status"] == "revoked"
    assert (
        verdict["reason"] == "The certificate was revoked on 2027-03-04."
        and verdict["revokedOn"] == "2027-03-04"
    )


@pytest.mark.django_db
def test_the_verification_endpoint_access_rules() -> None:
    client = Client()
    url = reverse("certificates:verify")
    assert client.get(url).status_code == 405
    assert client.post(url, b"", content_type="application/json").status_code == 400
    assert client.post(url, b" " * 70_000, content_type="application/json").status_code == 413
    assert (
        json.loads(client.post(url, b"{", content_type="application/json").content)["valid"]
        is False
    )
    statuses = [
        client.post(url, b"{}", content_type="application/json").status_code for _ in range(30)
    ]
    assert statuses[-1] == 429  # three answered above, 27 here, then throttled
