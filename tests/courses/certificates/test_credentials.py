"""Open Badges 3.0 credentials: canonical JSON, eddsa-jcs-2022 signatures, verification, views.

The cryptosuite is checked against the W3C test vector of "Data Integrity EdDSA Cryptosuites
v1.0" and the canonical JSON against the examples of RFC 8785; our own credentials must round
trip, and every change to one (a field, a character, the grade, the signature) must fail.
"""

import base64
import copy
import datetime as dt
import io
import json
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.certificates.credentials import build, keys, vocabulary
from courses.certificates.credentials.build import issue_credential
from courses.certificates.credentials.canonical import CredentialError, canonicalize, parse_json
from courses.certificates.credentials.keys import (
    base58btc_decode,
    base58btc_encode,
    multibase_decode,
    public_key_from_multibase,
    public_key_multibase,
)
from courses.certificates.credentials.proof import sign, verify_proof
from courses.certificates.credentials.verify import verify_credential
from courses.certificates.qr import certificate_qr_svg, qr_matrix, qr_png
from courses.models import Certificate
from tests.helpers import issue_certificate

SITE = "https://certificates.example.org"
TEST_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def _issuer(settings: Any) -> Iterator[None]:
    settings.SITE_URL = SITE
    settings.CERTIFICATE_SIGNING_KEY = TEST_KEY
    keys._load_key.cache_clear()
    yield
    keys._load_key.cache_clear()


@pytest.fixture
def certificate(enrolled: Any, assignment: Any) -> Certificate:
    return issue_certificate(enrolled, assignment)


@pytest.fixture
def credential(certificate: Certificate) -> dict[str, Any]:
    return issue_credential(certificate)


# --- RFC 8785 ---------------------------------------------------------------------------------

# RFC 8785 appendix B: IEEE 754 doubles (as hex) and their canonical form.
NUMBERS = {
    "0000000000000000": "0",
    "8000000000000000": "0",
    "0000000000000001": "5e-324",
    "8000000000000001": "-5e-324",
    "7fefffffffffffff": "1.7976931348623157e+308",
    "ffefffffffffffff": "-1.7976931348623157e+308",
    "4340000000000000": "9007199254740992",
    "c340000000000000": "-9007199254740992",
    "4430000000000000": "295147905179352830000",
    "44b52d02c7e14af5": "9.999999999999997e+22",
    "44b52d02c7e14af6": "1e+23",
    "44b52d02c7e14af7": "1.0000000000000001e+23",
    "444b1ae4d6e2ef4e": "999999999999999700000",
    "444b1ae4d6e2ef4f": "999999999999999900000",
    "444b1ae4d6e2ef50": "1e+21",
    "3eb0c6f7a0b5ed8c": "9.999999999999997e-7",
    "3eb0c6f7a0b5ed8d": "0.000001",
    "41b3de4355555553": "333333333.3333332",
    "41b3de4355555554": "333333333.33333325",
    "41b3de4355555555": "333333333.3333333",
    "41b3de4355555556": "333333333.3333334",
    "41b3de4355555557": "333333333.33333343",
    "becbf647612f3696": "-0.0000033333333333333333",
    "43143ff3c1cb0959": "1424953923781206.2",
}


@pytest.mark.parametrize(("bits", "expected"), NUMBERS.items())
def test_numbers_serialise_as_ecmascript_does(bits: str, expected: str) -> None:
    [value] = struct.unpack(">d", bytes.fromhex(bits))
    assert canonicalize(value) == expected.encode()


def test_the_rfc_8785_example_canonicalises_exactly() -> None:
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    assert (
        canonicalize(parse_json(source))
        == (
            '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
            '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
        ).encode()
    )


def test_members_sort_by_utf16_code_units_not_code_points() -> None:
    names = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    canonical = json.loads(canonicalize({name: name for name in names}))
    # The emoji (a surrogate pair, D83D…) sorts before U+FB33, unlike by code point.
    assert list(canonical) == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_canonical_json_rejects_what_is_not_i_json() -> None:
    with pytest.raises(CredentialError):
        canonicalize(float("nan"))
    with pytest.raises(CredentialError):
        canonicalize("\ud800")  # a lone surrogate
    with pytest.raises(CredentialError, match="duplicate"):
        parse_json('{"a": 1, "a": 2}')
    with pytest.raises(CredentialError):
        parse_json('{"a": NaN}')
    with pytest.raises(CredentialError):
        parse_json("{not json")


def test_base58btc_keeps_leading_zero_bytes() -> None:
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(256)), b"hello world"):
        assert base58btc_decode(base58btc_encode(data)) == data
    assert base58btc_encode(b"hello world") == "StV1DL6CwTryKyV"
    with pytest.raises(CredentialError):
        multibase_decode("mAAAA")  # base64, not base58btc


# --- the W3C eddsa-jcs-2022 test vector ---------------------------------------------------------

W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_SIGNED: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "proofPurpose": "assertionMethod",
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4",
    },
}


def test_the_w3c_test_vector_verifies_and_signing_reproduces_it() -> None:
    public_key = public_key_from_multibase(W3C_PUBLIC)
    assert verify_proof(W3C_SIGNED, public_key)
    private = multibase_decode(W3C_PRIVATE)
    assert private[:2] == b"\x80\x26"  # multicodec ed25519-priv
    key = Ed25519PrivateKey.from_private_bytes(private[2:])
    assert public_key_multibase(key.public_key()) == W3C_PUBLIC
    unsigned = {name: value for name, value in W3C_SIGNED.items() if name != "proof"}
    resigned = sign(
        unsigned,
        key=key,
        verification_method=W3C_SIGNED["proof"]["verificationMethod"],
        created=dt.datetime(2023, 2, 24, 23, 36, 38, tzinfo=dt.UTC),
    )
    assert resigned == W3C_SIGNED
    tampered = copy.deepcopy(W3C_SIGNED)
    tampered["credentialSubject"]["alumniOf"] = "The School of Exampels"
    assert not verify_proof(tampered, public_key)


def test_a_proof_without_its_own_context_uses_the_documents() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    signed = sign(
        {"@context": ["a"], "x": "y"}, key=key, verification_method="m", created=timezone.now()
    )
    bare = copy.deepcopy(signed)
    del bare["proof"]["@context"]
    assert verify_proof(bare, key.public_key())  # the spec adds the document's @context
    signed["proof"]["@context"] = ["b"]
    assert not verify_proof(signed, key.public_key())


# --- keys -----------------------------------------------------------------------------------------


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


# --- building and verifying our credentials ------------------------------------------------------


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


def test_a_credential_round_trips(credential: dict[str, Any], certificate: Certificate) -> None:
    result = verify_credential(build.credential_bytes(credential))
    assert result.valid, result.reason
    assert result.code == certificate.code
    assert result.status == "issued"
    assert [check.name for check in result.checks] == [
        "format",
        "issuer",
        "signature",
        "dates",
        "status",
    ]
    assert all(check.ok for check in result.checks)
    # Re-serialised with other whitespace and key order, it is the same credential.
    assert verify_credential(json.dumps(credential, sort_keys=True)).valid


def _tamper_cases(credential: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name in credential:
        if name == "proof":
            continue
        changed = copy.deepcopy(credential)
        changed[name] = "tampered" if changed[name] != "tampered" else "other"
        yield f"{name} replaced", changed
        removed = copy.deepcopy(credential)
        del removed[name]
        yield f"{name} removed", removed
    added = copy.deepcopy(credential)
    added["validUntil"] = "2999-01-01T00:00:00Z"
    yield "a field added", added
    holder = copy.deepcopy(credential)
    identity = holder["credentialSubject"]["identifier"][0]
    identity["identityHash"] = identity["identityHash"].replace("Ada", "Adx")
    yield "one character of the name", holder
    grade = copy.deepcopy(credential)
    grade["credentialSubject"]["result"][0]["value"] = "100.1"
    yield "the grade", grade
    title = copy.deepcopy(credential)
    title["credentialSubject"]["achievement"]["name"] += " "
    yield "a trailing space in the program", title
    for field in ("created", "proofValue"):
        proof = copy.deepcopy(credential)
        value = proof["proof"][field]
        proof["proof"][field] = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
        yield f"proof {field}", proof
    cryptosuite = copy.deepcopy(credential)
    cryptosuite["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    yield "the cryptosuite", cryptosuite
    method = copy.deepcopy(credential)
    method["proof"]["verificationMethod"] = method["proof"]["verificationMethod"].replace(
        "key-1", "key-2"
    )
    yield "the verification method", method
    no_proof = copy.deepcopy(credential)
    del no_proof["proof"]
    yield "no proof", no_proof


def test_every_change_to_a_credential_fails(credential: dict[str, Any]) -> None:
    assert verify_credential(credential).valid
    cases = list(_tamper_cases(credential))
    assert len(cases) > 25
    for label, tampered in cases:
        result = verify_credential(tampered)
        assert not result.valid, label
        assert not result.checks[-1].ok, label


def test_every_flipped_byte_of_the_signature_fails(credential: dict[str, Any]) -> None:
    signature = bytearray(multibase_decode(credential["proof"]["proofValue"]))
    for index in range(len(signature)):
        flipped = bytearray(signature)
        flipped[index] ^= 0x01
        tampered = copy.deepcopy(credential)
        tampered["proof"]["proofValue"] = "z" + base58btc_encode(bytes(flipped))
        result = verify_credential(tampered)
        assert not result.valid and result.checks[-1].name == "signature", index


def test_a_credential_signed_with_another_key_fails(
    certificate: Certificate, settings: Any
) -> None:
    settings.CERTIFICATE_SIGNING_KEY = base64.b64encode(bytes(32)).decode()
    forged = issue_credential(certificate)
    settings.CERTIFICATE_SIGNING_KEY = TEST_KEY
    result = verify_credential(forged)
    assert not result.valid
    assert "signature does not match" in result.reason


def test_status_is_not_looked_up_before_the_signature_holds(
    credential: dict[str, Any], django_assert_num_queries: Callable[..., Any]
) -> None:
    tampered = copy.deepcopy(credential)
    tampered["name"] = "Certificate: Something Else"
    with django_assert_num_queries(0):
        result = verify_credential(tampered)
    assert not result.valid and result.code is None and result.status is None


def test_a_revoked_certificate_fails_with_the_date(
    credential: dict[str, Any], certificate: Certificate
) -> None:
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = dt.datetime(2027, 3, 4, 10, 0, tzinfo=dt.UTC)
    certificate.revoked_reason = "Plagiarism in the capstone"
    certificate.save()
    result = verify_credential(credential)
    assert not result.valid
    assert result.reason == "The certificate was revoked on 2027-03-04."
    assert result.status == "revoked" and result.revoked_on == dt.date(2027, 3, 4)
    assert [check.ok for check in result.checks] == [True, True, True, True, False]
    assert "Plagiarism" not in json.dumps(result.as_dict())  # the reason is not public


def test_a_superseded_certificate_names_the_newer_one(
    credential: dict[str, Any], certificate: Certificate
) -> None:
    certificate.status = Certificate.Status.SUPERSEDED
    certificate.save()
    newer = Certificate.objects.create(
        enrollment=certificate.enrollment,
        user=certificate.user,
        program=certificate.program,
        holder_name="Ada King, Countess of Lovelace",
        program_title=certificate.program_title,
        program_version=certificate.program_version,
        institution_name=certificate.institution_name,
        grade_percent=certificate.grade_percent,
    )
    certificate.superseded_by = newer
    certificate.save()
    result = verify_credential(credential)
    assert not result.valid
    assert result.reason == f"The certificate was superseded by {newer.code}."
    assert result.as_dict()["supersededBy"] == newer.code
    assert verify_credential(issue_credential(newer)).valid


def test_an_unknown_certificate_fails(credential: dict[str, Any], certificate: Certificate) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(code="ZZZZ-ZZZZ-ZZZZ")
    result = verify_credential(credential)
    assert not result.valid and "No certificate with this code" in result.reason


def test_validity_dates_are_checked(certificate: Certificate) -> None:
    certificate.issued_at = timezone.now() + dt.timedelta(days=2)
    certificate.save()
    future = issue_credential(certificate)
    result = verify_credential(future)
    assert (
        not result.valid
        and result.checks[-1].name == "dates"
        and "Not valid before" in result.reason
    )
    assert verify_credential(future, now=timezone.now() + dt.timedelta(days=3)).valid

    certificate.issued_at = timezone.now() - dt.timedelta(days=30)
    certificate.save()
    expiring = build.build_credential(certificate)
    expiring["validUntil"] = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signed = sign(
        expiring,
        key=keys.signing_key(),
        verification_method=vocabulary.verification_method_id("tu-dortmund"),
        created=timezone.now() - dt.timedelta(days=5),
    )
    result = verify_credential(signed)
    assert not result.valid and "Expired on" in result.reason
    assert verify_credential(signed, now=timezone.now() - dt.timedelta(days=2)).valid


def test_a_credential_of_another_site_is_not_ours(
    credential: dict[str, Any], settings: Any
) -> None:
    settings.SITE_URL = "https://elsewhere.example.com"
    result = verify_credential(credential)
    assert not result.valid and result.checks[-1].name == "issuer"


def test_garbage_is_reported_not_raised() -> None:
    for garbage in (
        b"",
        b"[]",
        b"null",
        b'"x"',
        b"{",
        b"\xff\xfe",
        b"{}",
        b"x" * 70_000,
        "[" * 100_000,
    ):
        result = verify_credential(garbage)
        assert not result.valid and result.checks[0].name == "format"


# --- the issuer document and QR codes -------------------------------------------------------------


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


def test_the_qr_svg_is_self_contained(certificate: Certificate) -> None:
    svg = str(certificate_qr_svg(certificate))
    assert svg.startswith("<svg ") and 'role="img"' in svg and "<title>" in svg
    assert f"{SITE}/verify/{certificate.code}/" in svg  # as its accessible name
    for external in ("<image", "href", "<style", "style=", "<script"):
        assert external not in svg
    assert qr_png("x").startswith(b"\x89PNG\r\n\x1a\n")
    matrix = qr_matrix(f"{SITE}/verify/{certificate.code}/")
    assert len(matrix) == len(matrix[0]) >= 21 and matrix[0][:7] == (True,) * 7  # finder pattern


# --- views ------------------------------------------------------------------------------------------


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


# --- management commands ----------------------------------------------------------------------------


def test_the_command_accepts_a_valid_credential(credential: dict[str, Any], tmp_path: Path) -> None:
    path_ = tmp_path / "credential.json"
    path_.write_bytes(build.credential_bytes(credential))
    out = io.StringIO()
    call_command("verify_credential", str(path_), stdout=out)
    assert "Credential valid" in out.getvalue() and "ok   signature" in out.getvalue()
    out = io.StringIO()
    call_command("verify_credential", str(path_), "--json", stdout=out)
    assert json.loads(out.getvalue())["valid"] is True


def test_the_command_fails_with_a_reason(
    credential: dict[str, Any], certificate: Certificate, tmp_path: Path
) -> None:
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Grace Hopper"
    path_ = tmp_path / "tampered.json"
    path_.write_text(json.dumps(tampered))
    with pytest.raises(CommandError, match="NOT valid: The signature does not match") as excinfo:
        call_command("verify_credential", str(path_), stdout=io.StringIO())
    assert excinfo.value.returncode == 1

    path_.write_bytes(build.credential_bytes(credential))
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = dt.datetime(2027, 3, 4, 10, 0, tzinfo=dt.UTC)
    certificate.revoked_reason = "Issued in error"
    certificate.save()
    out = io.StringIO()
    with pytest.raises(CommandError, match="revoked on 2027-03-04"):
        call_command("verify_credential", str(path_), stdout=out)
    assert "Issued in error" in out.getvalue()  # the operator sees the reason

    with pytest.raises(CommandError) as missing:
        call_command("verify_credential", str(tmp_path / "missing.json"))
    assert missing.value.returncode == 2


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
