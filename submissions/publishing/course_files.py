"""Course files published with an assignment version: checked, stored as content-addressed
blobs and attached to the version (docs/course-files.md).

Every path that publishes (the publish page, the API, the nbgrader import) turns what it has
into ``CourseFile``s with ``store_course_files`` *before* its transaction (blobs first, rows
after: a crash leaves at most an orphan blob, swept by ``submissions.orphans``), passes them
to the publishing service, which attaches them to the new version with
``attach_course_files``. The AUTOTEST kernel at publish time and the grader stage them
through ``staged``.
"""

import io
import stat
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.course_files import clashing_paths, clean_course_path, is_clutter
from courses.exceptions import PublishError
from courses.models import AssignmentFile, AssignmentVersion
from courses.nbgrader_import import FolderArchive
from platform.blobs import blob_path, put_bytes
from submissions.intake.text import excess, file_size


@dataclass(frozen=True)
class CourseFile:
    """A checked course file whose bytes are stored (``sha256`` names the blob)."""

    path: str
    sha256: str
    size: int


def check_course_files(files: Sequence[tuple[str, int]]) -> list[str]:
    """The clean paths of (name, size) pairs, or ``PublishError`` naming the first problem:
    a bad name, a clash, too many files, a file or the whole set too large."""
    paths = [clean_course_path(name) for name, _size in files]
    clashes = clashing_paths(paths)
    if clashes:
        raise PublishError(
            _(
                "“%(name)s” clashes with another course file (the same name in another case, "
                "or a file named like a folder)."
            )
            % {"name": clashes[0]}
        )
    if len(paths) > settings.COURSE_FILES_MAX_COUNT:
        raise _too_many(len(paths))
    for path, (_name, size) in zip(paths, files, strict=True):
        if size > settings.COURSE_FILE_MAX_BYTES:
            raise _too_large(path, size)
    _check_total(sum(size for _name, size in files))
    return paths


def _check_total(total: int) -> None:
    if total > settings.COURSE_FILES_MAX_BYTES:
        raise PublishError(
            _("The course files have %(size)s together, more than the %(limit)s allowed.")
            % {"size": file_size(total), "limit": file_size(settings.COURSE_FILES_MAX_BYTES)}
        )


def _too_many(given: int) -> PublishError:
    limit = settings.COURSE_FILES_MAX_COUNT
    return PublishError(
        ngettext(
            "An assignment may have at most %(n)s course file (%(given)s given).",
            "An assignment may have at most %(n)s course files (%(given)s given).",
            limit,
        )
        % {"n": limit, "given": given}
    )


def _too_large(name: str, size: int) -> PublishError:
    return PublishError(
        _("“%(name)s” is %(size)s, %(over)s more than the %(limit)s a course file may have.")
        % {"name": name, **excess(size, settings.COURSE_FILE_MAX_BYTES)}
    )


def uploaded_course_files(uploads: Iterable[IO[bytes]]) -> list[tuple[str, bytes]]:
    """(name, bytes) of the files an instructor uploaded: a ``.zip`` is unpacked with its
    folders (``images/fig.png``), any other file keeps its own name. A file over the cap is
    refused before it is read; a symbolic link or a path leaving the folder refuses the zip
    (``PublishError``). Folders of tools (``__MACOSX``, hidden files) are left out, as the
    nbgrader import leaves them."""
    files: list[tuple[str, bytes]] = []
    for upload in uploads:
        name = str(getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
        size = int(getattr(upload, "size", 0) or 0)
        if name.lower().endswith(".zip"):
            files += _unpacked(name, upload.read(settings.COURSE_FILES_MAX_BYTES + 1))
        elif size > settings.COURSE_FILE_MAX_BYTES:
            raise _too_large(name, size)
        else:
            files.append((name, upload.read()))
    return files


def folder_course_files(data: bytes, folder: FolderArchive) -> list[tuple[str, bytes]]:
    """(path, bytes) of the files of a zipped assignment folder that are not its notebooks:
    published as course files of the version, by their path relative to the notebooks'
    folder, with the checks of an uploaded zip (``uploaded_course_files``). Files outside
    that folder are not read (``folder.other_files`` still names them)."""
    return _unpacked("", data, folder=folder)


def _unpacked(
    archive_name: str, data: bytes, *, folder: FolderArchive | None = None
) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PublishError(_("“%(name)s” is not a zip archive.") % {"name": archive_name}) from None
    files = []
    with archive:
        entries = [
            e
            for e in archive.infolist()
            if not e.is_dir() and not is_clutter(PurePosixPath(e.filename.replace("\\", "/")).parts)
        ]
        if folder is not None:
            # An assignment folder: its notebooks are published as notebooks, not read here.
            wanted = {name: folder.in_folder(name) for name in folder.other_files}
            names = [(e, wanted.get(_entry_path(e.filename))) for e in entries]
            entries = [e for e, inside in names if inside is not None]
        if len(entries) > settings.COURSE_FILES_MAX_COUNT:
            raise _too_many(len(entries))
        # Before a byte is unpacked (zipfile never unpacks more than an entry's stated size).
        _check_total(sum(entry.file_size for entry in entries))
        for entry in entries:
            if stat.S_ISLNK(entry.external_attr >> 16):
                raise PublishError(
                    _("“%(name)s” is a symbolic link; only regular files can be course files.")
                    % {"name": entry.filename[:120]}
                )
            name = entry.filename
            if folder is not None:
                name = folder.in_folder(_entry_path(name)) or name
            path = clean_course_path(name)  # refuses "..", absolute paths, drives
            if entry.file_size > settings.COURSE_FILE_MAX_BYTES:
                raise _too_large(path, entry.file_size)
            try:
                files.append((path, archive.read(entry)))
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
                raise PublishError(
                    _("“%(name)s” could not be read from the zip: %(error)s")
                    % {"name": path, "error": str(error)[:200]}
                ) from None
    return files


def _entry_path(filename: str) -> str:
    """A zip entry's name as ``folder_in_archive`` lists it (``./`` and a leading ``/``
    dropped)."""
    return "/".join(PurePosixPath(filename).parts).lstrip("/")


def store_course_files(files: Sequence[tuple[str, bytes]]) -> list[CourseFile]:
    """Check (``check_course_files``) and store (name, bytes) pairs; nothing is stored when
    one of them is refused."""
    paths = check_course_files([(name, len(data)) for name, data in files])
    return [
        CourseFile(path=path, sha256=put_bytes(data), size=len(data))
        for path, (_name, data) in zip(paths, files, strict=True)
    ]


def attach_course_files(*, version: AssignmentVersion, files: Sequence[CourseFile]) -> None:
    """Give a new version its course files (inside the publishing transaction)."""
    AssignmentFile.objects.bulk_create(
        AssignmentFile(version=version, path=f.path, sha256=f.sha256, size=f.size) for f in files
    )


def files_of(version: AssignmentVersion | None) -> list[CourseFile]:
    """A version's course files, e.g. to carry them over to the next version."""
    if version is None:
        return []
    return [CourseFile(path=f.path, sha256=f.sha256, size=f.size) for f in version.files.all()]


def staged(files: Sequence[CourseFile]) -> list[tuple[str, Path]]:
    """(path, blob on disk) pairs, as ``submissions.grading.engine.stage_course_files`` takes
    them."""
    return [(f.path, Path(blob_path(f.sha256))) for f in files]
