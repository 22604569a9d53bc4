"""Content-addressed, immutable storage of uploaded bytes (notebooks, data files).

The storage is the ``private`` entry of ``STORAGES``, a local directory that has no URL; a
remote django-storages backend would need its own atomic write (docs/operations.md).

A blob is named by the SHA-256 of its bytes, so identical uploads are stored once and a stored
file can never change under a database row that names it. Callers write the blob *before* the
row that refers to it (inside or before the transaction): a crash in between leaves at most an
unreferenced file, which ``manage.py purge_orphan_blobs`` can remove, never a row without a file.
"""

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from django.core.files.base import File
from django.core.files.storage import Storage, storages

CHUNK = 1024 * 1024


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
    name = blob_name(sha256)
    if storage.exists(name):
        return
    target = Path(storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o440)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def open_blob(sha256: str) -> IO[bytes]:
    return _storage().open(blob_name(sha256), "rb")


def read_blob(sha256: str) -> bytes:
    with open_blob(sha256) as handle:
        return handle.read()


def blob_path(sha256: str) -> str:
    """The local path, for the worker that copies blobs into a grading directory."""
    return _storage().path(blob_name(sha256))


def delete_blob(sha256: str) -> None:
    """Remove a blob's bytes; callers check first that no live row still names it."""
    _storage().delete(blob_name(sha256))
