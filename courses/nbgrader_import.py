"""Import an existing nbgrader course: its source notebooks become a module's assignments.

An nbgrader course directory holds ``source/<assignment>/<notebook>.ipynb``; an nbgrader
assignment may have several notebooks, and each notebook becomes one assignment here
("<assignment> · <notebook>" when there are several). The optional gradebook database
(``gradebook.db``) contributes due dates; it is read with ``sqlite3`` directly, so importing
needs no nbgrader installation. Publishing goes through ``publish_assignment`` as always, so
every source is validated exactly like an upload. Refusals are worded in the active language
at raise time (docs/i18n.md); file names and sqlite's own messages are quoted as they are.
"""

import datetime as dt
import io
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.exceptions import PublishError

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_ARCHIVE_ENTRIES = 500


@dataclass(frozen=True)
class SourceNotebook:
    assignment: str
    notebook: str
    data: bytes

    def title(self, *, alone: bool) -> str:
        return self.assignment if alone else f"{self.assignment} · {self.notebook}"

    def slug(self, *, alone: bool) -> str:
        base = self.assignment if alone else f"{self.assignment}-{self.notebook}"
        return slugify(base)[:50] or "assignment"


def sources_in_directory(course_dir: Path) -> list[SourceNotebook]:
    source_root = course_dir / "source"
    if not source_root.is_dir():
        raise PublishError(
            _("%(directory)s has no source/ directory; is it an nbgrader course?")
            % {"directory": course_dir}
        )
    found = []
    for path in sorted(source_root.glob("*/*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        found.append(SourceNotebook(path.parent.name, path.stem, path.read_bytes()))
    return found


def sources_in_archive(data: bytes) -> list[SourceNotebook]:
    """Source notebooks from a zip of the course (or of its ``source/`` directory)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PublishError(_("This is not a zip archive of an nbgrader course.")) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ARCHIVE_ENTRIES:
            raise PublishError(
                ngettext(
                    "The archive has more than %(n)s entry.",
                    "The archive has more than %(n)s entries.",
                    MAX_ARCHIVE_ENTRIES,
                )
                % {"n": MAX_ARCHIVE_ENTRIES}
            )
        found = []
        for entry in entries:
            parts = PurePosixPath(entry.filename).parts
            if (
                entry.is_dir()
                or not entry.filename.endswith(".ipynb")
                or ".ipynb_checkpoints" in parts
            ):
                continue
            if ".." in parts or len(parts) < 2:
                continue
            # .../source/<assignment>/<notebook>.ipynb, or <assignment>/<notebook>.ipynb
            if "source" in parts and parts.index("source") != len(parts) - 3:
                continue
            if entry.file_size > MAX_NOTEBOOK_BYTES:
                raise PublishError(
                    _("%(name)s is larger than %(limit)s MB.")
                    % {"name": entry.filename, "limit": MAX_NOTEBOOK_BYTES // 1_048_576}
                )
            found.append(
                SourceNotebook(parts[-2], PurePosixPath(parts[-1]).stem, archive.read(entry))
            )
    if not found:
        raise PublishError(
            _("No source notebooks found (expected source/<assignment>/<notebook>.ipynb).")
        )
    return sorted(found, key=lambda s: (s.assignment, s.notebook))


def due_dates(gradebook: Path) -> dict[str, dt.datetime]:
    """Assignment name -> due date (UTC) from an nbgrader gradebook database."""
    try:
        connection = sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise PublishError(
            _("The gradebook could not be opened: %(error)s") % {"error": error}
        ) from error
    try:
        rows = connection.execute("SELECT name, duedate FROM assignment").fetchall()
    except sqlite3.Error as error:
        raise PublishError(
            _("This is not an nbgrader gradebook: %(error)s") % {"error": error}
        ) from error
    finally:
        connection.close()
    return {name: _utc(value) for name, value in rows if value}


def _utc(value: str) -> dt.datetime:
    # nbgrader stores naive UTC datetimes as text, e.g. "2026-12-01 17:00:00.000000".
    parsed = dt.datetime.fromisoformat(re.sub(r"\.\d+$", "", value))
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed


def grouped(sources: list[SourceNotebook]) -> Iterator[tuple[SourceNotebook, bool]]:
    """Each source with whether it is its assignment's only notebook."""
    counts: dict[str, int] = {}
    for source in sources:
        counts[source.assignment] = counts.get(source.assignment, 0) + 1
    for source in sources:
        yield source, counts[source.assignment] == 1
