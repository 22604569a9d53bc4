"""Revoking and re-issuing certificates: never deleted, always explained on the public page."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from courses.certificates.services import reissue_certificate, revoke_certificate
from courses.exceptions import CertificateActionRefused
from courses.models import Certificate
from tests.helpers import issue_certificate


@pytest.fixture
def certificate(enrolled: Any, assignment: Any) -> Certificate:
    return issue_certificate(enrolled, assignment)


def test_a_coordinator_revokes_with_a_reason_and_the_public_page_says_so(
    certificate: Certificate, coordinator: Any, client: Any
) -> None:
    revoked = revoke_certificate(
        actor=coordinator, certificate=certificate, reason="Plagiarism found"
    )
    assert (revoked.status, revoked.revoked_by, revoked.revoked_reason) == (
        "revoked",
        coordinator,
        "Plagiarism found",
    )
    page = client.get(reverse("verify", args=[certificate.code])).content.decode()
    assert "was revoked on" in page
    assert "Plagiarism" not in page  # the reason is for the record, not for the public


@pytest.mark.parametrize(
    ("who", "reason", "message"),
    [("instructor", "x", "Only coordinators"), ("coordinator", " ", "needs a reason")],
)
def test_revocation_needs_a_coordinator_and_a_reason(
    certificate: Certificate, request: Any, who: str, reason: str, message: str
) -> None:
    with pytest.raises(CertificateActionRefused, match=message):
        revoke_certificate(
            actor=request.getfixturevalue(who), certificate=certificate, reason=reason
        )
    certificate.refresh_from_db()
    assert certificate.status == "issued"


def test_a_revoked_certificate_cannot_be_revoked_or_reissued_again(
    certificate: Certificate, coordinator: Any
) -> None:
    revoke_certificate(actor=coordinator, certificate=certificate, reason="error")
    with pytest.raises(CertificateActionRefused):
        revoke_certificate(actor=coordinator, certificate=certificate, reason="again")
    with pytest.raises(CertificateActionRefused):
        reissue_certificate(actor=coordinator, certificate=certificate)


def test_a_name_correction_reissues_and_the_old_certificate_points_to_the_new(
    certificate: Certificate, enrolled: Any, coordinator: Any, client: Any
) -> None:
    enrolled.display_name = "Augusta Ada King"
    enrolled.save(update_fields=["display_name"])
    new = reissue_certificate(actor=coordinator, certificate=certificate)
    certificate.refresh_from_db()
    assert (new.holder_name, new.grade_percent, new.status) == (
        "Augusta Ada King",
        Decimal("100.0"),
        "issued",
    )
    assert (certificate.status, certificate.superseded_by, certificate.holder_name) == (
        "superseded",
        new,
        "Ada Lovelace",
    )
    assert new.code != certificate.code
    page = client.get(reverse("verify", args=[certificate.code])).content.decode()
    assert "replaced by a newer one" in page
    assert reverse("verify", args=[new.code]) in page
    assert Certificate.objects.count() == 2
    assert Certificate.objects.issued().count() == 1
