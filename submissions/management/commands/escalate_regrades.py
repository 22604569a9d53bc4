from typing import Any

from django.core.management.base import BaseCommand

from submissions.reviewing.regrades import escalate_overdue


class Command(BaseCommand):
    help = (
        "Hand regrade requests to the coordinators when their grader has not resolved them "
        "within REGRADE_ESCALATION_DAYS or no longer teaches the cohort. Run it daily (cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = escalate_overdue()
        self.stdout.write(f"Escalated {len(escalated)} regrade request(s) to the coordinators.")
