from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Cohort
from platform.models import User
from submissions.exceptions import SubmissionError
from submissions.intake.services import purge_cohort_data


class Command(BaseCommand):
    help = "Delete the contents of a finished cohort's data files, keeping an audit record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cohort_id", type=int)
        parser.add_argument("--by", required=True, help="Username of the coordinator purging.")
        parser.add_argument("--reason", required=True)

    def handle(self, *args: Any, cohort_id: int, by: str, reason: str, **options: Any) -> None:
        cohort = Cohort.objects.filter(pk=cohort_id).first()
        actor = User.objects.filter(username=by).first()
        if cohort is None or actor is None:
            raise CommandError("Unknown cohort or user.")
        try:
            purge = purge_cohort_data(actor=actor, cohort=cohort, reason=reason)
        except SubmissionError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Purged {purge.files} data files ({purge.bytes_removed} bytes) of {cohort}."
        )
