"""Participants' own data files ("bring your own data"): names and contents we accept.

A data file lands in the grading kernel's working directory under the name the participant
gave it, so the name is the one thing about a file the notebook relies on: it must be a plain
file name (no directories, no leading dot, no characters a shell or file system treats
specially) and must not collide with the notebook. The content must match the type its
extension claims; the client's content type is never trusted.
"""

import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from submissions.intake.text import excess

# Extension -> (kind, how its first bytes must look). Text kinds are checked for NUL bytes
# and UTF-8 (or its common Windows fallbacks) instead of a signature.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "parquet": (b"PAR1",),
    "xlsx": (b"PK\x03\x04",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
}
_TEXT = {"csv", "tsv", "json", "txt"}
KNOWN_TYPES = frozenset(_SIGNATURES) | _TEXT
RESERVED_NAMES = frozenset({"submission.ipynb"})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SNIFF = 64 * 1024


class DataFileRejected(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DataFileCheck:
    name: str
    kind: str


def clean_name(raw_name: str) -> str:
    """The file's own name, without any directory a browser or client put in front of it."""
    name = raw_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not _NAME.match(name) or ".." in name:
        raise DataFileRejected(
            _(
                "“%(name)s” is not a usable file name: use letters, digits, dots, dashes and "
                "underscores only (at most 100 characters, not starting with a dot)."
            )
            % {"name": name or raw_name}
        )
    if name.lower() in RESERVED_NAMES or name.lower().endswith(".ipynb"):
        raise DataFileRejected(
            _("“%(name)s” is reserved for the notebook; rename the data file.") % {"name": name}
        )
    return name


def check_data_file(
    *, name: str, size: int, head: bytes, allowed_types: list[str], max_bytes: int
) -> DataFileCheck:
    """Check one file's name, type and size; ``head`` is its first bytes (64 KiB suffice)."""
    clean = clean_name(name)
    extension = clean.rsplit(".", 1)[-1].lower() if "." in clean else ""
    allowed = {t.lower().lstrip(".") for t in allowed_types}
    if "jpg" in allowed:
        allowed.add("jpeg")
    if extension not in allowed or extension not in KNOWN_TYPES:
        kinds = ", ".join(sorted(allowed & KNOWN_TYPES))
        if not kinds:
            raise DataFileRejected(
                _("“%(name)s”: this assignment accepts no data files.") % {"name": clean}
            )
        raise DataFileRejected(
            _("“%(name)s”: files of this type are not accepted here (allowed: %(kinds)s).")
            % {"name": clean, "kinds": kinds}
        )
    if size > max_bytes:
        raise DataFileRejected(
            _("“%(name)s” is %(size)s, %(over)s more than the %(limit)s a data file may have.")
            % {"name": clean, **excess(size, max_bytes)}
        )
    if size == 0:
        raise DataFileRejected(_("“%(name)s” is empty.") % {"name": clean})
    if extension in _TEXT:
        _check_text(clean, head)
    elif not head.startswith(_SIGNATURES[extension]):
        raise DataFileRejected(
            _(
                "“%(name)s” does not look like a .%(extension)s file (its contents do not match "
                "its extension). Export it again from the program that made it."
            )
            % {"name": clean, "extension": extension}
        )
    return DataFileCheck(name=clean, kind=extension)


def _check_text(name: str, head: bytes) -> None:
    if b"\x00" in head:
        raise DataFileRejected(
            _("“%(name)s” is not a text file (it contains binary data).") % {"name": name}
        )
    for encoding in ("utf-8", "cp1252"):
        try:
            # The cut at 64 KiB may split a multi-byte character: ignore an incomplete tail.
            head.decode(encoding) if encoding != "utf-8" else head.decode("utf-8", errors="strict")
            return
        except UnicodeDecodeError as error:
            if encoding == "utf-8" and error.start >= len(head) - 3:
                return
    raise DataFileRejected(
        _("“%(name)s” is not readable text (save it as UTF-8).") % {"name": name}
    )


def read_head(handle: IO[bytes]) -> bytes:
    head = handle.read(_SNIFF)
    handle.seek(0)
    return head


def xlsx_is_workbook(handle: IO[bytes]) -> bool:
    """An .xlsx is a zip holding ``xl/workbook.xml``; any other zip is refused."""
    try:
        with zipfile.ZipFile(handle) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        handle.seek(0)
