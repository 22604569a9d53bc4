"""Recompute the stored progress of a cohort (or of every cohort) from released grades.

Progress is recomputed whenever a grade is released or changed; run this after restoring a
backup, after a deployment that changed the rules, or when in doubt. Certificates that the
rules now call for are issued, exactly as a release would issue them.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from courses.models import Cohort, Enrollment
from courses.services import recompute_and_issue

BATCH = 500


class Command(BaseCommand):
    help = "Recompute the stored progress of a cohort's participants (or of all, with --all)."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--cohort", type=int, action="append", help="A cohort's id.")
        target.add_argument("--all", dest="all_cohorts", action="store_true", help="Every cohort.")

    def handle(
        self, *args: Any, cohort: list[int] | None, all_cohorts: bool, **options: Any
    ) -> None:
        enrollments = Enrollment.objects.current().order_by("pk")
        if cohort:
            unknown = set(cohort) - set(
                Cohort.objects.filter(pk__in=cohort).values_list("pk", flat=True)
            )
            if unknown:
                raise CommandError(f"No cohort with id {', '.join(map(str, sorted(unknown)))}.")
            enrollments = enrollments.filter(cohort_id__in=cohort)
        ids = list(enrollments.values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                batch = list(Enrollment.objects.filter(pk__in=ids[start : start + BATCH]))
                recompute_and_issue(batch)
        self.stdout.write(f"Recomputed the progress of {len(ids)} enrollments.")
