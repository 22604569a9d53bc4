"""``manage.py restore --input DIR``: a backup into an empty installation
(docs/operations.md, "Backup and restore")."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from platform.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup of `manage.py backup` into an empty database and blob store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path, help="the backup's directory")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore_backup(options["input"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']}: every file matched its manifest "
            "and the counts agree. Run `manage.py rebuild_progress --all` next."
        )
