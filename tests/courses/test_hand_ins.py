"""Hand-ins reach progress by a call from submissions (``courses.services.record_hand_in``),
stored in ``courses.HandIn``; attempts stored before that are filled in by a migration."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from courses.models import HandIn, ProgressRecord
from courses.progress import compute_results
from courses.services import recompute_progress, record_hand_in
from submissions.intake.services import submit_attempt
from submissions.models import Submission
from tests.helpers import participant_notebook, upload_file


def submit(user: Any, assignment: Any) -> Submission:
    return submit_attempt(
        participant=user,
        enrollment=user.enrollments.get(),
        assignment=assignment,
        upload=upload_file(participant_notebook()),
    )


def status_of(enrollment: Any) -> tuple[str, str]:
    requirement = ProgressRecord.objects.get(enrollment=enrollment).result["requirements"][0]
    return requirement["status"], requirement["reason"]


def test_a_hand_in_is_stored_once_and_shows_as_pending_review(
    enrolled: Any, assignment: Any
) -> None:
    enrollment = enrolled.enrollments.get()
    record_hand_in(enrollment=enrollment, assignment=assignment)
    record_hand_in(enrollment=enrollment, assignment=assignment)
    assert HandIn.objects.get().enrollment == enrollment
    assert status_of(enrollment) == ("pending", "awaiting_review")


def test_every_attempt_is_reported_and_a_rebuild_still_knows_it(
    enrolled: Any, other_enrolled: Any, assignment: Any
) -> None:
    submit(enrolled, assignment)
    submit(enrolled, assignment)
    enrollment, other = enrolled.enrollments.get(), other_enrolled.enrollments.get()
    assert list(HandIn.objects.values_list("enrollment", "assignment")) == [
        (enrollment.pk, assignment.pk)
    ]
    recompute_progress(enrollments=[enrollment, other])
    assert status_of(enrollment) == ("pending", "awaiting_review")
    assert status_of(other)[0] == "missing"
    assert compute_results([other])[other.pk].complete is False


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_hand_ins_from_earlier_attempts(
    enrolled: Any, other_enrolled: Any, assignment: Any
) -> None:
    first = submit(enrolled, assignment)
    submit(enrolled, assignment)
    earlier = timezone.now() - dt.timedelta(days=3)
    Submission.objects.filter(pk=first.pk).update(submitted_at=earlier)
    HandIn.objects.all().delete()  # as before hand-ins were stored

    executor = MigrationExecutor(connection)
    executor.migrate([("submissions", "0007_attempt_versions")])
    executor.loader.build_graph()
    # Forward to the latest state (0008 and what came after it), as later tests expect.
    executor.migrate(executor.loader.graph.leaf_nodes())

    [hand_in] = HandIn.objects.all()
    assert hand_in.enrollment == enrolled.enrollments.get()
    assert hand_in.assignment == assignment and hand_in.first_at == earlier
