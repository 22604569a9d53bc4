"""Verify an Open Badges 3.0 credential file: signature, issuer key, dates and status."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.certificates.credentials.verify import MAX_CREDENTIAL_BYTES, verify_credential


class Command(BaseCommand):
    help = (
        "Verify a certificate's credential file (JSON; '-' reads standard input): the "
        "eddsa-jcs-2022 signature with this site's issuer key, the validity dates, and whether "
        "the certificate was revoked or superseded. Exits 1 when the credential is not valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the credential file, or '-' for standard input")
        parser.add_argument(
            "--json", action="store_true", help="print the result as JSON instead of text"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["path"]
        try:
            if path == "-":
                data = sys.stdin.buffer.read(MAX_CREDENTIAL_BYTES + 1)
            else:
                with Path(path).open("rb") as handle:
                    data = handle.read(MAX_CREDENTIAL_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}", returncode=2) from None
        result = verify_credential(data)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            for check in result.checks:
                mark = "ok  " if check.ok else "FAIL"
                self.stdout.write(f"{mark} {check.name:<9} {check.detail}")
            if result.certificate is not None and result.certificate.revoked_reason:
                self.stdout.write(f"     reason    {result.certificate.revoked_reason}")
        if not result.valid:
            raise CommandError(f"Credential NOT valid: {result.reason}")
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS(f"Credential valid: certificate {result.code}."))
