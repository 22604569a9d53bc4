"""The migration lint (``platform/migration_lint.py``): what it flags on big tables, what it
lets through, and that the project's migrations pass it."""

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently
from django.core.management import call_command
from django.db import migrations, models

from platform.migration_lint import _operation_findings, lint


@pytest.mark.parametrize(
    "operation",
    [
        migrations.AddField("submission", "note", models.TextField()),
        migrations.AddField(
            "submission", "seen_at", models.DateTimeField(null=True, db_index=True)
        ),
        migrations.AddField(
            "submission", "made_at", models.DateTimeField(db_default=models.functions.Now())
        ),
        migrations.AlterField("submission", "notebook_sha256", models.TextField()),
        migrations.AddIndex("submission", models.Index(fields=["created_at"], name="s_created")),
        migrations.AddConstraint(
            "gradingrun", models.UniqueConstraint(fields=["submission"], name="one_run")
        ),
        migrations.RemoveField("submission", "notebook_sha256"),
        migrations.RenameField("submission", "notebook_sha256", "sha256"),
        migrations.RunSQL("UPDATE anything SET x = 1"),
    ],
)
def test_it_flags_what_locks_a_big_table(operation: migrations.operations.base.Operation) -> None:
    assert _operation_findings("submissions", operation)


@pytest.mark.parametrize(
    "operation",
    [
        migrations.AddField("submission", "note", models.TextField(null=True)),
        migrations.AddField("submission", "flag", models.BooleanField(db_default=False)),
        AddIndexConcurrently("submission", models.Index(fields=["created_at"], name="s_c")),
        # Small tables may change freely.
        migrations.AlterField("rubric", "title", models.TextField()),
        migrations.AddField("rubric", "note", models.TextField()),
    ],
)
def test_it_lets_safe_operations_through(operation: migrations.operations.base.Operation) -> None:
    assert not _operation_findings("submissions", operation)


def test_the_project_migrations_pass() -> None:
    assert lint() == []
    call_command("lint_migrations")
