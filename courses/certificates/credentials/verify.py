"""Open Badges 3.0 credentials for certificates: build, sign (eddsa-jcs-2022) and verify.

Every certificate can be handed out as an ``OpenBadgeCredential`` (W3C Verifiable Credentials
Data Model 2.0) with an embedded Data Integrity proof of the ``eddsa-jcs-2022`` cryptosuite
(W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.3):

* canonical form: the JSON Canonicalization Scheme (RFC 8785), implemented in ``canonicalize``;
* ``hashData = SHA-256(JCS(proof options + document @context)) || SHA-256(JCS(document - proof))``;
* an Ed25519 signature over ``hashData``, written as multibase base58btc (``z…``).

The signing key comes from ``CERTIFICATE_SIGNING_KEY`` (settings, else the environment): a PEM
``PRIVATE KEY`` or the base64 of the 32 raw private-key bytes (``manage.py generate_issuer_key``
prints one). Only in development (``DEBUG`` on and no key set) is a key derived from
``SECRET_KEY``, so that it survives restarts; production refuses to sign without a key.

Verification never goes to the network: the public key is our own, and a credential's status
(revoked, superseded) is read from our database by the certificate code in its ``id``.
docs/certificates.md describes the format and the checks.
"""

import base64
import datetime as dt
import hashlib
import json
import math
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from courses.models import Certificate, Institution, Language

# --- constants of the format --------------------------------------------------------------------

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
# The media type of a VC 2.0 credential; downloads are named ``*.json`` for everyday tools.
CREDENTIAL_MEDIA_TYPE = "application/vc"
# Clocks of our own servers may disagree a little; a credential signed a moment ago on another
# host must not be "from the future".
CLOCK_SKEW = dt.timedelta(minutes=5)
# A credential is a few kilobytes; anything far larger is not ours.
MAX_CREDENTIAL_BYTES = 64 * 1024
# Ed25519 public keys as multicodec (varint 0xed) in a Multikey's publicKeyMultibase: "z6Mk…".
_ED25519_PUB_MULTICODEC = b"\xed\x01"
_DEV_KEY_SALT = b"certlab certificate signing key"
_DEV_KEY_INFO = b"ed25519 development key v1"


class CredentialError(ValueError):
    """A document that cannot be canonicalized, decoded or parsed as a credential."""


# --- RFC 8785: the JSON Canonicalization Scheme --------------------------------------------------

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _jcs_string(value: str) -> str:
    try:
        value.encode("utf-8")  # lone surrogates are not I-JSON (RFC 7493) and cannot be hashed
    except UnicodeEncodeError:
        raise CredentialError("strings must be valid Unicode (no lone surrogates)") from None
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, value) + '"'


def _jcs_number(value: float) -> str:
    """ECMAScript's Number.prototype.toString for a double (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(value):
        raise CredentialError("NaN and Infinity are not JSON numbers")
    if value == 0:
        return "0"  # also for -0
    sign = "-" if value < 0 else ""
    # repr() gives the shortest digit string that round-trips, which is what ECMAScript picks.
    parts = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(parts.exponent, int)
    all_digits = "".join(map(str, parts.digits))
    digits = all_digits.rstrip("0")
    exponent = parts.exponent + len(all_digits) - len(digits)
    k = len(digits)
    n = k + exponent  # value = 0.<digits> * 10**n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def _utf16_order(key: str) -> bytes:
    # RFC 8785 sorts member names by their UTF-16 code units, not by code points.
    return key.encode("utf-16-be", "surrogatepass")


def _jcs(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_jcs_string(value))
    elif isinstance(value, int):
        try:
            out.append(_jcs_number(float(value)))  # JSON numbers are IEEE 754 doubles
        except OverflowError:
            raise CredentialError("number out of range") from None
    elif isinstance(value, float):
        out.append(_jcs_number(value))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, key in enumerate(sorted(value, key=_utf16_order)):
            if not isinstance(key, str):
                raise CredentialError("object keys must be strings")
            if index:
                out.append(",")
            out.append(_jcs_string(key))
            out.append(":")
            _jcs(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _jcs(item, out)
        out.append("]")
    else:
        raise CredentialError(f"cannot canonicalize a {type(value).__name__}")


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (sorted keys, no whitespace)."""
    out: list[str] = []
    _jcs(value, out)
    return "".join(out).encode("utf-8")


def parse_json(data: bytes | str) -> Any:
    """Parse JSON strictly: no duplicate member names, no NaN/Infinity (I-JSON, RFC 7493)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, item in items:
            if key in result:
                raise CredentialError(f"duplicate member name {key!r}")
            result[key] = item
        return result

    def constant(name: str) -> Any:
        raise CredentialError(f"{name} is not a JSON number")

    try:
        return json.loads(data, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        if isinstance(exc, CredentialError):
            raise
        raise CredentialError(f"not valid JSON: {exc}") from None


# --- multibase base58btc and Multikey ------------------------------------------------------------

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: index for index, char in enumerate(_B58_ALPHABET)}


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = _B58_ALPHABET[remainder] + encoded
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + encoded


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise CredentialError(f"{char!r} is not a base58btc character")
        number = number * 58 + _B58_INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    return "z" + base58btc_encode(data)


def multibase_decode(text: str) -> bytes:
    if not text.startswith("z"):
        raise CredentialError("only multibase base58btc ('z…') is supported")
    return base58btc_decode(text[1:])


def public_key_multibase(key: Ed25519PublicKey) -> str:
    """The Multikey ``publicKeyMultibase`` of an Ed25519 public key (``z6Mk…``)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_encode(_ED25519_PUB_MULTICODEC + raw)


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    data = multibase_decode(text)
    if len(data) != 34 or not data.startswith(_ED25519_PUB_MULTICODEC):
        raise CredentialError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


# --- the issuer's key ------------------------------------------------------------------------------


def _configured_key_text() -> str:
    value = getattr(settings, "CERTIFICATE_SIGNING_KEY", None)
    if value is None:
        value = os.environ.get("CERTIFICATE_SIGNING_KEY", "")
    return str(value).strip()


def parse_signing_key(text: str) -> Ed25519PrivateKey:
    """A PEM ``PRIVATE KEY`` (PKCS#8, Ed25519) or base64 of the 32 raw private-key bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                "CERTIFICATE_SIGNING_KEY is not a readable unencrypted PEM private key"
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except ValueError:
        raise ImproperlyConfigured(
            "CERTIFICATE_SIGNING_KEY must be a PEM private key or base64 of 32 bytes"
        ) from None
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"CERTIFICATE_SIGNING_KEY must decode to 32 bytes, not {len(raw)}"
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def development_signing_key(secret_key: str) -> Ed25519PrivateKey:
    """The deterministic development key: HKDF-SHA256 of ``SECRET_KEY``. Never for production."""
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=_DEV_KEY_SALT, info=_DEV_KEY_INFO
    ).derive(secret_key.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


@lru_cache(maxsize=8)
def _load_key(text: str, secret_key: str, debug: bool) -> Ed25519PrivateKey:
    if text:
        return parse_signing_key(text)
    if debug:
        return development_signing_key(secret_key)
    raise ImproperlyConfigured(
        "CERTIFICATE_SIGNING_KEY must be set when DEBUG is off "
        "(generate one with `python manage.py generate_issuer_key`)"
    )


def signing_key() -> Ed25519PrivateKey:
    """The issuer's private key from the settings (see the module docstring)."""
    return _load_key(_configured_key_text(), settings.SECRET_KEY, bool(settings.DEBUG))


def issuer_public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def using_development_key() -> bool:
    return not _configured_key_text() and bool(settings.DEBUG)


def new_signing_key_text() -> str:
    """A fresh key as ``CERTIFICATE_SIGNING_KEY`` takes it: base64 of the 32 raw bytes."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode()


def check_signing_key(**kwargs: Any) -> list[CheckMessage]:
    """A system check (deploy): production needs a valid ``CERTIFICATE_SIGNING_KEY``."""
    try:
        signing_key()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="courses.E101")]
    return []


# --- URLs ----------------------------------------------------------------------------------------


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


def _stable_urn(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join([settings.SITE_URL, *parts]))}"


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


# --- texts (the credential speaks the program's language) -----------------------------------------

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


def _timestamp(value: dt.datetime) -> str:
    """An XML Schema dateTimeStamp in UTC with second precision: ``2027-09-30T14:05:00Z``."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_grade(value: Decimal) -> str:
    """The grade as the credential carries it: a string, never a float (``"92.5"``)."""
    return f"{value:.1f}"


# --- building and signing -------------------------------------------------------------------------


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
    issued = _timestamp(certificate.issued_at)
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


def _hash_data(document: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
    """eddsa-jcs-2022 transformation, proof configuration and hashing (sections 3.3.4-3.3.6)."""
    proof_config = {**proof_options, "@context": document.get("@context")}
    proof_config_hash = hashlib.sha256(canonicalize(proof_config)).digest()
    document_hash = hashlib.sha256(canonicalize(document)).digest()
    return proof_config_hash + document_hash


def sign(
    document: Mapping[str, Any],
    *,
    key: Ed25519PrivateKey,
    verification_method: str,
    created: dt.datetime,
) -> dict[str, Any]:
    """Add an eddsa-jcs-2022 ``DataIntegrityProof`` to an unsigned document.

    The proof carries the document's ``@context`` itself (as the cryptosuite's test vectors do),
    so verifiers that take the proof options as they are and verifiers that copy the document's
    ``@context`` into them hash the same bytes.
    """
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    proof_options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
        "@context": unsecured.get("@context"),
    }
    signature = key.sign(_hash_data(unsecured, proof_options))
    return {**unsecured, "proof": {**proof_options, "proofValue": multibase_encode(signature)}}


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


def verify_proof(document: Mapping[str, Any], public_key: Ed25519PublicKey) -> bool:
    """Whether ``document["proof"]`` is a valid eddsa-jcs-2022 proof by ``public_key``.

    Follows "Verify Proof (eddsa-jcs-2022)": the document without ``proof`` and the proof
    without ``proofValue`` are hashed as when signing; a ``@context`` in the proof must be a
    prefix of the document's and then stands for it.
    """
    proof = document.get("proof")
    if not isinstance(proof, Mapping):
        raise CredentialError("the credential has no single proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise CredentialError(f"the proof is not a {PROOF_TYPE} of {CRYPTOSUITE}")
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        raise CredentialError("the proof has no proofValue")
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    if "@context" in options:
        context, own = options["@context"], unsecured.get("@context")
        if _as_list(own)[: len(_as_list(context))] != _as_list(context):
            return False
        unsecured["@context"] = context
    signature = multibase_decode(proof_value)
    if len(signature) != 64:
        return False
    try:
        public_key.verify(signature, _hash_data(unsecured, options))
    except InvalidSignature:
        return False
    return True


# --- verification ----------------------------------------------------------------------------------


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


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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
        if _as_list(document.get("@context"))[:2] != CREDENTIAL_CONTEXT:
            raise checks.fail(
                "format", "The @context is not that of an Open Badges 3.0 credential."
            )
        types = _as_list(document.get("type"))
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


# --- the issuer's public key document ----------------------------------------------------------------


def issuer_document(institution: Institution) -> dict[str, Any]:
    """The issuer Profile at its stable URL, with our public key as a Multikey (no login)."""
    identifier = issuer_id(institution.slug)
    method = verification_method_id(institution.slug)
    document: dict[str, Any] = {
        "@context": [*CREDENTIAL_CONTEXT, CID_CONTEXT],
        "id": identifier,
        "type": ["Profile"],
        "name": institution.name,
    }
    if institution.website:
        document["url"] = institution.website
    document["verificationMethod"] = [
        {
            "id": method,
            "type": "Multikey",
            "controller": identifier,
            "publicKeyMultibase": public_key_multibase(issuer_public_key()),
        }
    ]
    document["assertionMethod"] = [method]
    return document


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
