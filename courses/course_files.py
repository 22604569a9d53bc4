"""Course files: the non-notebook files of an assignment (images, data, helper modules) that are
published with a version and staged beside its notebook (docs/course-files.md).

This module holds the rules every path shares and that need nothing of the submissions app:
which paths are acceptable (``clean_course_path``: from the publish page, the API or an
nbgrader archive alike), the release zip (``release_zip``) and which files are images a
rendered notebook may show (``image_type``). Storing and the caps are
``submissions.publishing.course_files``; staging for the kernel is
``submissions.grading.engine.stage_course_files``.
"""

import io
import re
import zipfile
from collections.abc import Collection, Sequence
from pathlib import PurePosixPath

from django.utils.translation import gettext as _

from courses.exceptions import PublishError

# One part of a path: letters, digits and ._+- (spaces inside), never a leading dot (hidden
# files, "." and ".."), at most 100 characters.
_PART = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9 ._+-]{0,98}[A-Za-z0-9._+-])?$")
MAX_DEPTH = 6
MAX_PATH = 200
_IMAGES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


def clean_course_path(raw: str) -> str:
    """The path a course file is stored and staged under, or ``PublishError`` saying why not.

    Relative to the notebook's folder, with ``/`` between folders; a leading ``./`` is
    dropped. Refused: absolute paths, ``..``, hidden parts, anything outside the few
    characters every file system and zip tool agrees on, notebooks (they are published as
    notebooks) and folders deeper than ``MAX_DEPTH``.
    """
    text = raw.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    parts = text.split("/")
    problem = ""
    if not text or text.startswith("/") or len(text) > MAX_PATH or len(parts) > MAX_DEPTH:
        problem = _("use a relative path of at most %(n)s characters and %(depth)s levels") % {
            "n": MAX_PATH,
            "depth": MAX_DEPTH,
        }
    elif any(not _PART.match(part) for part in parts):
        problem = _(
            "use letters, digits, dots, dashes and underscores only; no part may start with a "
            "dot or be “..”"
        )
    elif text.lower().endswith(".ipynb"):
        problem = _("notebooks are not course files")
    if problem:
        raise PublishError(
            _("“%(name)s” cannot be a course file: %(problem)s.")
            % {"name": raw[:120], "problem": problem}
        )
    return text


def is_clutter(parts: Sequence[str]) -> bool:
    """Folders tools leave behind (macOS's ``__MACOSX``, Jupyter's checkpoints, Python's
    caches): never course files, left out without a word."""
    return any(
        part in ("__MACOSX", "__pycache__", ".ipynb_checkpoints")
        or (part.startswith(".") and part not in (".", ".."))  # ".." is refused, not ignored
        for part in parts
    )


def clashing_paths(paths: Sequence[str]) -> list[str]:
    """Paths that are also the folder of another path ("data" and "data/x.csv"), or that
    differ only in case (the same file on macOS and Windows): such a set cannot be staged or
    unpacked faithfully."""
    seen: dict[str, str] = {}
    clashes = []
    for path in paths:
        if path.lower() in seen:
            clashes.append(path)
        seen[path.lower()] = path
    folders = {str(parent).lower() for path in paths for parent in PurePosixPath(path).parents}
    clashes += [path for path in paths if path.lower() in folders]
    return clashes


def course_file_clashes(course_files: Sequence[str], taken: Collection[str]) -> list[str]:
    """The course files that are not staged because a participant's own file (or the
    notebook) has their name, or the name of one of their folders: the participant's own data
    wins (docs/course-files.md, "Which file wins"). The grader, the upload and the submission
    page all ask this one rule."""
    return [
        path
        for path in course_files
        if path in taken or any(str(parent) in taken for parent in PurePosixPath(path).parents)
    ]


def image_type(head: bytes) -> str | None:
    """The MIME type of a PNG, JPEG or GIF by its first bytes (never by its name)."""
    for signature, mime in _IMAGES.items():
        if head.startswith(signature):
            return mime
    return None


def release_zip(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip of the release notebook(s) and the course files, under their (checked) names.

    Names are written as given after one more check (a notebook's name is the assignment's
    slug plus ``.ipynb``; course files passed ``clean_course_path`` when published), so an
    archive never holds an absolute path, a ``..`` or a hidden file.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            parts = PurePosixPath(name).parts
            if not parts or name.startswith("/") or any(not _PART.match(p) for p in parts):
                raise ValueError(f"unsafe name in a release zip: {name!r}")
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
