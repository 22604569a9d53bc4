"""Import an existing nbgrader course: its source notebooks become a module's assignments.

An nbgrader course directory holds ``source/<assignment>/<notebook>.ipynb``; an nbgrader
assignment may have several notebooks, and each such folder becomes one assignment here, with
all its notebooks (docs/grading.md, "Multi-notebook assignments"). The optional gradebook database
(``gradebook.db``) contributes due dates; it is read with ``sqlite3`` directly, so importing
needs no nbgrader installation. Publishing goes through ``publish_assignment`` as always, so
every source is validated exactly like an upload. Refusals are worded in the active language
at raise time (docs/i18n.md); file names and sqlite's own messages are quoted as they are.

``CourseSources`` is what a course brings (read from a directory or a zip): the notebooks, the
header and footer nbgrader's ``IncludeHeaderFooter`` puts around each (``framed``), the
``autotests.yml`` files for AUTOTEST directives, the course files of each assignment's folder
(``files_for``; docs/course-files.md), and every file that is skipped with why (symbolic links
are never followed, paths that leave the course are never read). The
import itself, its transactions and its report are
``submissions.publishing.services.import_nbgrader_course`` (docs/grading.md, "Importing an
nbgrader course").
"""

import datetime as dt
import io
import posixpath
import re
import sqlite3
import stat
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat
from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from courses.course_files import clean_course_path, is_clutter
from courses.exceptions import PublishError

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_ARCHIVE_ENTRIES = 500


@dataclass(frozen=True)
class SourceNotebook:
    assignment: str
    notebook: str
    data: bytes

    @property
    def path(self) -> str:
        return f"{self.assignment}/{self.notebook}.ipynb"


def assignment_slug(name: str) -> str:
    """The short name of the assignment an nbgrader assignment folder becomes."""
    return slugify(name)[:50] or "assignment"


@dataclass(frozen=True)
class Skipped:
    """A file of the course that is not imported, and why (worded for the instructor)."""

    path: str
    reason: str


@dataclass
class CourseSources:
    """What an nbgrader course brings: its source notebooks and what shapes them.

    ``header``/``footer``: the notebooks nbgrader's IncludeHeaderFooter puts around every
    notebook (``source/header.ipynb`` and ``source/footer.ipynb``, or the paths the course's
    ``nbgrader_config.py`` names), with where they came from. ``autotests``: the
    ``autotests.yml`` of an assignment's folder (by assignment name) or of the course's root
    (key ``""``), as nbgrader looks them up.
    """

    notebooks: list[SourceNotebook] = field(default_factory=list)
    header: tuple[str, bytes] | None = None
    footer: tuple[str, bytes] | None = None
    autotests: dict[str, tuple[str, str]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    # Course files by assignment name: (path inside the assignment's folder, bytes), checked
    # by ``courses.course_files.clean_course_path`` (docs/course-files.md).
    files: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)

    def assignments(self) -> Iterator[tuple[str, list[SourceNotebook]]]:
        """Each nbgrader assignment with its notebooks, by name."""
        names = sorted({source.assignment for source in self.notebooks})
        for name in names:
            yield name, [s for s in self.notebooks if s.assignment == name]

    def templates_for(self, assignment: str) -> tuple[str, str] | None:
        """(where, text) of the autotests.yml nbgrader would use for this assignment."""
        return self.autotests.get(assignment) or self.autotests.get("")

    def files_for(self, assignment: str) -> list[tuple[str, bytes]]:
        """The course files of an nbgrader assignment, by their path inside its folder."""
        return self.files.get(assignment, [])

    def skipped_in(self, assignment: str) -> list[Skipped]:
        return [s for s in self.skipped if s.path.startswith(f"{assignment}/")]

    def skipped_elsewhere(self) -> list[Skipped]:
        names = {source.assignment for source in self.notebooks}
        return [s for s in self.skipped if s.path.split("/")[0] not in names]

    def framed(self, source: SourceNotebook) -> bytes:
        """The notebook with the header's cells before and the footer's after, as nbgrader's
        generate_assignment puts them (before it instantiates AUTOTEST directives)."""
        if self.header is None and self.footer is None:
            return source.data
        try:
            notebook = _read(source.data)
            before = _read(self.header[1]).cells if self.header else []
            after = _read(self.footer[1]).cells if self.footer else []
        except ValueError as error:
            raise PublishError(
                _("%(file)s could not be read: %(error)s")
                % {"file": source.path, "error": str(error)[:300]}
            ) from None
        notebook.cells = [*before, *notebook.cells, *after]
        text: str = nbformat.writes(notebook)
        return text.encode("utf-8")


def _read(data: bytes) -> nbformat.NotebookNode:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook: nbformat.NotebookNode = nbformat.reads(data.decode("utf-8"), as_version=4)
            return notebook
    except Exception as error:  # noqa: BLE001 - any unreadable notebook is a refusal
        raise ValueError(str(error) or type(error).__name__) from None


# nbgrader's own configuration is Python and is never run here; only a literal assignment of
# the header or footer path is read from it.
_CONFIGURED = re.compile(
    r"""^\s*c\.IncludeHeaderFooter\.(header|footer)\s*=\s*(['"])([^'"]+)\2\s*$""", re.MULTILINE
)
_OUTSIDE_ASSIGNMENT = gettext_noop(
    "not imported: course files are published from an assignment's folder "
    "(source/<assignment>/…) only."
)
_LINK = gettext_noop("not imported: a symbolic link (only regular files are published).")
_ESCAPES = gettext_noop("not imported: the path leaves the course's folder.")
_MISPLACED = gettext_noop(
    "not imported: notebooks are read from source/<assignment>/<notebook>.ipynb only."
)


def _frame_paths(config: str | None) -> dict[str, str]:
    """header/footer -> path under the course root (nbgrader_config.py, else the usual place)."""
    paths = {"header": "source/header.ipynb", "footer": "source/footer.ipynb"}
    if config:
        for kind, _quote, path in _CONFIGURED.findall(config):
            paths[kind] = path.strip().lstrip("./")
    return paths


def _collect(files: dict[str, bytes | None], config: str | None) -> CourseSources:
    """Sort a course's files (path under the course root -> bytes, None for a file too large)
    into what the import uses and what it skips."""
    course = CourseSources()
    frames = _frame_paths(config)
    for kind, path in frames.items():
        data = files.get(path)
        if data is not None:
            setattr(course, kind, (path, data))
    used = {path for path in frames.values() if files.get(path) is not None}
    for path, data in sorted(files.items()):
        parts = PurePosixPath(path).parts
        if path in used or path == "nbgrader_config.py" or parts[0] != "source":
            continue
        inner = "/".join(parts[1:])
        if len(parts) == 3 and parts[2] == "autotests.yml" and data is not None:
            course.autotests[parts[1]] = (inner, data.decode("utf-8", "replace"))
            continue
        if data is None:
            course.skipped.append(
                Skipped(
                    inner,
                    _("not imported: larger than %(limit)s MB.")
                    % {"limit": MAX_NOTEBOOK_BYTES // 1_048_576},
                )
            )
        elif len(parts) == 3 and parts[2].endswith(".ipynb"):
            course.notebooks.append(SourceNotebook(parts[1], PurePosixPath(parts[2]).stem, data))
        elif path.endswith(".ipynb"):
            course.skipped.append(Skipped(inner, _(_MISPLACED)))
        elif len(parts) < 3:
            course.skipped.append(Skipped(inner, _(_OUTSIDE_ASSIGNMENT)))
        else:
            _add_course_file(course, parts[1], "/".join(parts[2:]), data)
    if "autotests.yml" in files and "" not in course.autotests:
        # nbgrader's fallback: the autotests.yml in the course's root directory.
        root = files["autotests.yml"] or b""
        course.autotests[""] = ("autotests.yml", root.decode("utf-8", "replace"))
    if not course.notebooks:
        raise PublishError(
            _("No source notebooks found (expected source/<assignment>/<notebook>.ipynb).")
        )
    return course


def _add_course_file(course: CourseSources, assignment: str, path: str, data: bytes) -> None:
    """A file of an assignment's folder becomes a course file, or is skipped with why."""
    inner = f"{assignment}/{path}"
    try:
        clean = clean_course_path(path)
    except PublishError as error:
        course.skipped.append(Skipped(inner, _("not imported: %(why)s") % {"why": error.message}))
        return
    if len(data) > settings.COURSE_FILE_MAX_BYTES:
        course.skipped.append(
            Skipped(
                inner,
                _("not imported: larger than %(limit)s MB.")
                % {"limit": settings.COURSE_FILE_MAX_BYTES // 1_048_576},
            )
        )
        return
    course.files.setdefault(assignment, []).append((clean, data))


def course_in_directory(course_dir: Path) -> CourseSources:
    """An nbgrader course directory (the one with ``source/``)."""
    source_root = course_dir / "source"
    if not source_root.is_dir():
        raise PublishError(
            _("%(directory)s has no source/ directory; is it an nbgrader course?")
            % {"directory": course_dir}
        )
    files: dict[str, bytes | None] = {}
    links: list[Skipped] = []
    for path in sorted(source_root.rglob("*")):
        relative = path.relative_to(course_dir)
        if is_clutter(relative.parts):
            continue
        if path.is_symlink():
            # A link is never followed: it could point at any file of the server.
            links.append(Skipped(relative.relative_to("source").as_posix(), _(_LINK)))
            continue
        if not path.is_file():
            continue
        size = path.stat().st_size
        files[relative.as_posix()] = path.read_bytes() if size <= MAX_NOTEBOOK_BYTES else None
    if (course_dir / "autotests.yml").is_file():
        files["autotests.yml"] = (course_dir / "autotests.yml").read_bytes()
    config_file = course_dir / "nbgrader_config.py"
    config = config_file.read_text("utf-8", "replace") if config_file.is_file() else None
    for frame in _frame_paths(config).values():
        target = course_dir / frame
        if (
            frame not in files
            and target.is_file()
            and target.resolve().is_relative_to(course_dir.resolve())
        ):
            files[frame] = target.read_bytes()
    course = _collect(files, config)
    course.skipped += links
    return course


def _bounded_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's entries, refused (``PublishError``) beyond ``MAX_ARCHIVE_ENTRIES``."""
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
    return entries


def course_in_archive(data: bytes) -> CourseSources:
    """A zip of the course directory (or of its ``source/`` folder)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PublishError(_("This is not a zip archive of an nbgrader course.")) from None
    with archive:
        entries = _bounded_entries(archive)
        found = [
            (entry, PurePosixPath(entry.filename).parts) for entry in entries if not entry.is_dir()
        ]
        refused = [
            Skipped(entry.filename[:200], _(_LINK) if _is_link(entry) else _(_ESCAPES))
            for entry, parts in found
            if _is_link(entry) or _escapes(entry.filename, parts)
        ]
        found = [
            (e, parts)
            for e, parts in found
            if not (_is_link(e) or _escapes(e.filename, parts) or is_clutter(parts))
        ]
        # The course's root is the folder holding source/; a zip of source/ itself has none.
        roots = [parts[: parts.index("source")] for _e, parts in found if "source" in parts[:-1]]
        root = min(roots, key=len) if roots else None
        files: dict[str, bytes | None] = {}
        for entry, parts in found:
            if root is None:
                inner = ("source", *parts)
            elif parts[: len(root)] == root:
                inner = parts[len(root) :]
            else:
                continue
            files["/".join(inner)] = (
                None if entry.file_size > MAX_NOTEBOOK_BYTES else archive.read(entry)
            )
    config = files.get("nbgrader_config.py")
    course = _collect(files, None if config is None else config.decode("utf-8", "replace"))
    course.skipped += refused
    return course


def _is_link(entry: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(entry.external_attr >> 16)


def _escapes(name: str, parts: tuple[str, ...]) -> bool:
    """An absolute path, a drive, a backslash or ``..``: a name no course file may have."""
    return name.startswith("/") or "\\" in name or ":" in name or ".." in parts


@dataclass(frozen=True)
class FolderArchive:
    """The notebooks of a zipped nbgrader assignment folder, by file name in the order of their
    names, the folder they sit in (``folder``: the notebooks' common folder in the zip, "" at
    its top) and the zip's other files (entry names, which the caller uses or reports, never
    drops silently)."""

    notebooks: list[tuple[str, bytes]]
    other_files: list[str]
    folder: str = ""

    def in_folder(self, name: str) -> str | None:
        """An other file's path relative to the notebooks' folder, as a course file's path
        is (``images/fig.png``); None for a file outside that folder."""
        if not self.folder:
            return name
        prefix = self.folder + "/"
        return name.removeprefix(prefix) if name.startswith(prefix) else None


def folder_in_archive(data: bytes, *, max_notebook_bytes: int) -> FolderArchive:
    """An nbgrader assignment folder as a zip (``ps1/problem1.ipynb``, ``ps1/problem2.ipynb``,
    or the notebooks at the top): what an instructor publishes and a participant hands in.
    Notebooks are known by their file name, wherever in the zip they are; Jupyter's
    checkpoints and hidden files are ignored. ``PublishError`` for what is not such a zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PublishError(_("This is not a zip archive.")) from None
    notebooks: dict[str, bytes] = {}
    paths: list[str] = []  # where the notebooks are in the zip
    others: list[str] = []
    with archive:
        for entry in _bounded_entries(archive):
            if entry.is_dir():
                continue
            parts = PurePosixPath(entry.filename).parts
            if not parts or ".." in parts or is_clutter(parts):
                continue
            name, path = parts[-1], "/".join(parts).lstrip("/")
            if not name.endswith(".ipynb"):
                others.append(path)
                continue
            if name in notebooks:
                raise PublishError(
                    _("The archive holds two notebooks named “%(name)s”.") % {"name": name}
                )
            if entry.file_size > max_notebook_bytes:
                raise PublishError(
                    _("“%(name)s” is larger than %(limit)s MB.")
                    % {"name": name, "limit": max(1, max_notebook_bytes // 1_048_576)}
                )
            paths.append(path)
            try:
                notebooks[name] = archive.read(entry)
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
                # Corrupt, encrypted or compressed in a way zipfile cannot read.
                raise PublishError(
                    _("“%(name)s” in the archive could not be read.") % {"name": name}
                ) from None
    if not notebooks:
        raise PublishError(_("The archive holds no notebook (.ipynb)."))
    folder = posixpath.commonpath([posixpath.dirname(path) for path in paths])
    return FolderArchive(
        notebooks=sorted(notebooks.items()), other_files=sorted(others), folder=folder
    )


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
