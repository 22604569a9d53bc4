"""QR codes for certificates: inline SVG for web pages, a module matrix and PNG for documents.

Every certificate's QR code points to its absolute public verification URL
(``settings.SITE_URL`` + ``/verify/<code>/``). Nothing external is referenced: the SVG is a single
``<path>`` with presentation attributes (no ``style``, so the site's CSP allows it inline).
"""

import io
from functools import lru_cache

import segno
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from courses.certificates.credentials.vocabulary import verification_url
from courses.models import Certificate

# Medium error correction; segno raises it further when the symbol has room to spare.
ERROR_CORRECTION = "m"


@lru_cache(maxsize=256)
def make_qr(data: str) -> segno.QRCode:
    return segno.make_qr(data, error=ERROR_CORRECTION)


def qr_svg(data: str, *, scale: int = 4, label: str = "") -> SafeString:
    """An inline ``<svg>`` (no XML declaration, no namespace needed in HTML) of ``data``.

    ``label`` becomes the SVG's ``<title>`` and accessible name.
    """
    svg = make_qr(data).svg_inline(
        scale=scale,
        dark="#000",
        light="#fff",
        title=label or None,
        svgclass="qr",
        lineclass=None,
    )
    return mark_safe(  # noqa: S308 - segno's output; the title is escaped by segno
        svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
        if label
        else svg.replace("<svg ", '<svg aria-hidden="true" ', 1)
    )


def qr_png(data: str, *, scale: int = 8) -> bytes:
    """A PNG of ``data`` (black on white, with the standard quiet zone)."""
    buffer = io.BytesIO()
    make_qr(data).save(buffer, kind="png", scale=scale, dark="#000", light="#fff")
    return buffer.getvalue()


def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the symbol, row by row (True is dark), without the quiet zone."""
    return tuple(tuple(bool(module) for module in row) for row in make_qr(data).matrix)


def certificate_qr_svg(certificate: Certificate, *, scale: int = 4, label: str = "") -> SafeString:
    """The QR code of a certificate's verification URL, for its web page."""
    url = verification_url(certificate)
    return qr_svg(url, scale=scale, label=label or url)
