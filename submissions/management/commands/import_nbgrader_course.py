from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.exceptions import CoursesError
from courses.models import Module
from courses.nbgrader_import import due_dates, sources_in_directory
from submissions.publishing.services import import_nbgrader_course


class Command(BaseCommand):
    help = (
        "Import an nbgrader course directory: each source/<assignment>/<notebook>.ipynb becomes "
        "an assignment of the module (due dates from --gradebook, if given). The assignments "
        "keep nbgrader's warnings rule (any output on stderr fails a test) unless "
        "--lenient-warnings is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_dir", type=Path)
        parser.add_argument("--module", type=int, required=True, help="Id of the module to fill.")
        parser.add_argument(
            "--gradebook", type=Path, help="nbgrader's gradebook.db, for due dates."
        )
        parser.add_argument(
            "--lenient-warnings",
            action="store_true",
            help="A Python warning on stderr does not fail a test (the platform's own rule).",
        )

    def handle(
        self,
        *args: Any,
        course_dir: Path,
        module: int,
        gradebook: Path | None,
        lenient_warnings: bool = False,
        **options: Any,
    ) -> None:
        target = Module.objects.filter(pk=module).first()
        if target is None:
            raise CommandError(f"No module with id {module}.")
        try:
            sources = sources_in_directory(course_dir)
            due = due_dates(gradebook) if gradebook else {}
            checks = import_nbgrader_course(
                module=target, sources=sources, due=due, nbgrader_rules=not lenient_warnings
            )
        except CoursesError as error:
            raise CommandError(error.message) from error
        for check in checks:
            self.stdout.write(f"published {check.assignment.title} (publish check queued)")
