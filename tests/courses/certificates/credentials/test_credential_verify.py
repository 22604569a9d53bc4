"""Verifying a credential (``credentials.verify``): our own round trip, and every change to one
(a field, a character, the grade, the signature) must fail; status, dates, other sites, garbage;
the ``verify_credential`` command."""

import base64
import copy
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from courses.certificates.credentials import build, keys, vocabulary
from courses.certificates.credentials.build import issue_credential
from courses.certificates.credentials.keys import (
    base58btc_encode,
    multibase_decode,
)
from courses.certificates.credentials.proof import sign
from courses.certificates.credentials.verify import verify_credential
from courses.models import Certificate
from tests.courses.certificates.credentials.issuer_setup import TEST_KEY


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
