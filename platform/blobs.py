"""Content-addressed, immutable storage of uploaded bytes (notebooks, data files).

The storage is the ``private`` entry of ``STORAGES``, a local directory that has no URL; a
remote django-storages backend would need its own atomic write (docs/operations.md).

A blob is named by the SHA-256 of its bytes, so identical uploads are stored once and a stored
file can never change under a database row that names it. Callers write the blob *before* the
row that refers to it (inside or before the transaction): a crash in between leaves at most an
unreferenced file, never a row without a file. Such orphans are removed by ``sweep_orphans``
(which rows name a blob is the apps' knowledge, ``submissions/orphans.py``; docs/operations.md).
"""

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

CHUNK = 1024 * 1024
_INCOMING = ".incoming-"
_DOOMED = ".doomed-"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _storage() -> Storage:
    return storages["private"]


def blob_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_bytes(data: bytes) -> str:
    """Store ``data`` (if not stored yet) and return its SHA-256."""
    sha256 = sha256_of(data)
    _write_once(sha256, [data])
    return sha256


def put_file(upload: File[bytes]) -> tuple[str, int]:
    """Store an uploaded file chunk by chunk; return its SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    sha256 = digest.hexdigest()
    upload.seek(0)
    _write_once(sha256, upload.chunks(CHUNK))
    return sha256, size


def _write_once(sha256: str, chunks: Iterable[bytes]) -> None:
    """Write the blob atomically: a reader, or a crash, never leaves a half-written file behind.

    The bytes go to a temporary file beside the target, are flushed to disk, and are then renamed
    into place. Renaming onto an existing blob is harmless: it holds the same bytes.
    """
    storage = _storage()
    target = Path(storage.path(blob_name(sha256)))
    if _refresh(target):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=_INCOMING)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o440)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _refresh(target: Path) -> bool:
    """Mark an existing blob as just written, so the orphan sweep leaves it for another hour.

    A new upload may bring the bytes of an old orphan; its row is created only after this
    returns, so without the fresh time the sweep could delete the blob under the new row.
    False when there is no blob (or it cannot be touched): then the caller writes it anew.
    """
    try:
        os.utime(target)
    except FileNotFoundError:
        return False
    except PermissionError:
        # Another user's file (e.g. written by a worker running as root): rewriting it
        # through the atomic rename gives a fresh file of the same bytes.
        return False
    return True


def open_blob(sha256: str) -> IO[bytes]:
    return _storage().open(blob_name(sha256), "rb")


def read_blob(sha256: str) -> bytes:
    with open_blob(sha256) as handle:
        return handle.read()


def blob_response(
    sha256: str, *, filename: str, content_type: str, as_attachment: bool = True
) -> HttpResponse | FileResponse:
    """A blob as the answer to a download its view has already access-checked.

    Every private-file download is built here, so that with ``PRIVATE_FILES_ACCEL`` (behind
    nginx, docs/operations.md "The production topology") all of them leave the bytes to nginx:
    an empty answer whose ``X-Accel-Redirect`` names the blob under nginx's ``internal``
    location, with the same Content-Type, Content-Disposition and nosniff as the streamed
    answer; nginx takes Content-Type and Content-Disposition from it and copies the security
    headers (CSP, nosniff) in that location. Without it, Django streams the file itself.
    """
    if not settings.PRIVATE_FILES_ACCEL:
        response: HttpResponse | FileResponse = FileResponse(
            open_blob(sha256),
            as_attachment=as_attachment,
            filename=filename,
            content_type=content_type,
        )
    else:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_FILES_ACCEL_PREFIX + blob_name(sha256)
        disposition = content_disposition_header(as_attachment, filename)
        if disposition:
            response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response


def blob_path(sha256: str) -> str:
    """The local path, for the worker that copies blobs into a grading directory."""
    return _storage().path(blob_name(sha256))


def delete_blob(sha256: str) -> None:
    """Remove a blob's bytes; callers check first that no live row still names it."""
    _storage().delete(blob_name(sha256))


def sweep_orphans(*, referenced: Callable[[set[str]], set[str]], min_age: timedelta) -> list[str]:
    """Delete the blobs older than ``min_age`` that ``referenced`` does not claim; return them.

    ``referenced`` answers, for a batch of SHA-256s, which of them some row names. A blob
    younger than ``min_age`` may belong to an upload whose row is not committed yet, so it is
    never touched; writing a blob that exists refreshes its time (``_refresh``). To close the
    last gap (a writer refreshing the blob between the check and the delete), the blob is first
    renamed aside and put back if its time changed meanwhile; a writer that finds it gone
    writes it again. Temporary files of writes that crashed are removed after ``min_age`` too.
    """
    storage = _storage()
    root = Path(storage.path("blobs"))
    cutoff = time.time() - min_age.total_seconds()
    deleted: list[str] = []
    batch: dict[str, Path] = {}
    for path in _old_files(root, cutoff):
        if path.name.startswith((_INCOMING, _DOOMED)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        if not _SHA256.match(path.name) or path != Path(storage.path(blob_name(path.name))):
            continue  # not a blob this module wrote; left to the operator
        batch[path.name] = path
        if len(batch) >= 500:
            deleted += _delete_unreferenced(batch, referenced, cutoff)
            batch = {}
    if batch:
        deleted += _delete_unreferenced(batch, referenced, cutoff)
    return deleted


def _old_files(root: Path, cutoff: float) -> Iterator[Path]:
    for directory, _subdirectories, files in os.walk(root):
        for name in files:
            path = Path(directory, name)
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    yield path


def _delete_unreferenced(
    batch: dict[str, Path], referenced: Callable[[set[str]], set[str]], cutoff: float
) -> list[str]:
    deleted = []
    for sha256 in sorted(set(batch) - referenced(set(batch))):
        path = batch[sha256]
        aside = path.with_name(f"{_DOOMED}{sha256}")
        try:
            path.replace(aside)
        except FileNotFoundError:
            continue  # another sweeper got there first
        if aside.stat().st_mtime >= cutoff:
            # Refreshed by a new upload after the check: it stays. If the writer found it gone
            # and wrote it again meanwhile, that copy holds the same bytes.
            with contextlib.suppress(FileExistsError):
                os.link(aside, path)
            aside.unlink()
            continue
        aside.unlink()
        deleted.append(sha256)
    return deleted
