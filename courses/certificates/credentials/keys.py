"""The issuer's key: multibase and Multikey encoding, the signing key from the settings, and the
public key document verifiers fetch.

The signing key comes from ``CERTIFICATE_SIGNING_KEY`` (settings, else the environment): a PEM
``PRIVATE KEY`` or the base64 of the 32 raw private-key bytes (``manage.py generate_issuer_key``
prints one). Only in development (``DEBUG`` on and no key set) is a key derived from
``SECRET_KEY``, so that it survives restarts; production refuses to sign without a key
(the deploy check ``courses.E101``).
"""

import base64
import os
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured

from courses.certificates.credentials.canonical import CredentialError
from courses.certificates.credentials.vocabulary import (
    CID_CONTEXT,
    CREDENTIAL_CONTEXT,
    issuer_id,
    verification_method_id,
)
from courses.models import Institution

# Ed25519 public keys as multicodec (varint 0xed) in a Multikey's publicKeyMultibase: "z6Mk…".
_ED25519_PUB_MULTICODEC = b"\xed\x01"
_DEV_KEY_SALT = b"certlab certificate signing key"
_DEV_KEY_INFO = b"ed25519 development key v1"
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
