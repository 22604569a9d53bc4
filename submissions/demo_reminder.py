"""A deadline reminder for the demo (``manage.py load_demo``): in the machine-learning program,
an optional module of short exercises with one notebook due two days after the demo is first
loaded (23:59 local time), and the program's reminder set to 3 days before a deadline. Nobody
has handed it in, so the worker's ``deadline-reminders`` job (every 15 minutes) e-mails every
active participant soon after ``bin/run``; the coordinator sees it coming, and then sent, on the
program's announcements page (docs/communication.md).

The module is not part of the published grading policy, so the exercise counts toward no
certificate and changes nobody's progress or risk. Idempotent: once the exercise exists it is
left alone. Published through ``submissions.publishing.services.publish_assignment`` (with its
``AssignmentSettings``), like every demo assignment.
"""

import datetime as dt

import nbformat
from django.db import transaction
from django.utils import timezone

from courses.demo import notebooks
from courses.models import Assignment, Module, Program, ReminderSetting
from submissions.publishing.services import publish_assignment

PROGRAM = "ml-data-science"
MODULE = "Freiwillige Kurzübungen"
SLUG = "kurzuebung-daten-bereinigen"
NOTEBOOK = "ml-01-pandas-wine"
DUE_IN_DAYS = 2
REMIND_DAYS_BEFORE = 3


@transaction.atomic
def load_demo_reminder() -> Assignment | None:
    """The exercise with its reminder due soon; None without the program."""
    program = Program.objects.filter(slug=PROGRAM).first()
    if program is None:
        return None
    ReminderSetting.objects.get_or_create(
        program=program, defaults={"days_before": REMIND_DAYS_BEFORE}
    )
    module, _created = Module.objects.get_or_create(
        program=program,
        title=MODULE,
        defaults={
            "summary": "Kurze Übungen zum Wiederholen, ohne Bewertung für das Zertifikat.",
            "order": 99,
            "is_required": False,
        },
    )
    existing = Assignment.objects.filter(module=module, slug=SLUG).first()
    if existing is not None:
        return existing
    due = timezone.localtime() + dt.timedelta(days=DUE_IN_DAYS)
    return publish_assignment(
        module=module,
        slug=SLUG,
        title="Kurzübung: Daten bereinigen",
        source=nbformat.writes(notebooks.source_notebook(NOTEBOOK)).encode(),
        opens_at=timezone.now(),
        due_at=due.replace(hour=23, minute=59, second=0, microsecond=0),
    )
