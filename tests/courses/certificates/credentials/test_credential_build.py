"""Our credentials as Open Badges 3.0 ``OpenBadgeCredential`` (``credentials.build``): their
shape, no JSON numbers, stable achievements, the program's language."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from courses.certificates.credentials import build
from courses.certificates.credentials.build import issue_credential
from courses.certificates.credentials.keys import (
    multibase_decode,
)
from courses.certificates.credentials.verify import verify_credential
from courses.models import Certificate
from tests.courses.certificates.credentials.issuer_setup import SITE


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def test_the_credential_is_an_open_badge_3_credential(
    certificate: Certificate, credential: dict[str, Any]
) -> None:
    code = certificate.code
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == f"{SITE}/verify/{code}/"
    assert credential["issuer"] == {
        "id": f"{SITE}/issuer/tu-dortmund/",
        "type": ["Profile"],
        "name": "TU Dortmund University",
    }
    assert credential["validFrom"] == certificate.issued_at.astimezone(dt.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert credential["name"] == "Certificate: Machine Learning in Data Science"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"] == "Ada Lovelace"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == "Machine Learning in Data Science"
    assert achievement["id"].startswith("urn:uuid:")
    assert achievement["criteria"]["narrative"] and achievement["description"]
    assert subject["result"][0]["value"] == "100.0"
    assert subject["result"][0]["resultDescription"] == achievement["resultDescription"][0]["id"]
    assert credential["credentialStatus"] == {
        "id": f"{SITE}/credentials/status/{code}/",
        "type": "CertificateVerificationStatus",
    }
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == f"{SITE}/issuer/tu-dortmund/#key-1"
    assert proof["proofValue"].startswith("z") and len(multibase_decode(proof["proofValue"])) == 64
    # No floats anywhere: numbers are where canonical forms go wrong, so the grade is a string.
    assert not [
        v for v in _walk(credential) if isinstance(v, int | float) and not isinstance(v, bool)
    ]


def test_the_achievement_is_stable_across_certificates(certificate: Certificate) -> None:
    first = build.build_credential(certificate)
    again = build.build_credential(Certificate.objects.get(pk=certificate.pk))
    assert first == again


def test_a_german_program_gets_a_german_credential(certificate: Certificate) -> None:
    certificate.program.language = "de"
    certificate.program.save(update_fields=["language"])
    credential = issue_credential(Certificate.objects.get(pk=certificate.pk))
    assert credential["name"] == "Zertifikat: Machine Learning in Data Science"
    assert credential["credentialSubject"]["achievement"]["inLanguage"] == "de"
    assert verify_credential(credential).valid
