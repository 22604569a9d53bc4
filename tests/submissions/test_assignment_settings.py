"""The settings only submissions reads live in ``submissions.AssignmentSettings``, one row per
assignment (docs/architecture.md, "Assignment settings"): created when an assignment is
published, and for the assignments of an older database by a data migration, tested here on
the demo database (and, in CI, on PostgreSQL like every test)."""

import datetime as dt
from decimal import Decimal
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from courses.models import Assignment
from platform.models import User
from submissions.models import AssignmentSettings, PostingPolicy
from tests.helpers import publish

# The moved columns, as the data migration copies them (courses' 0014 then drops them).
MOVED: list[str] = import_module("submissions.migrations.0010_copy_assignment_settings").MOVED
BEFORE = [("courses", "0013_hand_in"), ("submissions", "0008_fill_hand_ins")]


def test_publishing_gives_the_assignment_its_settings_at_their_defaults(module: Any) -> None:
    assignment = publish(module)
    settings = AssignmentSettings.objects.get(assignment=assignment)
    assert settings.posting_policy == PostingPolicy.IMMEDIATE
    assert (settings.late_penalty_percent, settings.regrade_window_days) == (Decimal(0), 7)
    assert settings.ignore_stderr_warnings and not settings.anonymous_grading
    assert "csv" in settings.data_file_types and settings.max_data_files == 10


def varied(index: int, revealer: User) -> dict[str, Any]:
    """Settings that differ from the defaults and from one assignment to the next."""
    return {
        "late_grace_minutes": 15 * index,
        "late_penalty_percent": Decimal(index) + Decimal("0.25"),
        "late_penalty_unit": "hour" if index % 2 else "day",
        "late_floor_percent": Decimal(40 + index),
        "data_file_types": ["csv", "parquet"][: 1 + index % 2],
        "ignore_stderr_warnings": bool(index % 2),
        "max_data_files": 2 + index,
        "max_data_file_bytes": 1024 * (index + 1),
        "posting_policy": "on_release" if index % 2 else "immediate",
        "anonymous_grading": index % 3 != 1,
        "identities_revealed_at": (
            timezone.now().replace(microsecond=0) - dt.timedelta(hours=index)
            if index % 3 == 2
            else None
        ),
        "identities_revealed_by_id": revealer.pk if index % 3 == 2 else None,
        "regrade_window_days": 1 + index,
    }


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_every_assignments_settings_of_the_demo_database() -> None:
    call_command("load_demo", stdout=StringIO())
    revealer = User.objects.filter(is_staff=True).first() or User.objects.first()
    assert revealer is not None
    pks = list(Assignment.objects.order_by("pk").values_list("pk", flat=True))
    assert len(pks) >= 5
    # Demo rows before the move: the columns still on courses.Assignment.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("courses", "Assignment")
    expected = {}
    for index, pk in enumerate(pks):
        expected[pk] = varied(index, revealer)
        old.objects.filter(pk=pk).update(**expected[pk])

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    copied = {
        row.pop("assignment_id"): row
        for row in AssignmentSettings.objects.values("assignment_id", *MOVED)
    }
    assert copied == expected


@pytest.mark.django_db(transaction=True)
def test_reversing_the_migration_copies_the_settings_back(module: Any, coordinator: User) -> None:
    assignments = [publish(module, f"a{i}", f"A{i}") for i in range(3)]
    expected = {}
    for index, assignment in enumerate(assignments):
        expected[assignment.pk] = varied(index, coordinator)
        AssignmentSettings.objects.filter(pk=assignment.pk).update(**expected[assignment.pk])

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("courses", "Assignment")
    restored = {row.pop("pk"): row for row in old.objects.values("pk", *MOVED)}

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert restored == expected
    assert AssignmentSettings.objects.count() == 3
