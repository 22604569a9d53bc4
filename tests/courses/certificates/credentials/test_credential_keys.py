"""The issuer's key (``credentials.keys``): multibase, reading the key from the settings, the
development key, the deploy check, the public key document and ``generate_issuer_key``."""

import base64
import io
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courses.certificates.credentials import keys
from courses.certificates.credentials.build import issue_credential
from courses.certificates.credentials.canonical import CredentialError
from courses.certificates.credentials.keys import (
    base58btc_decode,
    base58btc_encode,
    multibase_decode,
    public_key_from_multibase,
    public_key_multibase,
)
from courses.certificates.credentials.proof import verify_proof
from courses.models import Certificate
from tests.courses.certificates.credentials.issuer_setup import SITE, TEST_KEY


def test_base58btc_keeps_leading_zero_bytes() -> None:
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(256)), b"hello world"):
        assert base58btc_decode(base58btc_encode(data)) == data
    assert base58btc_encode(b"hello world") == "StV1DL6CwTryKyV"
    with pytest.raises(CredentialError):
        multibase_decode("mAAAA")  # base64, not base58btc


def test_keys_are_read_as_base64_or_pem(settings: Any) -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    for text in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode(), pem):
        settings.CERTIFICATE_SIGNING_KEY = text
        assert keys.issuer_public_key().public_bytes_raw() == key.public_key().public_bytes_raw()


@pytest.mark.parametrize(
    "bad",
    [
        "not a key!",
        base64.b64encode(b"short").decode(),
        "-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----",
    ],
)
def test_a_malformed_key_is_refused_without_echoing_it(settings: Any, bad: str) -> None:
    settings.CERTIFICATE_SIGNING_KEY = bad
    with pytest.raises(ImproperlyConfigured) as excinfo:
        keys.signing_key()
    assert bad not in str(excinfo.value)


def test_development_derives_a_stable_key_from_secret_key(settings: Any) -> None:
    settings.DEBUG = True
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.SECRET_KEY = "one development secret"
    first = keys.issuer_public_key().public_bytes_raw()
    keys._load_key.cache_clear()  # as after a restart
    assert keys.issuer_public_key().public_bytes_raw() == first
    assert keys.using_development_key()
    settings.SECRET_KEY = "another development secret"
    assert keys.issuer_public_key().public_bytes_raw() != first


def test_production_refuses_to_sign_without_a_key(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = False
    settings.CERTIFICATE_SIGNING_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="CERTIFICATE_SIGNING_KEY must be set"):
        keys.signing_key()
    assert [error.id for error in keys.check_signing_key()] == ["courses.E101"]
    # Without the setting the environment is read.
    del settings.CERTIFICATE_SIGNING_KEY
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", TEST_KEY)
    assert keys.check_signing_key() == []


def test_the_issuer_document_publishes_our_key(certificate: Certificate) -> None:
    response = Client().get(reverse("certificates:issuer", args=["tu-dortmund"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    issuer = f"{SITE}/issuer/tu-dortmund/"
    assert document["id"] == issuer and document["type"] == ["Profile"]
    assert document["name"] == "TU Dortmund University"
    [method] = document["verificationMethod"]
    assert method["id"] == f"{issuer}#key-1" == document["assertionMethod"][0]
    assert method["type"] == "Multikey" and method["controller"] == issuer
    assert method["publicKeyMultibase"].startswith("z6Mk")
    # Anyone can verify a downloaded credential with the published key alone.
    public_key = public_key_from_multibase(method["publicKeyMultibase"])
    assert verify_proof(issue_credential(certificate), public_key)


@pytest.mark.django_db
def test_the_issuer_document_access_rules(program: Any) -> None:
    client = Client()
    url = reverse("certificates:issuer", args=["tu-dortmund"])
    assert client.post(url).status_code == 405
    assert client.get(reverse("certificates:issuer", args=["nowhere"])).status_code == 404


def test_generate_issuer_key_prints_a_usable_key(settings: Any) -> None:
    printed = []
    for fmt in ("base64", "pem"):
        out, err = io.StringIO(), io.StringIO()
        call_command("generate_issuer_key", "--format", fmt, stdout=out, stderr=err)
        text = out.getvalue().strip().removeprefix("CERTIFICATE_SIGNING_KEY=")
        settings.CERTIFICATE_SIGNING_KEY = text
        public = public_key_multibase(keys.issuer_public_key())
        assert public in err.getvalue() and public not in out.getvalue()
        printed.append(public)
    assert printed[0] != printed[1]
