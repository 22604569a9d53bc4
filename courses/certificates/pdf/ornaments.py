"""The certificate's ornaments: the guilloche border, gold rules, the round seal and the QR code,
drawn as vectors."""

import math

from reportlab.lib.colors import Color, HexColor  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from courses.certificates.pdf.style import (
    CENTER,
    GOLD,
    GUILLOCHE,
    NAVY,
    PAGE_H,
    PAGE_W,
    PAPER,
    SANS_BOLD,
    SERIF_BOLD,
)
from courses.certificates.qr import qr_matrix


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


def border(canvas: Canvas) -> None:
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


def ornament(canvas: Canvas, y: float, half_width: float) -> None:
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


def seal(canvas: Canvas, x: float, y: float, institution: str, kicker: str, year: int) -> None:
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


def qr_code(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
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
