"""The eddsa-jcs-2022 cryptosuite (``credentials.proof``), against the W3C test vector of "Data
Integrity EdDSA Cryptosuites v1.0"."""

import copy
import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from courses.certificates.credentials.keys import (
    multibase_decode,
    public_key_from_multibase,
    public_key_multibase,
)
from courses.certificates.credentials.proof import sign, verify_proof

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
