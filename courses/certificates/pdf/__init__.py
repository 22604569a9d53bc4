"""The printable certificate: one A4 page in the program's language (German or English).

Drawn with reportlab on a canvas: a guilloche border, the institution, the holder, the program,
the grade, the date, a seal, and the verification code with a vector QR code that points to the
public verification page (``settings.SITE_URL`` + ``/verify/<code>/``). The DejaVu fonts that ship
with matplotlib are embedded (subsets), so the PDF looks the same everywhere and its text can be
searched and copied.

A revoked or superseded certificate is still rendered (its holder may need the record), but
marked unmistakably: a red banner that says since when and why it is no longer valid, and a
large diagonal "REVOKED"/"SUPERSEDED" across the page. The QR code leads to the same verdict.

Entry point: ``render.render_certificate_pdf``. Underneath: ``texts`` (the wording, dates and
grades in each language), ``style`` (fonts, colours, the page) and ``ornaments`` (the border,
rules, seal and QR code).
"""
