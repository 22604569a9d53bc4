"""``manage.py lint_migrations``: fail on migrations that lock a big table on PostgreSQL
(``platform/migration_lint.py``; docs/operations.md, "Upgrading without downtime")."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from platform.migration_lint import lint


class Command(BaseCommand):
    help = "Flag new migrations that would lock big tables on PostgreSQL."

    def handle(self, *args: Any, **options: Any) -> None:
        findings = lint()
        if findings:
            raise CommandError(
                "Migrations that lock big tables (docs/operations.md, "
                "'Upgrading without downtime'):\n  " + "\n  ".join(map(str, findings))
            )
        self.stdout.write("No migration locks a big table.")
