"""Copy every assignment's submissions settings from ``courses.Assignment`` into its new
``AssignmentSettings`` row, before courses' 0014 drops the columns; reversing copies them
back (courses' 0014, reversed first, has re-added the columns)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# Every column that moved, under the same name on both sides.
MOVED = [
    "late_grace_minutes",
    "late_penalty_percent",
    "late_penalty_unit",
    "late_floor_percent",
    "data_file_types",
    "ignore_stderr_warnings",
    "max_data_files",
    "max_data_file_bytes",
    "posting_policy",
    "anonymous_grading",
    "identities_revealed_at",
    "identities_revealed_by_id",
    "regrade_window_days",
]


def copy_forward(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Assignment = apps.get_model("courses", "Assignment")
    AssignmentSettings = apps.get_model("submissions", "AssignmentSettings")
    rows = Assignment.objects.values("pk", *MOVED).order_by("pk").iterator(chunk_size=500)
    AssignmentSettings.objects.bulk_create(
        (AssignmentSettings(assignment_id=row.pop("pk"), **row) for row in rows),
        batch_size=500,
    )


def copy_back(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Assignment = apps.get_model("courses", "Assignment")
    AssignmentSettings = apps.get_model("submissions", "AssignmentSettings")
    for row in AssignmentSettings.objects.values("assignment_id", *MOVED).iterator():
        Assignment.objects.filter(pk=row.pop("assignment_id")).update(**row)


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0009_assignment_settings"),
    ]

    operations = [migrations.RunPython(copy_forward, copy_back)]
