"""The PDF certificate: a valid one-page A4 PDF with embedded fonts, in the program's language,
carrying the holder, program, grade, date, code and a QR code; holder-only download. And the QR
code itself (``courses.certificates.qr``)."""

import base64
import datetime as dt
import re
import shutil
import subprocess
import zlib
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.certificates.credentials import keys
from courses.certificates.pdf.render import BODY_BOTTOM, _body, _DryRun, render_certificate_pdf
from courses.certificates.qr import certificate_qr_svg, qr_matrix, qr_png
from courses.models import Certificate
from tests.helpers import issue_certificate

SITE = "https://certificates.example.org"


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.SITE_URL = SITE
    settings.CERTIFICATE_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
    keys._load_key.cache_clear()


@pytest.fixture
def certificate(enrolled: Any, assignment: Any) -> Certificate:
    certificate = issue_certificate(enrolled, assignment, points="4.5")
    certificate.issued_at = dt.datetime(2027, 9, 30, 12, 0, tzinfo=dt.UTC)
    certificate.save()
    return certificate


# --- reading PDFs without a PDF library ------------------------------------------------------------


def _streams(pdf: bytes) -> list[bytes]:
    """Every stream of the PDF, decoded (reportlab writes ASCII85 and/or Flate)."""
    decoded = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n", pdf, re.S):
        start = match.end()
        length = int(re.search(rb"/Length (\d+)", match.group(1)).group(1))  # type: ignore[union-attr]
        data = pdf[start : start + length]
        if b"ASCII85Decode" in match.group(1):
            data = base64.a85decode(data.strip().removesuffix(b"~>"))
        if b"FlateDecode" in match.group(1):
            data = zlib.decompress(data)
        decoded.append(data)
    return decoded


def _shown_text(pdf: bytes) -> str:
    """The ASCII text the page shows: reportlab's subset fonts keep ASCII readable in
    ``(…) Tj`` operators, so the code and URL can be checked without poppler."""
    shown = []
    for stream in _streams(pdf):
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*T[jJ*]", stream):
            shown.append(re.sub(rb"\\(.)", rb"\1", literal).decode("latin-1"))
    return "\n".join(shown)


def _pdftotext(pdf: bytes) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    result = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode()


def _is_valid_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") == 1  # one page
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4
    # Every font is embedded: TrueType programs present, no base-14 (unembedded) fonts used.
    assert pdf.count(b"/FontFile2") >= 3
    assert b"/BaseFont /Helvetica" not in pdf and b"/BaseFont /Times" not in pdf
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", "-"], input=pdf, capture_output=True, check=True, timeout=60
        )
        assert re.search(rb"^Pages:\s+1$", info.stdout, re.M)
    if shutil.which("pdffonts"):
        fonts = subprocess.run(
            ["pdffonts", "-"], input=pdf, capture_output=True, check=True, timeout=60
        )
        rows = fonts.stdout.decode().splitlines()[2:]
        assert rows and all(" yes yes yes " in row for row in rows), fonts.stdout.decode()


# --- content ------------------------------------------------------------------------------------------


def test_an_english_certificate(certificate: Certificate) -> None:
    pdf = render_certificate_pdf(certificate)
    _is_valid_pdf(pdf)
    url = f"{SITE}/verify/{certificate.code}/"
    shown = _shown_text(pdf)
    for expected in (
        certificate.code,
        "Ada Lovelace",
        "Machine Learning in Data Science",
        "CERTIFICATE",
        "with a final weighted grade of 90.0%.",
        "Issued on 30 September 2027",
        url,
    ):
        assert expected in shown, expected
    assert f"/URI ({url})".encode() in pdf  # the QR code and the URL are links
    assert b"/Lang (en)" in pdf
    text = _pdftotext(pdf)
    if text is not None:
        assert (
            certificate.code in text and "Ada Lovelace" in text and "TU DORTMUND UNIVERSITY" in text
        )


def test_a_german_program_gets_a_german_certificate(certificate: Certificate) -> None:
    certificate.program.language = "de"
    certificate.program.save(update_fields=["language"])
    pdf = render_certificate_pdf(Certificate.objects.get(pk=certificate.pk))
    _is_valid_pdf(pdf)
    shown = _shown_text(pdf)
    assert "ZERTIFIKAT" in shown and "Hiermit wird bescheinigt, dass" in shown
    assert certificate.code in shown
    assert b"/Lang (de)" in pdf
    text = _pdftotext(pdf)
    if text is not None:  # non-ASCII text needs the font's ToUnicode map: poppler reads it
        assert "mit einer gewichteten Gesamtnote von 90,0 %" in text
        assert "Ausgestellt am 30. September 2027" in text
        assert "Prüfcode" in text


def test_the_language_can_be_chosen(certificate: Certificate) -> None:
    assert "ZERTIFIKAT" in _shown_text(render_certificate_pdf(certificate, language="de"))
    assert "CERTIFICATE" in _shown_text(render_certificate_pdf(certificate, language="fr"))


def test_a_revoked_certificate_says_so(certificate: Certificate) -> None:
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = dt.datetime(2028, 1, 12, 9, 0, tzinfo=dt.UTC)
    certificate.save()
    shown = _shown_text(render_certificate_pdf(certificate))
    assert "REVOKED" in shown
    assert "This certificate was revoked on 12 January 2028 and is no longer valid." in shown


def test_a_superseded_certificate_names_the_newer_one(certificate: Certificate) -> None:
    certificate.status = Certificate.Status.SUPERSEDED
    certificate.save()
    newer = Certificate.objects.create(
        enrollment=certificate.enrollment,
        user=certificate.user,
        program=certificate.program,
        holder_name="Ada King",
        program_title=certificate.program_title,
        program_version=1,
        institution_name=certificate.institution_name,
        grade_percent=certificate.grade_percent,
    )
    certificate.superseded_by = newer
    certificate.save()
    shown = _shown_text(render_certificate_pdf(certificate))
    assert "SUPERSEDED" in shown and newer.code in shown


def test_long_names_and_titles_still_fit(certificate: Certificate) -> None:
    certificate.holder_name = (
        "Maximiliane Alexandra Leutheusser-Schnarrenberger von Hohenzollern-Sigmaringen"
    )
    certificate.program_title = (
        "Künstliche Intelligenz und maschinelles Lernen für Ingenieurinnen und Ingenieure "
        "in der Prozessindustrie und der Energiewirtschaft"
    )
    texts = {
        "certify": "x",
        "completed": "x",
        "grade": "{grade}\nx",
        "issued": "{date}",
        "version": "{version}",
    }
    assert _body(_DryRun(), certificate, texts, "de", 1.0) < BODY_BOTTOM  # too tall at full size
    assert _body(_DryRun(), certificate, texts, "de", 0.82) >= BODY_BOTTOM  # fits once tightened
    _is_valid_pdf(render_certificate_pdf(certificate))


# --- the download ---------------------------------------------------------------------------------------


def test_the_holder_downloads_the_pdf(
    certificate: Certificate, client_for: Any, enrolled: Any
) -> None:
    response = client_for(enrolled).get(reverse("certificates:pdf", args=[certificate.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="certificate-{certificate.code}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    _is_valid_pdf(response.content)
    assert certificate.code in _shown_text(response.content)
    german = client_for(enrolled).get(
        reverse("certificates:pdf", args=[certificate.code]) + "?lang=de"
    )
    assert "ZERTIFIKAT" in _shown_text(german.content)


def test_the_pdf_access_rules(
    certificate: Certificate, client_for: Any, enrolled: Any, other_participant: Any
) -> None:
    url = reverse("certificates:pdf", args=[certificate.code])
    assert client_for(other_participant).get(url).status_code == 404
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(enrolled).post(url).status_code == 405
    assert (
        client_for(enrolled).get(reverse("certificates:pdf", args=["AAAA-BBBB-CCCC"])).status_code
        == 404
    )


def test_a_revoked_certificates_pdf_is_still_available_to_its_holder(
    certificate: Certificate, client_for: Any, enrolled: Any
) -> None:
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.save()
    response = client_for(enrolled).get(reverse("certificates:pdf", args=[certificate.code]))
    assert response.status_code == 200 and "REVOKED" in _shown_text(response.content)


def test_the_qr_svg_is_self_contained(certificate: Certificate) -> None:
    svg = str(certificate_qr_svg(certificate))
    assert svg.startswith("<svg ") and 'role="img"' in svg and "<title>" in svg
    assert f"{SITE}/verify/{certificate.code}/" in svg  # as its accessible name
    for external in ("<image", "href", "<style", "style=", "<script"):
        assert external not in svg
    assert qr_png("x").startswith(b"\x89PNG\r\n\x1a\n")
    matrix = qr_matrix(f"{SITE}/verify/{certificate.code}/")
    assert len(matrix) == len(matrix[0]) >= 21 and matrix[0][:7] == (True,) * 7  # finder pattern
