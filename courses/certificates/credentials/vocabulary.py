"""The words and addresses a credential is written in, shared by building, signing and verifying.

The contexts, types and proof terms of Open Badges 3.0 with eddsa-jcs-2022, the date-time form
of its timestamps, and the site URLs a credential names: the verification page (its ``id``),
the issuer's profile and key, and the status document. These URLs are signed into credentials
handed out: their paths must never change (docs/certificates.md).
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse

from courses.models import Certificate

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"
CREDENTIAL_CONTEXT = [VC_CONTEXT, OB_CONTEXT]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"
KEY_FRAGMENT = "key-1"
STATUS_TYPE = "CertificateVerificationStatus"


def timestamp(value: dt.datetime) -> str:
    """An XML Schema dateTimeStamp in UTC with second precision: ``2027-09-30T14:05:00Z``."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_list(value: Any) -> list[Any]:
    """A JSON-LD term holds one value or a list of them; compare them as lists."""
    return value if isinstance(value, list) else [value]


def absolute_url(path: str) -> str:
    """``settings.SITE_URL`` + a site path: links that leave the site (PDF, QR, credentials)."""
    return str(settings.SITE_URL).rstrip("/") + path


def verification_url(certificate: Certificate) -> str:
    """The public verification page; also the credential's ``id`` and the QR code's target."""
    return absolute_url(certificate.get_verification_url())


def issuer_id(institution_slug: str) -> str:
    return absolute_url(reverse("certificates:issuer", args=[institution_slug]))


def verification_method_id(institution_slug: str) -> str:
    return f"{issuer_id(institution_slug)}#{KEY_FRAGMENT}"


def status_url(code: str) -> str:
    return absolute_url(reverse("certificates:status", args=[code]))
