"""Consistent backups of the database and the blobs it names, and their restore (docs/operations.md,
"Backup and restore").

A backup is a directory: the database (``database.dump``: ``pg_dump --format=custom`` on
PostgreSQL, an SQLite file made with the online backup API on SQLite), the blobs under
``blobs/`` as in ``PRIVATE_FILES_ROOT``, and ``manifest.json`` (format version, time, engine,
migrations applied per app, counts of key tables, every file with its size and SHA-256).

Consistency: the database is snapshotted first, and the blobs to copy are read *from that
snapshot* (on PostgreSQL in the very transaction whose snapshot ``pg_dump`` exports; on SQLite
from the copy the backup API made). Blobs are immutable and named by their content, so copying them afterwards
yields exactly the bytes the rows name; an upload in flight (blob written, row not committed)
is not in the snapshot, so its blob is not copied either. Only a blob whose row was deleted
after the snapshot *and* which the orphan sweep removed meanwhile (an hour later at the
earliest) can be missing: the backup then fails with its name, and is simply taken again.

Restore goes into an empty installation only, verifies every file of the manifest before it
writes anything, copies the blobs, restores the database in one step, and checks the counts;
if the database step fails, the blobs it wrote are removed again.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.storage import storages
from django.db import connections, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from platform.blobs import blob_name

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
_CHUNK = 1024 * 1024

# The tables whose row counts the manifest records and a restore checks.
COUNTED_MODELS = (
    "platform.User",
    "courses.Program",
    "courses.Cohort",
    "courses.Enrollment",
    "courses.Assignment",
    "courses.Grade",
    "courses.Certificate",
    "submissions.Submission",
    "submissions.GradingRun",
    "submissions.RenderedNotebook",
)


class BackupError(Exception):
    """A backup cannot be taken or restored; the message says why (and nothing was restored)."""


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _blob_root() -> Path:
    return Path(storages["private"].path("blobs"))


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


# --- backup ---------------------------------------------------------------------------------


def take_backup(output: Path, *, using: str = "default") -> dict[str, Any]:
    """Write a backup of the database ``using`` and the private blobs into ``output`` (a new or
    empty directory); return its manifest."""
    engine = _engine(using)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"The output directory {output} is not empty.")
    output.mkdir(parents=True, exist_ok=True)
    if engine == "postgresql":
        state = _dump_postgresql(output / POSTGRES_FILE, using=using)
    else:
        state = _copy_sqlite(output / SQLITE_FILE, using=using)
    for sha256 in sorted(state["blobs"]):
        source = _blob_root().parent / blob_name(sha256)
        if not source.is_file():
            raise BackupError(
                f"The blob {sha256} that the database names is missing from the blob store."
            )
        target = output / blob_name(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        size, sha256 = file_digest(path)
        files[path.relative_to(output).as_posix()] = {"size": size, "sha256": sha256}
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "migrations": state["migrations"],
        "counts": state["counts"],
        "files": files,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _state_of(using: str) -> dict[str, Any]:
    """What the snapshot on ``using`` names: blobs, migrations, counts of key tables."""
    from submissions.orphans import BLOB_FIELDS  # the one list of columns that name a blob

    blobs: set[str] = set()
    for model, column, live in BLOB_FIELDS:
        blobs.update(_names(model, column, live, using))
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations: dict[str, list[str]] = {}
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    return {"blobs": blobs, "migrations": migrations, "counts": counts(using)}


def _names(model: type[Model], column: str, live: Q, using: str) -> "QuerySet[Model, str]":
    return (
        model._default_manager.using(using)
        .filter(live)
        .exclude(**{column: ""})
        .values_list(column, flat=True)
        .distinct()
    )


def counts(using: str) -> dict[str, int]:
    result = {}
    for label in COUNTED_MODELS:
        model: type[Model] = apps.get_model(label)
        result[label] = model._default_manager.using(using).count()
    return result


def _dump_postgresql(target: Path, *, using: str) -> dict[str, Any]:
    """``pg_dump`` and the reads of ``_state_of`` share one exported snapshot."""
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside a transaction.")
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(target)],
            using=using,
        )
        return _state_of(using)


def _copy_sqlite(target: Path, *, using: str) -> dict[str, Any]:
    """Copy with the online backup API, then read what to keep from the copy itself."""
    connection = connections[using]
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
        return _state_of_sqlite_copy(destination, using=using)
    finally:
        destination.close()


def _state_of_sqlite_copy(copy: sqlite3.Connection, *, using: str) -> dict[str, Any]:
    """``_state_of`` on the copy: the ORM's own SQL (same schema, same engine), run on it."""
    from submissions.orphans import BLOB_FIELDS

    blobs: set[str] = set()
    for model, column, live in BLOB_FIELDS:
        query = _names(model, column, live, using).query
        sql, params = query.sql_with_params()
        # Django's SQLite placeholders are ``%s``; sqlite3's are ``?``.
        sql = sql % tuple("?" * len(params))
        blobs.update(row[0] for row in copy.execute(sql, params))
    migrations: dict[str, list[str]] = {}
    for app, name in copy.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
        migrations.setdefault(app, []).append(name)
    result = {}
    for label in COUNTED_MODELS:
        table = apps.get_model(label)._meta.db_table
        (result[label],) = copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()  # noqa: S608 (model tables)
    return {"blobs": blobs, "migrations": migrations, "counts": result}


def _libpq_env(using: str) -> tuple[list[str], dict[str, str]]:
    db = connections[using].settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    arguments = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        arguments += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        arguments += ["--port", str(db["PORT"])]
    if db.get("USER"):
        arguments += ["--username", str(db["USER"])]
    return arguments, env


def _run(command: list[str], *, using: str) -> None:
    arguments, env = _libpq_env(using)
    try:
        subprocess.run(
            [*command, *arguments, "--no-password"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client).") from error
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()}") from error


# --- restore --------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise BackupError(
            f"{source} has no {MANIFEST}: not a backup, or an incomplete one."
        ) from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BackupError(f"{source / MANIFEST} is not valid JSON: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"{source / MANIFEST} is not a backup manifest of format {FORMAT_VERSION}."
        )
    for key, kind in (("engine", str), ("files", dict), ("counts", dict)):
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"{source / MANIFEST} lacks its {key!r}.")
    return manifest


def verify_backup(source: Path, manifest: dict[str, Any]) -> None:
    """Every file of the manifest is there with its size and SHA-256 (else ``BackupError``)."""
    problems = []
    for name, expected in sorted(manifest["files"].items()):
        path = source / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            problems.append(f"{name}: not a path inside the backup")
        elif not path.is_file():
            problems.append(f"{name}: missing")
        elif file_digest(path) != (expected.get("size"), expected.get("sha256")):
            problems.append(f"{name}: size or SHA-256 differs from the manifest")
    database = POSTGRES_FILE if manifest["engine"] == "postgresql" else SQLITE_FILE
    if database not in manifest["files"]:
        problems.append(f"{database}: not in the manifest")
    if problems:
        raise BackupError("The backup is corrupt or incomplete:\n  " + "\n  ".join(problems))


def _database_is_empty(using: str) -> bool:
    with connections[using].cursor() as cursor:
        return not connections[using].introspection.table_names(cursor)


def restore_backup(source: Path, *, using: str = "default") -> dict[str, Any]:
    """Restore the backup in ``source`` into this empty installation; return its manifest."""
    manifest = read_manifest(source)
    engine = _engine(using)
    if manifest["engine"] != engine:
        raise BackupError(
            f"The backup is of a {manifest['engine']} database; this installation uses {engine}."
        )
    if not _database_is_empty(using):
        raise BackupError(
            "The database is not empty: restore into a new, empty database (do not migrate it)."
        )
    blob_root = _blob_root()
    if blob_root.exists() and any(p.is_file() for p in blob_root.rglob("*")):
        raise BackupError(f"The blob store {blob_root} is not empty: restore into an empty one.")
    verify_backup(source, manifest)
    blob_names = [name for name in manifest["files"] if name.startswith("blobs/")]
    written: list[Path] = []
    try:
        for name in blob_names:
            target = blob_root.parent / name
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            os.close(fd)
            written.append(Path(tmp))
            shutil.copyfile(source / name, tmp)
            Path(tmp).chmod(0o440)
            Path(tmp).replace(target)
            written[-1] = target
        if engine == "postgresql":
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    str(source / POSTGRES_FILE),
                ],
                using=using,
            )
        else:
            _restore_sqlite(source / SQLITE_FILE, using=using)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    restored = counts(using)
    if restored != manifest["counts"]:
        differences = ", ".join(
            f"{label}: {manifest['counts'].get(label)} in the backup, {restored.get(label)} restored"
            for label in sorted(set(restored) | set(manifest["counts"]))
            if restored.get(label) != manifest["counts"].get(label)
        )
        raise BackupError(f"The restored database's counts differ: {differences}")
    return manifest


def _restore_sqlite(path: Path, *, using: str) -> None:
    connection = connections[using]
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite database of the backup cannot be read: {error}") from error
    finally:
        source.close()
