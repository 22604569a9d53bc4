"""Flag migrations that would lock a big table on PostgreSQL (docs/operations.md, "Upgrading
without downtime"). ``manage.py lint_migrations`` runs it; ``bin/lint`` (and so CI) calls it.

It reads the migrations' operations (no database needed), and reports, for the tables that grow
with every cohort (``BIG_MODELS``):

* ``AddField`` of a NOT NULL column without ``db_default`` (old code keeps inserting rows
  without it), or with a ``db_default`` that is an expression (volatile: the table is rewritten);
* ``AlterField`` (may change the column's type: ``ALTER TYPE`` rewrites the table under an
  ACCESS EXCLUSIVE lock, or adds NOT NULL, which scans it);
* index creation without ``CONCURRENTLY`` (``AddIndex``, a field with ``db_index``/``unique``
  or a foreign key, ``AddConstraint`` of a unique constraint): use
  ``django.contrib.postgres.operations.AddIndexConcurrently`` in a non-atomic migration;
* ``RemoveField``, ``RenameField``, ``RenameModel``, ``DeleteModel``: the running old code
  still uses them; contract in a later release, after every process runs the new code;
* ``RunSQL`` on any table: read it by hand.

Migrations that existed when the check was introduced are grandfathered
(``GRANDFATHERED_BEFORE``: the first number checked, per app).
A new migration that must do one of these anyway (e.g. while the table is still small) is
listed in ``ACCEPTED`` with the reason.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.models.expressions import Value

BIG_MODELS = frozenset(
    {
        "platform.user",
        "platform.ratecounter",
        "courses.enrollment",
        "courses.enrollmentevent",
        "courses.grade",
        "courses.handin",
        "courses.certificate",
        "submissions.submission",
        "submissions.gradingrun",
        "submissions.testresult",
        "submissions.renderednotebook",
        "submissions.gradeevent",
        "submissions.submissionfile",
        "submissions.review",
        "submissions.reviewscore",
        "django_tasks_db.dbtaskresult",
    }
)

# (app, migration): accepted with a reason, e.g. ("submissions", "0042_x"): "table empty in 1.3".
ACCEPTED: dict[tuple[str, str], str] = {}

# Every migration of the project's apps before this check (issue 17); they ran long ago.
GRANDFATHERED_BEFORE = {"platform": "0009", "courses": "0025", "submissions": "0013"}


@dataclass(frozen=True)
class Finding:
    app: str
    migration: str
    message: str

    def __str__(self) -> str:
        return f"{self.app}.{self.migration}: {self.message}"


def _is_big(app: str, model_name: str) -> bool:
    return f"{app}.{model_name.lower()}" in BIG_MODELS


def _creates_index(field: Any) -> bool:
    return bool(field.db_index or field.unique or isinstance(field, models.ForeignKey))


def _operation_findings(app: str, operation: migrations.operations.base.Operation) -> list[str]:
    if isinstance(operation, migrations.RunSQL):
        return ["RunSQL: check by hand that it takes no long lock"]
    model_name = getattr(operation, "model_name", None) or getattr(operation, "name", "")
    if not _is_big(app, str(model_name)):
        return []
    where = f"{model_name}"
    found = []
    if isinstance(operation, migrations.AddField):
        field = operation.field
        if not field.null and field.db_default is models.NOT_PROVIDED and not field.many_to_many:
            found.append(f"AddField {where}.{operation.name}: NOT NULL without db_default")
        elif hasattr(field.db_default, "resolve_expression") and not isinstance(
            field.db_default, Value
        ):
            found.append(f"AddField {where}.{operation.name}: a volatile db_default rewrites")
        if _creates_index(field):
            found.append(f"AddField {where}.{operation.name}: creates an index, not CONCURRENTLY")
    elif isinstance(operation, migrations.AlterField):
        found.append(f"AlterField {where}.{operation.name}: may ALTER TYPE or SET NOT NULL")
    elif isinstance(operation, migrations.AddIndex) and not isinstance(
        operation, AddIndexConcurrently
    ):
        found.append(f"AddIndex on {where}: use AddIndexConcurrently")
    elif isinstance(operation, migrations.AddConstraint) and isinstance(
        operation.constraint, models.UniqueConstraint
    ):
        found.append(f"AddConstraint on {where}: a unique index, built under a lock")
    elif isinstance(
        operation,
        migrations.RemoveField
        | migrations.RenameField
        | migrations.RenameModel
        | migrations.DeleteModel,
    ):
        found.append(f"{type(operation).__name__} on {where}: old code still uses it")
    return found


def lint(app_labels: tuple[str, ...] = ("platform", "courses", "submissions")) -> list[Finding]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    findings = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in app_labels or (app, name) in ACCEPTED:
            continue
        if name[:4] < GRANDFATHERED_BEFORE.get(app, "0000"):
            continue
        for operation in migration.operations:
            findings += [Finding(app, name, m) for m in _operation_findings(app, operation)]
    return findings
