"""CSV that spreadsheets open safely: exports of names and free text (gradebook, certificates)."""

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_PREFIXES = frozenset({"=", "+", "-", "@", "\t", "\r"})


def spreadsheet_text(value: str) -> str:
    """Neutralise spreadsheet formulas: a name like ``=HYPERLINK(...)`` stays text in Excel.

    A leading apostrophe is what spreadsheets themselves use to mark a cell as text; it is
    added only where a formula could start, so ordinary values are unchanged.
    """
    return f"'{value}" if value[:1] in FORMULA_PREFIXES else value
