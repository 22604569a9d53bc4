"""Lay out and draw the certificate: header, title, body (tightened until it fits), foot, and
the marks of a certificate that is no longer valid."""

import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from reportlab.lib.colors import HexColor  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.utils import simpleSplit  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from courses.certificates.credentials.vocabulary import verification_url
from courses.certificates.pdf.ornaments import border, ornament, qr_code, seal
from courses.certificates.pdf.style import (
    CENTER,
    GOLD,
    GREY,
    INK,
    MONO,
    NAVY,
    PAGE_H,
    PAGE_W,
    RED,
    SANS,
    SANS_BOLD,
    SERIF,
    SERIF_BOLD,
    SERIF_ITALIC,
    TEXT_WIDTH,
    register_fonts,
)
from courses.certificates.pdf.texts import TEXTS, certificate_language, format_date, format_grade
from courses.models import Certificate


@dataclass(frozen=True)
class _Status:
    mark: str
    banner: str


def _status(certificate: Certificate, texts: dict[str, str], language: str) -> _Status | None:
    if certificate.status == Certificate.Status.REVOKED:
        banner = (
            texts["revoked"].format(date=format_date(certificate.revoked_at, language))
            if certificate.revoked_at
            else texts["revoked_undated"]
        )
        return _Status(texts["revoked_mark"], banner)
    if certificate.status == Certificate.Status.SUPERSEDED:
        newer = certificate.superseded_by
        banner = (
            texts["superseded"].format(code=newer.code) if newer else texts["superseded_unknown"]
        )
        return _Status(texts["superseded_mark"], banner)
    return None


def _spaced(canvas: Canvas, text: str, y: float, font: str, size: float, spacing: float) -> None:
    """Centred text with extra letter spacing (for capitals), kept as one string for search."""
    width = pdfmetrics.stringWidth(text, font, size) + spacing * (len(text) - 1)
    canvas.saveState()  # character spacing is graphics state: keep it to this string
    text_object = canvas.beginText(CENTER - width / 2, y)
    text_object.setFont(font, size)
    text_object.setCharSpace(spacing)
    text_object.textOut(text)
    canvas.drawText(text_object)
    canvas.restoreState()


def _fit(text: str, font: str, size: float, minimum: float, width: float) -> float:
    while size > minimum and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _centred_lines(
    canvas: Canvas, text: str, y: float, font: str, size: float, leading: float, width: float
) -> float:
    """Wrap and centre ``text`` from baseline ``y`` downwards; returns the next free baseline."""
    canvas.setFont(font, size)
    for paragraph in text.split("\n"):
        for line in simpleSplit(paragraph, font, size, width):
            canvas.drawCentredString(CENTER, y, line)
            y -= leading
    return y


def _status_marks(canvas: Canvas, status: _Status) -> None:
    canvas.saveState()
    canvas.setFillColor(RED)
    canvas.setFillAlpha(0.16)
    canvas.translate(CENTER, PAGE_H / 2)
    canvas.rotate(52)
    size = _fit(status.mark, SANS_BOLD, 96, 40, PAGE_H * 0.8)
    canvas.setFont(SANS_BOLD, size)
    canvas.drawCentredString(0, -size / 3, status.mark)
    canvas.restoreState()
    # The banner, inside the frame at the top.
    lines = simpleSplit(status.banner, SANS_BOLD, 9.5, PAGE_W - 2 * 72)[:2]
    height = 10 + 11.5 * len(lines)
    top = PAGE_H - 52
    canvas.setFillColor(RED)
    canvas.rect(54, top - height, PAGE_W - 108, height, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#FFFFFF"))
    canvas.setFont(SANS_BOLD, 9.5)
    y = top - 13.5
    for line in lines:
        canvas.drawCentredString(CENTER, y, line)
        y -= 11.5


BODY_TOP = 568.0
BODY_BOTTOM = 262.0  # the seal, statement and QR code live below


class _DryRun:
    """A canvas that draws nothing: lets the body be measured before it is drawn."""

    def __getattr__(self, name: str) -> Any:
        return self._nothing

    def _nothing(self, *args: Any, **kwargs: Any) -> "_DryRun":
        return self


def _body(
    canvas: Any, certificate: Certificate, texts: dict[str, str], language: str, scale: float
) -> float:
    """Draw the body from ``BODY_TOP`` down at ``scale``; returns the lowest baseline used."""
    italic = max(11.0, 13 * scale)
    y = BODY_TOP
    canvas.setFillColor(GREY)
    canvas.setFont(SERIF_ITALIC, italic)
    canvas.drawCentredString(CENTER, y, texts["certify"])
    canvas.setFillColor(INK)
    holder_size = _fit(certificate.holder_name, SERIF_BOLD, 30 * scale, 16 * scale, TEXT_WIDTH)
    leading = holder_size * 1.2
    y = _centred_lines(
        canvas,
        certificate.holder_name,
        y - 48 * scale,
        SERIF_BOLD,
        holder_size,
        leading,
        TEXT_WIDTH,
    )
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.6)
    canvas.line(CENTER - 160, y + leading - 13 * scale, CENTER + 160, y + leading - 13 * scale)
    y += leading - 50 * scale
    canvas.setFillColor(GREY)
    y = _centred_lines(
        canvas, texts["completed"], y, SERIF_ITALIC, italic, italic * 1.3, TEXT_WIDTH
    )
    y -= 27 * scale
    canvas.setFillColor(NAVY)
    program_size = _fit(certificate.program_title, SERIF_BOLD, 22 * scale, 15 * scale, TEXT_WIDTH)
    y = _centred_lines(
        canvas,
        certificate.program_title,
        y,
        SERIF_BOLD,
        program_size,
        program_size * 1.25,
        TEXT_WIDTH,
    )
    y -= 8 * scale
    canvas.setFillColor(GREY)
    grade = format_grade(certificate.grade_percent, language)
    y = _centred_lines(
        canvas,
        texts["grade"].format(grade=grade),
        y,
        SERIF_ITALIC,
        italic,
        italic * 1.3,
        TEXT_WIDTH,
    )
    y -= 24 * scale
    ornament(canvas, y, 60)
    y -= 30 * scale
    canvas.setFillColor(INK)
    canvas.setFont(SERIF, 11.5)
    canvas.drawCentredString(
        CENTER, y, texts["issued"].format(date=format_date(certificate.issued_at, language))
    )
    y -= 17
    canvas.setFillColor(GREY)
    canvas.setFont(SERIF, 9.5)
    canvas.drawCentredString(
        CENTER, y, texts["version"].format(version=certificate.program_version)
    )
    return y


def render_certificate_pdf(certificate: Certificate, *, language: str | None = None) -> bytes:
    """The certificate as a one-page A4 PDF (bytes), in ``language`` or the program's."""
    register_fonts()
    language = certificate_language(certificate, language)
    texts = TEXTS[language]
    program = certificate.program
    institution = program.institution
    url = verification_url(certificate)
    status = _status(certificate, texts, language)

    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=A4,
        lang=language,
        pageCompression=1,
        initialFontName=SERIF,
        initialFontSize=12,
    )
    canvas.setTitle(
        texts["pdf_title"].format(program=certificate.program_title, holder=certificate.holder_name)
    )
    canvas.setAuthor(certificate.institution_name)
    canvas.setSubject(f"{texts['code']}: {certificate.code}")
    canvas.setKeywords([certificate.code, url])
    canvas.setCreator("certlab")

    border(canvas)

    # Header: institution and kind of program.
    canvas.setFillColor(NAVY)
    name_size = _fit(certificate.institution_name.upper(), SERIF_BOLD, 15, 9, TEXT_WIDTH - 40)
    _spaced(canvas, certificate.institution_name.upper(), 734, SERIF_BOLD, name_size, 2.2)
    canvas.setFillColor(GREY)
    canvas.setFont(SERIF_ITALIC, 11.5)
    canvas.drawCentredString(CENTER, 715, texts["kicker"])
    ornament(canvas, 700, 120)

    # Title.
    canvas.setFillColor(NAVY)
    title_mark_size = _fit(texts["title"], SERIF_BOLD, 42, 24, TEXT_WIDTH - 8 * len(texts["title"]))
    _spaced(canvas, texts["title"], 628, SERIF_BOLD, title_mark_size, 8)

    # Body: who, what, how well, when; tightened until it clears the foot.
    for scale in (1.0, 0.94, 0.88, 0.82, 0.76, 0.7):
        if _body(_DryRun(), certificate, texts, language, scale) >= BODY_BOTTOM:
            break
    _body(canvas, certificate, texts, language, scale)

    # Foot: seal, statement, QR code and code.
    issued_year = timezone.localtime(certificate.issued_at).year
    seal(
        canvas,
        126,
        188,
        institution.short_name or certificate.institution_name,
        texts["kicker"],
        issued_year,
    )
    qr_size = 104.0
    qr_x, qr_y = PAGE_W - 72 - qr_size, 140.0
    qr_code(canvas, url, qr_x, qr_y, qr_size)
    canvas.setFillColor(GREY)
    canvas.setFont(SANS, 7.5)
    canvas.drawCentredString(qr_x + qr_size / 2, qr_y - 10, texts["code"])
    canvas.setFillColor(INK)
    canvas.setFont(MONO, 10.5)
    canvas.drawCentredString(qr_x + qr_size / 2, qr_y - 24, certificate.code)

    statement_width = qr_x - 190 - 14
    statement_x = 190 + statement_width / 2
    canvas.setFillColor(GREY)
    line_y = 212.0
    for text in (texts["electronic"], texts["verify"]):
        canvas.setFont(SANS, 8)
        for line in simpleSplit(text, SANS, 8, statement_width):
            canvas.drawCentredString(statement_x, line_y, line)
            line_y -= 11
        line_y -= 3
    canvas.setFillColor(NAVY)
    url_size = _fit(url, MONO, 7.5, 5, statement_width)
    canvas.setFont(MONO, url_size)
    canvas.drawCentredString(statement_x, line_y, url)
    canvas.linkURL(
        url,
        (
            statement_x - statement_width / 2,
            line_y - 3,
            statement_x + statement_width / 2,
            line_y + 9,
        ),
    )
    canvas.linkURL(url, (qr_x, qr_y, qr_x + qr_size, qr_y + qr_size))

    if status is not None:
        _status_marks(canvas, status)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
