"""Fill courses.HandIn from the attempts stored before hand-ins were reported to courses.

Progress used to ask this app which work was handed in (the ``COURSES_SUBMITTED_WORK``
setting); now submit_attempt tells courses (``courses.services.record_hand_in``), and this
records what was handed in before: one row per (enrolment, assignment) with an attempt, at its
first attempt's time. It lives here, not in courses, because courses never reads submissions.
"""

from django.db import migrations
from django.db.models import Min


def fill_hand_ins(apps, schema_editor):
    Submission = apps.get_model("submissions", "Submission")
    HandIn = apps.get_model("courses", "HandIn")
    firsts = (
        Submission.objects.values("enrollment_id", "assignment_id")
        .annotate(first_at=Min("submitted_at"))
        .order_by("enrollment_id", "assignment_id")
    )
    HandIn.objects.bulk_create(
        (HandIn(**row) for row in firsts.iterator()), batch_size=500, ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0013_hand_in"),
        ("submissions", "0007_attempt_versions"),
    ]

    operations = [migrations.RunPython(fill_hand_ins, migrations.RunPython.noop)]
