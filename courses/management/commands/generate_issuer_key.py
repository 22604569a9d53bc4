"""Print a new Ed25519 private key for CERTIFICATE_SIGNING_KEY (and its public Multikey)."""

import base64
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandParser

from courses.certificates.credentials.keys import (
    new_signing_key_text,
    parse_signing_key,
    public_key_multibase,
)


class Command(BaseCommand):
    help = (
        "Print a new issuer signing key for the CERTIFICATE_SIGNING_KEY environment variable. "
        "Store it like SECRET_KEY; every credential ever issued is checked against it, so "
        "changing it invalidates credentials downloaded before."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            choices=["base64", "pem"],
            default="base64",
            help="base64 of the 32 raw bytes (one line, default) or a PKCS#8 PEM block",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = new_signing_key_text()
        key = parse_signing_key(text)
        if options["format"] == "pem":
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
            self.stdout.write(pem.rstrip("\n"))
        else:
            self.stdout.write(f"CERTIFICATE_SIGNING_KEY={text}")
        raw_public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        # The public half goes to stderr, so `> key.env` captures only the secret.
        self.stderr.write(f"# public key (Multikey): {public_key_multibase(key.public_key())}")
        self.stderr.write(f"# public key (base64):   {base64.b64encode(raw_public).decode()}")
