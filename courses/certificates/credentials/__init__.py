"""Open Badges 3.0 credentials for certificates, signed with eddsa-jcs-2022 and verified here.

Entry points: ``build.issue_credential`` (a certificate's signed credential) and
``build.status_document``; ``verify.verify_credential`` (the verdict on a credential);
``keys.issuer_document`` (the issuer's public key document) and ``keys.check_signing_key``
(the deploy check). Underneath: ``canonical`` (RFC 8785 JSON), ``proof`` (the cryptosuite)
and ``vocabulary`` (the terms and URLs written into credentials). docs/certificates.md
describes the format and the checks.
"""
