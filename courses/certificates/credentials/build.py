"""Our certificates as Open Badges 3.0 credentials: texts, building, signing, the status document.

Every certificate can be handed out as an ``OpenBadgeCredential`` (W3C Verifiable Credentials
Data Model 2.0), built from the certificate's snapshot at issue, in the program's language,
and signed now with the issuer's key (``proof.sign``, eddsa-jcs-2022). The grade is a string,
never a float. docs/certificates.md shows a credential and describes its fields.
"""

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from courses.certificates.credentials.keys import signing_key
from courses.certificates.credentials.proof import sign
from courses.certificates.credentials.vocabulary import (
    CREDENTIAL_CONTEXT,
    CREDENTIAL_TYPE,
    STATUS_TYPE,
    issuer_id,
    status_url,
    timestamp,
    verification_method_id,
    verification_url,
)
from courses.models import Certificate, Institution, Language

# The media type of a VC 2.0 credential; downloads are named ``*.json`` for everyday tools.
CREDENTIAL_MEDIA_TYPE = "application/vc"


_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "credential_name": "Certificate: {program}",
        "description": "Certificate program “{program}” (version {version}), {institution}.",
        "criteria": (
            "Awarded when every requirement of version {version} of the program is met on "
            "released grades: every required module passed at or above its pass mark, and the "
            "capstone project where the program has one."
        ),
        "grade_name": "Final weighted grade",
        "grade_description": "Weighted grade over the program's modules, in percent (0–100).",
    },
    "de": {
        "credential_name": "Zertifikat: {program}",
        "description": "Zertifikatsprogramm „{program}“ (Version {version}), {institution}.",
        "criteria": (
            "Vergeben, wenn alle Anforderungen der Version {version} des Programms mit "
            "freigegebenen Bewertungen erfüllt sind: jedes Pflichtmodul mindestens mit seiner "
            "Bestehensgrenze bestanden und, sofern vorgesehen, das Abschlussprojekt."
        ),
        "grade_name": "Gewichtete Gesamtnote",
        "grade_description": "Gewichtete Note über die Module des Programms, in Prozent (0–100).",
    },
}


def _stable_urn(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join([settings.SITE_URL, *parts]))}"


def format_grade(value: Decimal) -> str:
    """The grade as the credential carries it: a string, never a float (``"92.5"``)."""
    return f"{value:.1f}"


def build_credential(certificate: Certificate) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` of a certificate, from its snapshot at issue."""
    program = certificate.program
    institution: Institution = program.institution
    language = program.language if program.language in _TEXTS else Language.ENGLISH
    texts = _TEXTS[language]
    values = {
        "program": certificate.program_title,
        "version": str(certificate.program_version),
        "institution": certificate.institution_name,
    }
    achievement_id = _stable_urn(
        "achievement", institution.slug, program.slug, str(certificate.program_version)
    )
    grade_description_id = _stable_urn(
        "achievement", institution.slug, program.slug, str(certificate.program_version), "grade"
    )
    issued = timestamp(certificate.issued_at)
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": verification_url(certificate),
        "type": list(CREDENTIAL_TYPE),
        "name": texts["credential_name"].format(**values),
        "issuer": {
            "id": issuer_id(institution.slug),
            "type": ["Profile"],
            "name": certificate.institution_name,
            **({"url": institution.website} if institution.website else {}),
        },
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.holder_name,
                }
            ],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": certificate.program_title,
                "description": texts["description"].format(**values),
                "criteria": {"narrative": texts["criteria"].format(**values)},
                "inLanguage": language,
                "version": str(certificate.program_version),
                "resultDescription": [
                    {
                        "id": grade_description_id,
                        "type": ["ResultDescription"],
                        "name": texts["grade_name"],
                        "resultType": "Percent",
                        "valueMin": "0",
                        "valueMax": "100",
                    }
                ],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": grade_description_id,
                    "value": format_grade(certificate.grade_percent),
                    "status": "Completed",
                }
            ],
        },
        "credentialStatus": {"id": status_url(certificate.code), "type": STATUS_TYPE},
    }


def issue_credential(certificate: Certificate, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The signed ``OpenBadgeCredential`` of a certificate (signed now, with our key)."""
    return sign(
        build_credential(certificate),
        key=signing_key(),
        verification_method=verification_method_id(certificate.program.institution.slug),
        created=now or timezone.now(),
    )


def credential_bytes(credential: Mapping[str, Any]) -> bytes:
    """A credential as a readable UTF-8 JSON file (the signature covers its canonical form)."""
    return (json.dumps(credential, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def status_document(certificate: Certificate) -> dict[str, Any]:
    """What ``credentialStatus.id`` answers: a certificate's status, and nothing personal."""
    revoked_on = (
        timezone.localtime(certificate.revoked_at).date().isoformat()
        if certificate.status == Certificate.Status.REVOKED and certificate.revoked_at
        else None
    )
    return {
        "id": status_url(certificate.code),
        "type": STATUS_TYPE,
        "credential": verification_url(certificate),
        "code": certificate.code,
        "status": certificate.status,
        "valid": certificate.status == Certificate.Status.ISSUED,
        "revokedOn": revoked_on,
        "supersededBy": (
            certificate.superseded_by.code
            if certificate.status == Certificate.Status.SUPERSEDED and certificate.superseded_by
            else None
        ),
    }
