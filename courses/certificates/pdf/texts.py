"""The certificate's wording in each language, and its dates and grades as that language writes
them."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from courses.models import Certificate, Language

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "kicker": "Certificate Program",
        "title": "CERTIFICATE",
        "certify": "This is to certify that",
        "completed": "has successfully completed the certificate program",
        "grade": "with a final weighted grade of {grade}.",
        "issued": "Issued on {date}",
        "version": "Program version {version}",
        "electronic": "This certificate was issued electronically and is valid without a signature.",
        "verify": "Its authenticity can be verified at any time by scanning the QR code or at",
        "code": "Verification code",
        "revoked_mark": "REVOKED",
        "revoked": "This certificate was revoked on {date} and is no longer valid.",
        "revoked_undated": "This certificate was revoked and is no longer valid.",
        "superseded_mark": "SUPERSEDED",
        "superseded": "This certificate was replaced by certificate {code} and is no longer valid.",
        "superseded_unknown": "This certificate was replaced by a newer one and is no longer valid.",
        "pdf_title": "Certificate: {program} ({holder})",
    },
    "de": {
        "kicker": "Zertifikatsprogramm",
        "title": "ZERTIFIKAT",
        "certify": "Hiermit wird bescheinigt, dass",
        "completed": "das Zertifikatsprogramm",
        "grade": "mit einer gewichteten Gesamtnote von {grade}\nerfolgreich abgeschlossen hat.",
        "issued": "Ausgestellt am {date}",
        "version": "Programmversion {version}",
        "electronic": "Dieses Zertifikat wurde elektronisch ausgestellt und ist ohne Unterschrift gültig.",
        "verify": "Seine Echtheit lässt sich jederzeit über den QR-Code prüfen oder unter",
        "code": "Prüfcode",
        "revoked_mark": "WIDERRUFEN",
        "revoked": "Dieses Zertifikat wurde am {date} widerrufen und ist nicht mehr gültig.",
        "revoked_undated": "Dieses Zertifikat wurde widerrufen und ist nicht mehr gültig.",
        "superseded_mark": "ERSETZT",
        "superseded": "Dieses Zertifikat wurde durch das Zertifikat {code} ersetzt und ist nicht mehr gültig.",
        "superseded_unknown": "Dieses Zertifikat wurde durch ein neueres ersetzt und ist nicht mehr gültig.",
        "pdf_title": "Zertifikat: {program} ({holder})",
    },
}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
}


def format_date(value: dt.datetime, language: str) -> str:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    month = MONTHS[language].split()[local.month - 1]
    if language == "de":
        return f"{local.day}. {month} {local.year}"
    return f"{local.day} {month} {local.year}"


def format_grade(value: Decimal, language: str) -> str:
    text = f"{value:.1f}"
    return f"{text.replace('.', ',')} %" if language == "de" else f"{text}%"


def certificate_language(certificate: Certificate, requested: str | None = None) -> str:
    """The requested language if we have it, else the program's, else English."""
    for candidate in (requested, certificate.program.language):
        if candidate in TEXTS:
            return str(candidate)
    return str(Language.ENGLISH)
