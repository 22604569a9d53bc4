"""Demo work for the coordinator's and instructors' homes (``manage.py load_demo``): more
participants in the machine-learning cohort, a backlog of ungraded hand-ins (of every notebook
already due, or else the first) of different ages, one participant who missed that notebook's deadline and one who
has not been active for weeks, so "at risk", the grading backlog and "Grade next" have
something to show (docs/workspace.md).

Hand-ins go through ``submit_attempt`` like real uploads (the worker autogrades them when it
runs). Idempotent: a participant who exists already is left alone.
"""

import datetime as dt
from dataclasses import dataclass

import nbformat
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from courses.demo import notebooks
from courses.models import Assignment, Cohort, Enrollment
from courses.services import enroll
from platform.models import User
from submissions.intake.services import submit_attempt
from submissions.models import Submission

PROGRAM = "ml-data-science"


@dataclass(frozen=True)
class DemoLearner:
    username: str
    name: str
    language: str
    # "backlog": hands in (``days_ago`` days ago) the notebooks due, waiting for grading;
    # "missed": hands in nothing although work is due; "inactive": enrolled long ago, never
    # logged in, nothing handed in.
    kind: str
    days_ago: int = 0


LEARNERS = (
    DemoLearner("tobias.keller", "Tobias Keller", "de", "backlog", 9),
    DemoLearner("sofia.rossi", "Sofia Rossi", "en", "backlog", 6),
    DemoLearner("felix.wagner", "Felix Wagner", "de", "backlog", 4),
    DemoLearner("amira.haddad", "Amira Haddad", "en", "backlog", 2),
    DemoLearner("jonas.becker", "Jonas Becker", "de", "backlog", 1),
    DemoLearner("nina.kowalski", "Nina Kowalski", "de", "missed"),
    DemoLearner("paul.richter", "Paul Richter", "de", "inactive"),
)


def load_demo_workspace(*, password: str) -> None:
    """Add the learners to the running machine-learning cohort and their hand-ins."""
    cohort = (
        Cohort.objects.filter(program__slug=PROGRAM).order_by("starts_on").select_related("program")
    ).first()
    if cohort is None:
        return
    now = timezone.now()
    published = list(
        Assignment.objects.published()
        .filter(module__program=cohort.program, due_at__isnull=False)
        .order_by("due_at", "pk")
    )
    if not published:
        return
    due = [a for a in published if a.due_at is not None and a.due_at < now] or published[:1]
    answers = {
        a.pk: nbformat.writes(
            notebooks.solution_notebook(notebooks.source_notebook(a.slug))
        ).encode()
        for a in due
    }
    for learner in LEARNERS:
        if User.objects.filter(username=learner.username).exists():
            continue
        with transaction.atomic():
            first, last = learner.name.split(" ", 1)
            user = User.objects.create_user(
                username=learner.username,
                password=password,
                email=f"{learner.username}@example.org",
                first_name=first,
                last_name=last,
                display_name=learner.name,
                preferred_language=learner.language,
            )
            enrollment = enroll(user=user, cohort=cohort)
            started = dt.datetime.combine(cohort.starts_on, dt.time(9), tzinfo=dt.UTC)
            Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=started)
            if learner.kind == "backlog":
                at = now - dt.timedelta(days=learner.days_ago)
                for assignment in due:
                    submission = submit_attempt(
                        participant=user,
                        enrollment=enrollment,
                        assignment=assignment,
                        upload=SimpleUploadedFile(
                            f"{assignment.slug}.ipynb", answers[assignment.pk]
                        ),
                    )
                    Submission.objects.filter(pk=submission.pk).update(submitted_at=at)
                User.objects.filter(pk=user.pk).update(last_login=at)
            elif learner.kind == "missed":
                User.objects.filter(pk=user.pk).update(last_login=now - dt.timedelta(days=3))
