"""The eddsa-jcs-2022 cryptosuite: sign a document and check its proof.

W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.3: a ``DataIntegrityProof`` whose
``hashData = SHA-256(JCS(proof options + document @context)) || SHA-256(JCS(document - proof))``
is signed with Ed25519 and written as multibase base58btc (``z…``). Nothing here knows about
certificates: ``build`` signs our credentials with it, ``verify`` checks them.
"""

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from courses.certificates.credentials.canonical import CredentialError, canonicalize
from courses.certificates.credentials.keys import multibase_decode, multibase_encode
from courses.certificates.credentials.vocabulary import (
    CRYPTOSUITE,
    PROOF_PURPOSE,
    PROOF_TYPE,
    as_list,
    timestamp,
)


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
        "created": timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
        "@context": unsecured.get("@context"),
    }
    signature = key.sign(_hash_data(unsecured, proof_options))
    return {**unsecured, "proof": {**proof_options, "proofValue": multibase_encode(signature)}}


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
        if as_list(own)[: len(as_list(context))] != as_list(context):
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
