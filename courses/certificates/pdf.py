"""The printable certificate: one A4 page in the program's language (German or English).

Drawn with reportlab on a canvas: a guilloche border, the institution, the holder, the program,
the grade, the date, a seal, and the verification code with a vector QR code that points to the
public verification page (``settings.SITE_URL`` + ``/verify/<code>/``). The DejaVu fonts that ship
with matplotlib are embedded (subsets), so the PDF looks the same everywhere and its text can be
searched and copied.

A revoked or superseded certificate is still rendered (its holder may need the record), but
marked unmistakably: a red banner that says since when and why it is no longer valid, and a
large diagonal "REVOKED"/"SUPERSEDED" across the page. The QR code leads to the same verdict.
"""

import datetime as dt
import importlib.util
import io
import math
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone
from reportlab.lib.colors import Color, HexColor  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.utils import simpleSplit  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from courses.certificates.credentials.vocabulary import verification_url
from courses.certificates.qr import qr_matrix
from courses.models import Certificate, Language

# --- texts -------------------------------------------------------------------------------------

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


# --- fonts --------------------------------------------------------------------------------------

SERIF, SERIF_BOLD, SERIF_ITALIC = "CertSerif", "CertSerif-Bold", "CertSerif-Italic"
SANS, SANS_BOLD, MONO = "CertSans", "CertSans-Bold", "CertMono"
_FONT_FILES = {
    SERIF: "DejaVuSerif.ttf",
    SERIF_BOLD: "DejaVuSerif-Bold.ttf",
    SERIF_ITALIC: "DejaVuSerif-Italic.ttf",
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}
_fonts_lock = threading.Lock()
_fonts_ready = False


def font_directory() -> Path:
    """matplotlib's bundled DejaVu fonts, found without importing matplotlib (and numpy)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib (for its DejaVu fonts) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def register_fonts() -> None:
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        directory = font_directory()
        for name, filename in _FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(directory / filename)))
        _fonts_ready = True


# --- drawing ------------------------------------------------------------------------------------

NAVY = HexColor("#1B2A4A")
INK = HexColor("#222222")
GREY = HexColor("#5A5F6B")
GOLD = HexColor("#A8863A")
GUILLOCHE = HexColor("#9FB2CC")
PAPER = HexColor("#FFFDF8")
RED = HexColor("#B3261E")

PAGE_W, PAGE_H = A4
CENTER = PAGE_W / 2
TEXT_WIDTH = PAGE_W - 2 * 92


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


def _sine_path(
    canvas: Canvas,
    x0: float,
    x1: float,
    y: float,
    amplitude: float,
    wavelength: float,
    phase: float,
) -> None:
    """Stroke ``y + a·sin(2π(x - x0)/λ + φ)`` as cubic Béziers, one per quarter wave."""
    step = wavelength / 4
    count = max(1, round((x1 - x0) / step))
    k = 2 * math.pi / wavelength

    def point(x: float) -> tuple[float, float, float]:
        angle = k * (x - x0) + phase
        return y + amplitude * math.sin(angle), amplitude * k * math.cos(angle), x

    path = canvas.beginPath()
    y_start, slope_start, _ = point(x0)
    path.moveTo(x0, y_start)
    for i in range(count):
        a, b = x0 + i * step, x0 + (i + 1) * step
        ya, ma, _ = point(a)
        yb, mb, _ = point(b)
        h = (b - a) / 3
        path.curveTo(a + h, ya + ma * h, b - h, yb - mb * h, b, yb)
    canvas.drawPath(path, stroke=1, fill=0)


BAND = 20.0
OUTER = 24.0
PERIOD = 26.0


def _band_tile(canvas: Canvas) -> None:
    """One period of the guilloche band as a reusable form (x 0..PERIOD, y 0..BAND)."""
    canvas.beginForm("cert-band", 0, 0, PERIOD, BAND)
    canvas.setStrokeColor(GUILLOCHE)
    canvas.setLineWidth(0.35)
    for k in range(6):
        _sine_path(canvas, 0, PERIOD, BAND / 2, BAND / 2 - 1.5, PERIOD, k * math.pi / 3)
        _sine_path(canvas, 0, PERIOD, BAND / 2, BAND / 4, PERIOD / 2, k * math.pi / 3)
    canvas.endForm()


def _corner_tile(canvas: Canvas) -> None:
    canvas.beginForm("cert-corner", -BAND / 2, -BAND / 2, BAND / 2, BAND / 2)
    canvas.setFillColor(PAPER)
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(0.8)
    canvas.rect(-BAND / 2, -BAND / 2, BAND, BAND, stroke=1, fill=1)
    _rosette(canvas, 0, 0, BAND / 2 - 2.5, GOLD, petals=8, line=0.3)
    canvas.endForm()


def _border(canvas: Canvas) -> None:
    """Paper tone, a guilloche band between two frames, and corner rosettes."""
    canvas.setFillColor(PAPER)
    canvas.rect(0, 0, PAGE_W, PAGE_H, stroke=0, fill=1)
    outer, band = OUTER, BAND
    inner = outer + band
    _band_tile(canvas)
    _corner_tile(canvas)
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(outer, outer, PAGE_W - 2 * outer, PAGE_H - 2 * outer)
    clip.rect(inner, inner, PAGE_W - 2 * inner, PAGE_H - 2 * inner)
    canvas.clipPath(clip, stroke=0, fill=0, fillMode=1)  # even-odd: only the band
    # Horizontal bands (bottom, top), then vertical ones drawn as rotated horizontal tiles.
    for y in (outer, PAGE_H - inner):
        x = outer
        while x < PAGE_W - outer:
            canvas.saveState()
            canvas.translate(x, y)
            canvas.doForm("cert-band")
            canvas.restoreState()
            x += PERIOD
    for x in (inner, PAGE_W - outer):
        y = outer
        while y < PAGE_H - outer:
            canvas.saveState()
            canvas.translate(x, y)
            canvas.rotate(90)
            canvas.doForm("cert-band")
            canvas.restoreState()
            y += PERIOD
    canvas.restoreState()
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(1.6)
    canvas.rect(outer, outer, PAGE_W - 2 * outer, PAGE_H - 2 * outer, stroke=1, fill=0)
    canvas.setLineWidth(0.8)
    canvas.rect(inner, inner, PAGE_W - 2 * inner, PAGE_H - 2 * inner, stroke=1, fill=0)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.4)
    canvas.rect(
        inner + 4, inner + 4, PAGE_W - 2 * inner - 8, PAGE_H - 2 * inner - 8, stroke=1, fill=0
    )
    for x in (outer + band / 2, PAGE_W - outer - band / 2):
        for y in (outer + band / 2, PAGE_H - outer - band / 2):
            canvas.saveState()
            canvas.translate(x, y)
            canvas.doForm("cert-corner")
            canvas.restoreState()


def _rosette(
    canvas: Canvas, x: float, y: float, radius: float, color: Color, *, petals: int, line: float
) -> None:
    """A small guilloche rosette (a rose curve with rotated copies)."""
    steps = 24 * petals
    canvas.setStrokeColor(color)
    canvas.setLineWidth(line)
    for turn in range(4):
        path = canvas.beginPath()
        offset = turn * math.pi / (2 * petals)
        for i in range(steps + 1):
            t = 2 * math.pi * i / steps
            r = radius * (0.55 + 0.45 * abs(math.cos(petals / 2 * t)))
            point = (x + r * math.cos(t + offset), y + r * math.sin(t + offset))
            if i == 0:
                path.moveTo(*point)
            else:
                path.lineTo(*point)
        path.close()
        canvas.drawPath(path, stroke=1, fill=0)


def _ornament(canvas: Canvas, y: float, half_width: float) -> None:
    """A gold rule with a diamond in the middle."""
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.7)
    canvas.line(CENTER - half_width, y, CENTER - 7, y)
    canvas.line(CENTER + 7, y, CENTER + half_width, y)
    canvas.setFillColor(GOLD)
    path = canvas.beginPath()
    path.moveTo(CENTER - 4.5, y)
    path.lineTo(CENTER, y + 3.5)
    path.lineTo(CENTER + 4.5, y)
    path.lineTo(CENTER, y - 3.5)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _seal(canvas: Canvas, x: float, y: float, institution: str, kicker: str, year: int) -> None:
    """A round seal: the institution's name around a rosette, and the year of issue."""
    radius = 46.0
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(1.4)
    canvas.circle(x, y, radius, stroke=1, fill=0)
    canvas.setLineWidth(0.5)
    canvas.circle(x, y, radius - 3, stroke=1, fill=0)
    canvas.circle(x, y, radius - 15, stroke=1, fill=0)
    _rosette(canvas, x, y, radius - 19, GOLD, petals=12, line=0.35)
    text = f"{institution.upper()}  •  {kicker.upper()}  •  "
    size = 6.2
    text_radius = radius - 11.5
    while (
        pdfmetrics.stringWidth(text, SANS_BOLD, size) > 2 * math.pi * text_radius * 0.98
        and size > 4
    ):
        size -= 0.2
    total = pdfmetrics.stringWidth(text, SANS_BOLD, size)
    spare = (2 * math.pi * text_radius - total) / len(text)
    angle = math.pi / 2  # start at the top, run clockwise
    canvas.setFillColor(NAVY)
    for char in text:
        width = pdfmetrics.stringWidth(char, SANS_BOLD, size) + spare
        middle = angle - width / 2 / text_radius
        canvas.saveState()
        canvas.translate(x + text_radius * math.cos(middle), y + text_radius * math.sin(middle))
        canvas.rotate(math.degrees(middle) - 90)
        canvas.setFont(SANS_BOLD, size)
        canvas.drawCentredString(0, 0, char)
        canvas.restoreState()
        angle -= width / text_radius
    canvas.setFillColor(PAPER)
    canvas.circle(x, y, 12, stroke=0, fill=1)
    canvas.setFillColor(NAVY)
    canvas.setFont(SERIF_BOLD, 8.5)
    canvas.drawCentredString(x, y - 3, str(year))


def _qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as vector rectangles (runs of dark modules), with its quiet zone."""
    matrix = qr_matrix(data)
    count = len(matrix)
    module = size / (count + 8)
    canvas.setFillColor(HexColor("#FFFFFF"))
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#000000"))
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 4 + 1) * module
        start: int | None = None
        for col, dark in enumerate((*row, False)):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(x + (start + 4) * module, top, (col - start) * module, module)
                start = None
    canvas.drawPath(path, stroke=0, fill=1)


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
    _ornament(canvas, y, 60)
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

    _border(canvas)

    # Header: institution and kind of program.
    canvas.setFillColor(NAVY)
    name_size = _fit(certificate.institution_name.upper(), SERIF_BOLD, 15, 9, TEXT_WIDTH - 40)
    _spaced(canvas, certificate.institution_name.upper(), 734, SERIF_BOLD, name_size, 2.2)
    canvas.setFillColor(GREY)
    canvas.setFont(SERIF_ITALIC, 11.5)
    canvas.drawCentredString(CENTER, 715, texts["kicker"])
    _ornament(canvas, 700, 120)

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
    _seal(
        canvas,
        126,
        188,
        institution.short_name or certificate.institution_name,
        texts["kicker"],
        issued_year,
    )
    qr_size = 104.0
    qr_x, qr_y = PAGE_W - 72 - qr_size, 140.0
    _qr(canvas, url, qr_x, qr_y, qr_size)
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
