"""Verify a credential: form, issuer and key, signature, dates, then the certificate's status.

Verification never goes to the network: the public key is our own, and a credential's status
(revoked, superseded) is read from our database by the certificate code in its ``id``.
docs/certificates.md lists the checks and the answer.
"""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from courses.certificates.credentials.canonical import CredentialError, canonicalize, parse_json
from courses.certificates.credentials.keys import issuer_public_key
from courses.certificates.credentials.proof import verify_proof
from courses.certificates.credentials.vocabulary import (
    CREDENTIAL_CONTEXT,
    CREDENTIAL_TYPE,
    CRYPTOSUITE,
    PROOF_PURPOSE,
    as_list,
    verification_method_id,
)
from courses.models import Certificate

# Clocks of our own servers may disagree a little; a credential signed a moment ago on another
# host must not be "from the future".
CLOCK_SKEW = dt.timedelta(minutes=5)
# A credential is a few kilobytes; anything far larger is not ours.
MAX_CREDENTIAL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class VerificationResult:
    """What verifying a credential found; ``reason`` names the first failed check."""

    valid: bool
    reason: str
    checks: tuple[Check, ...] = ()
    code: str | None = None
    status: str | None = None
    revoked_on: dt.date | None = None
    superseded_by: str | None = None
    certificate: Certificate | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The public answer: no revocation reason, no database ids."""
        return {
            "valid": self.valid,
            "reason": self.reason,
            "code": self.code,
            "status": self.status,
            "revokedOn": self.revoked_on.isoformat() if self.revoked_on else None,
            "supersededBy": self.superseded_by,
            "checks": [
                {"check": check.name, "ok": check.ok, "detail": check.detail}
                for check in self.checks
            ],
        }


_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not _DATETIME.match(value):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


class _Failed(Exception):
    pass


class _Checks:
    def __init__(self) -> None:
        self.done: list[Check] = []

    def passed(self, name: str, detail: str) -> None:
        self.done.append(Check(name, True, detail))

    def fail(self, name: str, detail: str) -> "_Failed":
        self.done.append(Check(name, False, detail))
        return _Failed(detail)


def _resolve_site_url(url: str) -> tuple[str, dict[str, Any]] | None:
    """(url name, kwargs) of one of our own absolute URLs, or None."""
    base = str(settings.SITE_URL).rstrip("/")
    if not url.startswith(base + "/"):
        return None
    path = url[len(base) :]
    if urlsplit(path).query or "#" in path:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name, match.kwargs


def verify_credential(
    credential: bytes | str | Mapping[str, Any], *, now: dt.datetime | None = None
) -> VerificationResult:
    """Verify one of our credentials: form, issuer and key, signature, dates, then status.

    The certificate's status is only looked up once the signature holds, so the verification
    endpoint reveals nothing about codes that were not in a credential we signed.
    """
    now = now or timezone.now()
    checks = _Checks()
    certificate: Certificate | None = None
    try:
        # 1. Form.
        try:
            if isinstance(credential, bytes | str):
                size = len(credential.encode() if isinstance(credential, str) else credential)
                if size > MAX_CREDENTIAL_BYTES:
                    raise CredentialError(f"larger than {MAX_CREDENTIAL_BYTES} bytes")
                document = parse_json(credential)
            else:
                document = dict(credential)
            if not isinstance(document, dict):
                raise CredentialError("not a JSON object")
            canonicalize(document)
        except CredentialError as exc:
            raise checks.fail("format", f"Not a readable credential: {exc}.") from None
        if as_list(document.get("@context"))[:2] != CREDENTIAL_CONTEXT:
            raise checks.fail(
                "format", "The @context is not that of an Open Badges 3.0 credential."
            )
        types = as_list(document.get("type"))
        if not all(name in types for name in CREDENTIAL_TYPE):
            raise checks.fail("format", "The credential is not an OpenBadgeCredential.")
        checks.passed("format", "An Open Badges 3.0 OpenBadgeCredential.")

        # 2. Issuer and key: the verification method must be our key for this issuer.
        issuer = document.get("issuer")
        issuer_url = issuer.get("id") if isinstance(issuer, dict) else issuer
        resolved = _resolve_site_url(issuer_url) if isinstance(issuer_url, str) else None
        if resolved is None or resolved[0] != "certificates:issuer":
            raise checks.fail("issuer", "The credential was not issued by this site.")
        slug = str(resolved[1]["slug"])
        proof = document.get("proof")
        if not isinstance(proof, dict):
            raise checks.fail("issuer", "The credential has no single proof.")
        if proof.get("verificationMethod") != verification_method_id(slug):
            raise checks.fail(
                "issuer", "The proof was not made with this site's key for the issuer."
            )
        if proof.get("proofPurpose") != PROOF_PURPOSE:
            raise checks.fail("issuer", f"The proof's purpose is not {PROOF_PURPOSE}.")
        checks.passed(
            "issuer", f"Issued by {issuer_url}, signed with {verification_method_id(slug)}."
        )

        # 3. Signature.
        try:
            signature_ok = verify_proof(document, issuer_public_key())
        except CredentialError as exc:
            raise checks.fail("signature", f"The proof is unusable: {exc}.") from None
        if not signature_ok:
            raise checks.fail(
                "signature",
                "The signature does not match: the credential was changed after it was signed.",
            )
        checks.passed("signature", f"Valid {CRYPTOSUITE} signature.")

        # 4. Dates.
        valid_from = _parse_datetime(document.get("validFrom"))
        created = _parse_datetime(proof.get("created"))
        if valid_from is None or created is None:
            raise checks.fail("dates", "validFrom and the proof's created must be date-times.")
        if valid_from > now + CLOCK_SKEW:
            raise checks.fail("dates", f"Not valid before {document['validFrom']}.")
        if created > now + CLOCK_SKEW:
            raise checks.fail(
                "dates", f"The proof claims to be from the future ({proof['created']})."
            )
        if "validUntil" in document:
            valid_until = _parse_datetime(document["validUntil"])
            if valid_until is None:
                raise checks.fail("dates", "validUntil must be a date-time.")
            if valid_until <= now:
                raise checks.fail("dates", f"Expired on {document['validUntil']}.")
        checks.passed("dates", f"Valid from {document['validFrom']}.")

        # 5. Status, by the certificate code in the credential's id.
        credential_id = document.get("id")
        target = _resolve_site_url(credential_id) if isinstance(credential_id, str) else None
        if target is None or target[0] != "verify":
            raise checks.fail("status", "The credential's id is not a certificate of this site.")
        certificate = (
            Certificate.objects.select_related("superseded_by", "program__institution")
            .filter(code=str(target[1]["code"]))
            .first()
        )
        if certificate is None:
            raise checks.fail("status", "No certificate with this code exists here.")
        if certificate.program.institution.slug != slug:
            raise checks.fail("status", "The certificate belongs to another issuer.")
        if certificate.status == Certificate.Status.REVOKED:
            revoked_on = (
                timezone.localtime(certificate.revoked_at).date()
                if certificate.revoked_at
                else None
            )
            detail = (
                f"The certificate was revoked on {revoked_on.isoformat()}."
                if revoked_on
                else "The certificate was revoked."
            )
            checks.fail("status", detail)
            return VerificationResult(
                False, detail, tuple(checks.done), certificate.code, certificate.status,
                revoked_on=revoked_on, certificate=certificate,
            )  # fmt: skip
        if certificate.status == Certificate.Status.SUPERSEDED:
            newer = certificate.superseded_by.code if certificate.superseded_by else None
            detail = (
                f"The certificate was superseded by {newer}."
                if newer
                else "The certificate was superseded by a newer one."
            )
            checks.fail("status", detail)
            return VerificationResult(
                False, detail, tuple(checks.done), certificate.code, certificate.status,
                superseded_by=newer, certificate=certificate,
            )  # fmt: skip
        checks.passed("status", f"Certificate {certificate.code} is valid.")
    except _Failed as failure:
        return VerificationResult(
            False,
            str(failure),
            tuple(checks.done),
            certificate.code if certificate else None,
            certificate.status if certificate else None,
            certificate=certificate,
        )
    return VerificationResult(
        True,
        "The credential is valid.",
        tuple(checks.done),
        certificate.code,
        certificate.status,
        certificate=certificate,
    )
