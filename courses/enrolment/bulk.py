"""Bulk enrolment from a CSV or .xlsx file: read it, plan each row (the dry run), apply the plan
(docs/enrolment.md, "Bulk enrolment").

Reading never evaluates anything: a spreadsheet cell holding a formula makes its row bad, and
text starting with ``=``, ``+``, ``-`` or ``@`` stays plain text (shown escaped on the page, and
passed through ``spreadsheet_text`` wherever it is written to a spreadsheet again).
The plan is a list of plain dicts so the page can keep it server-side (in the session, with
its digest) and the confirmation applies exactly what was shown.
"""

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from courses.enrolment.services import AlreadyEnrolled, invite
from courses.exceptions import CoursesError
from courses.models import Cohort, Enrollment
from platform.models import User

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
# Columns read from a workbook's rows (the five known ones may be anywhere among them).
MAX_COLUMNS = 50

# Header names, compared case-insensitively after trimming (English and German).
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "vollständiger name", "vor- und nachname"),
    "email": ("e-mail", "email", "e-mail address", "email address", "mail", "e-mail-adresse"),
    "language": ("language", "sprache"),
    "cohort": ("cohort", "kohorte", "durchgang"),
    "organisation": (
        "organisation",
        "organization",
        "institution",
        "firma",
        "unternehmen",
        "arbeitgeber",
    ),
}
REQUIRED = ("name", "email")
LANGUAGES = {
    "": "",
    "en": "en",
    "english": "en",
    "englisch": "en",
    "de": "de",
    "german": "de",
    "deutsch": "de",
}


class BulkFileError(CoursesError):
    """The file as a whole cannot be read (size, format, header, row count)."""


class Outcome:
    NEW_ACCOUNT = "new_account"
    EXISTING_ACCOUNT = "existing_account"
    ALREADY_ENROLLED = "already_enrolled"
    BAD_EMAIL = "bad_email"
    DUPLICATE = "duplicate"
    UNKNOWN_COHORT = "unknown_cohort"
    BAD_LANGUAGE = "bad_language"
    FORMULA = "formula"
    MISSING_NAME = "missing_name"

    APPLIED = frozenset({NEW_ACCOUNT, EXISTING_ACCOUNT})
    LABELS = {
        NEW_ACCOUNT: gettext_lazy("new account, invited"),
        EXISTING_ACCOUNT: gettext_lazy("existing account, invited"),
        ALREADY_ENROLLED: gettext_lazy("already enrolled: skipped"),
        BAD_EMAIL: gettext_lazy("bad e-mail address: skipped"),
        DUPLICATE: gettext_lazy("duplicate row: skipped"),
        UNKNOWN_COHORT: gettext_lazy("unknown cohort: skipped"),
        BAD_LANGUAGE: gettext_lazy("unknown language (use en or de): skipped"),
        FORMULA: gettext_lazy("a cell holds a formula: skipped"),
        MISSING_NAME: pgettext_lazy("bulk enrolment", "name missing: skipped"),
    }


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    email: str
    language: str
    cohort: str
    organisation: str
    has_formula: bool = False


@dataclass(frozen=True)
class PlannedRow:
    line: int
    name: str
    email: str
    language: str
    cohort_name: str
    cohort_id: int | None
    organisation: str
    outcome: str
    detail: str = ""

    @property
    def applies(self) -> bool:
        return self.outcome in Outcome.APPLIED

    @property
    def label(self) -> str:
        return str(Outcome.LABELS[self.outcome])


# --- reading ------------------------------------------------------------------------------------


def read_rows(name: str, data: bytes) -> list[Row]:
    """The rows of an uploaded file (.xlsx by name or content, otherwise CSV)."""
    if len(data) > MAX_BYTES:
        raise BulkFileError(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if name.lower().endswith(".xlsx") or data[:2] == b"PK":
        table = _xlsx_cells(data)
    else:
        table = _csv_cells(data)
    return _rows(table)


def _csv_cells(data: bytes) -> Iterable[list[tuple[str, bool]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BulkFileError(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” or as an Excel workbook (.xlsx).")
        ) from None
    if "\x00" in text:
        raise BulkFileError(_("This is no CSV file. Upload a CSV file or an .xlsx workbook."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise BulkFileError(
            _("The CSV file cannot be read: %(error)s") % {"error": error}
        ) from None
    return ([(cell, False) for cell in row] for row in rows)


def _xlsx_cells(data: bytes) -> Iterable[list[tuple[str, bool]]]:
    from openpyxl import load_workbook  # imported on use: only bulk enrolment reads workbooks

    unreadable = BulkFileError(
        _("The workbook cannot be read. Save it as an Excel workbook (.xlsx) or as CSV.")
    )
    try:
        # read_only streams the sheet; data_only=False keeps formulas as formulas (data type
        # "f"), which are refused, never evaluated or replaced by a cached result.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - whatever breaks in an untrusted workbook, it is unreadable
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0]
        table = []
        for index, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS)):
            if index > MAX_ROWS + 1:
                break
            table.append([_xlsx_cell(cell) for cell in row])
    except Exception:  # noqa: BLE001 - as above: a broken sheet inside a valid archive
        raise unreadable from None
    finally:
        workbook.close()
    return table


def _xlsx_cell(cell: Any) -> tuple[str, bool]:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", "") == "f":
        return "", True
    if value is None:
        return "", False
    return str(value), False


def _rows(table: Iterable[list[tuple[str, bool]]]) -> list[Row]:
    lines = iter(table)
    header = next(lines, None)
    if header is None:
        raise BulkFileError(_("The file is empty."))
    columns = _columns([text for text, _formula in header])
    rows: list[Row] = []
    for number, cells in enumerate(lines, start=2):
        if not any(text.strip() or formula for text, formula in cells):
            continue  # blank lines are no rows
        if len(rows) >= MAX_ROWS:
            raise BulkFileError(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": MAX_ROWS}
            )

        def value(key: str, cells: list[tuple[str, bool]] = cells) -> str:
            index = columns.get(key)
            if index is None or index >= len(cells):
                return ""
            return " ".join(cells[index][0].split())

        rows.append(
            Row(
                line=number,
                name=value("name")[:150],
                email=value("email")[:254],
                language=value("language")[:20],
                cohort=value("cohort")[:100],
                organisation=value("organisation")[:200],
                has_formula=any(formula for _text, formula in cells),
            )
        )
    if not rows:
        raise BulkFileError(_("The file has a header but no rows."))
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    names = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        key = names.get(" ".join(text.split()).lower())
        if key is not None and key not in columns:
            columns[key] = index
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise BulkFileError(
            _(
                "The first line must name the columns: name, e-mail, and optionally language, "
                "cohort, organisation (in English or German). Missing: %(missing)s."
            )
            % {"missing": ", ".join(missing)}
        )
    return columns


# --- planning -----------------------------------------------------------------------------------


def plan(rows: list[Row], *, cohort: Cohort) -> list[PlannedRow]:
    """What applying each row would do, in the cohort named by its cohort column (a cohort of
    the same program, by name, case-insensitively) or else ``cohort``. Reads the database in a
    fixed number of queries, whatever the number of rows."""
    cohorts = {c.name.strip().lower(): c for c in Cohort.objects.filter(program=cohort.program)}
    emails = {row.email.lower() for row in rows if row.email}
    accounts: dict[str, User] = {}
    # The oldest account of an address wins, as in ``find_account``.
    for user in (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .order_by("-pk")
    ):
        accounts[user.email.lower()] = user
    places = {
        (e.user_id, e.cohort_id): e
        for e in Enrollment.objects.filter(
            cohort__program=cohort.program, user__in=[u.pk for u in accounts.values()]
        )
    }
    seen: set[tuple[str, int]] = set()
    planned = []
    for row in rows:
        target = cohorts.get(row.cohort.lower()) if row.cohort else cohort
        outcome, detail = _outcome(row, target, accounts, places, seen)
        planned.append(
            PlannedRow(
                line=row.line,
                name=row.name,
                email=row.email,
                language=LANGUAGES.get(row.language.lower(), row.language),
                cohort_name=target.name if target else row.cohort,
                cohort_id=target.pk if target else None,
                organisation=row.organisation,
                outcome=outcome,
                detail=detail,
            )
        )
    return planned


def _outcome(
    row: Row,
    target: Cohort | None,
    accounts: dict[str, User],
    places: dict[tuple[int, int], Enrollment],
    seen: set[tuple[str, int]],
) -> tuple[str, str]:
    if row.has_formula:
        return Outcome.FORMULA, ""
    try:
        validate_email(row.email)
    except ValidationError:
        return Outcome.BAD_EMAIL, ""
    if target is None:
        return Outcome.UNKNOWN_COHORT, ""
    if row.language.lower() not in LANGUAGES:
        return Outcome.BAD_LANGUAGE, ""
    key = (row.email.lower(), target.pk)
    if key in seen:
        return Outcome.DUPLICATE, ""
    seen.add(key)
    account = accounts.get(row.email.lower())
    if account is None:
        if not row.name:
            return Outcome.MISSING_NAME, ""
        return Outcome.NEW_ACCOUNT, ""
    place = places.get((account.pk, target.pk))
    if place is not None and place.status != Enrollment.Status.WITHDRAWN:
        return Outcome.ALREADY_ENROLLED, str(place.get_status_display())
    return Outcome.EXISTING_ACCOUNT, account.full_name


def as_session(planned: list[PlannedRow]) -> dict[str, Any]:
    """The plan as the session keeps it, with the digest the confirmation must repeat."""
    rows = [asdict(row) for row in planned]
    return {"rows": rows, "digest": digest(rows)}


def digest(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def from_session(stored: Any, *, confirmed_digest: str) -> list[PlannedRow] | None:
    """The stored plan, if it is the one the confirmation names (and intact)."""
    if not isinstance(stored, dict) or not isinstance(stored.get("rows"), list):
        return None
    rows = stored["rows"]
    if stored.get("digest") != confirmed_digest or digest(rows) != confirmed_digest:
        return None
    return [PlannedRow(**row) for row in rows]


# --- applying -----------------------------------------------------------------------------------


class PlanOutdated(CoursesError):
    """Someone's place changed between the dry run and the confirmation."""


@transaction.atomic
def apply_plan(planned: list[PlannedRow], *, cohort: Cohort, by: User) -> int:
    """Invite every row the plan marks as invited, all or nothing. The invitations are stored
    in the outgoing-mail queue, which the worker sends (within a minute) once this commits.
    Returns the number invited."""
    cohorts = {
        c.pk: c for c in Cohort.objects.filter(program=cohort.program).select_related("program")
    }
    invited = 0
    for row in planned:
        if not row.applies:
            continue
        target = cohorts.get(row.cohort_id or 0)
        if target is None:
            raise PlanOutdated(_("A cohort of the plan no longer exists. Run the dry run again."))
        is_new = row.outcome == Outcome.NEW_ACCOUNT
        try:
            result = invite(
                cohort=target,
                email=row.email,
                full_name=row.name,
                language=row.language,
                organisation=row.organisation,
                invited_by=by,
                # Hundreds of mails: the worker sends them, not this request.
                deliver_now=False,
            )
        except AlreadyEnrolled:
            raise PlanOutdated(
                _("Line %(line)s: %(email)s was enrolled since the dry run. Run it again.")
                % {"line": row.line, "email": row.email}
            ) from None
        if result.created_account != is_new:
            raise PlanOutdated(
                _(
                    "Line %(line)s: the account of %(email)s changed since the dry run. Run it again."
                )
                % {"line": row.line, "email": row.email}
            )
        invited += 1
    return invited
