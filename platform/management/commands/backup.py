"""``manage.py backup --output DIR``: the database and its blobs, with a manifest
(docs/operations.md, "Backup and restore")."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from platform.backup import BackupError, take_backup


class Command(BaseCommand):
    help = (
        "Take a consistent backup (database, the blobs it names, a manifest) into a new directory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="a new or empty directory")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = take_backup(options["output"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        blobs = sum(1 for name in manifest["files"] if name.startswith("blobs/"))
        self.stdout.write(
            f"Backed up the {manifest['engine']} database and {blobs} blobs to {options['output']}."
        )
