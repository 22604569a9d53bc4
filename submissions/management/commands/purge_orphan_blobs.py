from typing import Any

from django.core.management.base import BaseCommand

from submissions.orphans import MIN_AGE, sweep_orphan_blobs


class Command(BaseCommand):
    help = (
        "Delete stored blobs (notebooks, data files, rendered HTML) that no database row names "
        f"and that are older than {MIN_AGE}. The grading worker does this by itself; this "
        "command runs the same sweep by hand."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = sweep_orphan_blobs()
        for sha256 in deleted:
            self.stdout.write(f"deleted {sha256}")
        self.stdout.write(f"{len(deleted)} orphaned blobs deleted.")
