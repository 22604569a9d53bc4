from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from courses.exceptions import CoursesError
from courses.models import Module
from courses.nbgrader_import import course_in_directory, due_dates
from submissions.intake.text import exact_size
from submissions.publishing.services import ImportReport, import_nbgrader_course


class Command(BaseCommand):
    help = (
        "Import an nbgrader course directory: each source/<assignment>/<notebook>.ipynb becomes "
        "an assignment of the module (due dates from --gradebook, if given), with the course's "
        "header.ipynb and AUTOTEST directives as nbgrader's generate_assignment applies them. "
        "Each nbgrader assignment is imported on its own; the report says what was imported, "
        "what was skipped and why. --dry-run shows the report and writes nothing. The "
        "assignments keep nbgrader's warnings rule (any output on stderr fails a test) unless "
        "--lenient-warnings is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_dir", type=Path)
        parser.add_argument("--module", type=int, required=True, help="Id of the module to fill.")
        parser.add_argument(
            "--gradebook", type=Path, help="nbgrader's gradebook.db, for due dates."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything, write nothing."
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
        dry_run: bool,
        lenient_warnings: bool = False,
        **options: Any,
    ) -> None:
        target = Module.objects.filter(pk=module).first()
        if target is None:
            raise CommandError(f"No module with id {module}.")
        try:
            course = course_in_directory(course_dir)
            due = due_dates(gradebook) if gradebook else {}

        except CoursesError as error:
            raise CommandError(error.message) from error
        report = import_nbgrader_course(
            module=target,
            course=course,
            due=due,
            dry_run=dry_run,
            nbgrader_rules=not lenient_warnings,
        )
        self.stdout.write("\n".join(report_lines(report)))
        if report.refused and not dry_run:
            raise CommandError(
                _("%(refused)s of %(all)s assignments were not imported (see above).")
                % {"refused": len(report.refused), "all": len(report.assignments)}
            )


def report_lines(report: ImportReport) -> list[str]:
    """The import's report as text, one assignment after the other."""
    lines = list(report.notes)
    for assignment in report.assignments:
        if assignment.refused:
            state = assignment.problem
        elif report.dry_run:
            state = _("would be imported")
        else:
            state = _("imported (publish checks queued)")
        due = (
            _(", due %(date)s") % {"date": f"{assignment.due_at:%Y-%m-%d %H:%M} UTC"}
            if assignment.due_at
            else ""
        )
        lines.append(f"{assignment.name}{due}: {state}")
        if assignment.points is not None:
            lines.append(
                "  "
                + _("“%(title)s” (%(slug)s), %(points)s points")
                % {"title": assignment.title, "slug": assignment.slug, "points": assignment.points}
            )
        for notebook in assignment.notebooks:
            detail = notebook.problem or "; ".join(
                [
                    _("%(points)s points") % {"points": notebook.points},
                    *notebook.notes,
                ]
            )
            lines.append(f"  {notebook.path}: {detail}")
        for course_file in assignment.files:
            lines.append(
                f"  {assignment.name}/{course_file.path}: "
                + _("course file, %(size)s") % {"size": exact_size(course_file.size)}
            )
        for skipped in assignment.skipped:
            lines.append(f"  {skipped.path}: {skipped.reason}")
    for skipped in report.skipped:
        lines.append(f"{skipped.path}: {skipped.reason}")
    if report.dry_run:
        lines.append(_("Dry run: nothing was written."))
    return lines
