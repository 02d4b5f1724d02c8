"""Which council migrations would lock or break a running platform (README, "Zero-downtime
changes"). `migrate` walks a thousand schemas for minutes while the previous release still
serves them, so a migration must neither hold a long exclusive lock on a table with rows nor
change something the previous release's code still uses.

`unsafe_operations()` lists every operation of the project's council apps that does; the test
suite fails on any that is not in its allow-list (tests/tenants/test_migration_safety.py)."""

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields import NOT_PROVIDED

Key = tuple[str, str]


@dataclass(frozen=True)
class UnsafeOperation:
    migration: Key
    operation: str
    reason: str

    def __str__(self) -> str:
        return f"{self.migration[0]}.{self.migration[1]}: {self.operation}: {self.reason}"


def council_apps() -> list[str]:
    """The project's own apps whose tables live in council schemas."""
    root = Path(settings.BASE_DIR).resolve()
    # The virtualenv may live inside the project folder (.venv): its packages are not ours.
    environment = Path(sys.prefix).resolve()
    labels = []
    for app in settings.TENANT_APPS:
        config = next(c for c in apps.get_app_configs() if c.name == app)
        parents = Path(config.path).resolve().parents
        if root in parents and environment not in parents:
            labels.append(config.label)
    return labels


def _creates_index(field: models.Field) -> bool:
    return bool(field.db_index or field.unique or isinstance(field, models.ForeignKey))


def _operation_problems(
    operation: migrations.operations.base.Operation,
    app_label: str,
    created_here: set[str],
    state,
) -> Iterator[str]:
    name = getattr(operation, "model_name", None) or getattr(operation, "name", "")
    if name and name.lower() in created_here:
        return  # a table created in this very migration has no rows and no readers yet
    if isinstance(operation, migrations.AddField):
        field = operation.field
        if field.many_to_many:
            return
        if not field.null and field.db_default is NOT_PROVIDED:
            yield (
                "NOT NULL column without db_default: the previous release's INSERTs fail "
                "(add it nullable or with db_default, make it NOT NULL in a later release)"
            )
        if _creates_index(field):
            yield "builds an index (or foreign key) on a live table in the migration's lock"
    elif isinstance(operation, migrations.AlterField):
        old = state.models[app_label, operation.model_name.lower()].fields[operation.name]
        new = operation.field
        old_type = old.db_parameters(connection)["type"]
        new_type = new.db_parameters(connection)["type"]
        if old_type != new_type:
            yield f"changes the column type ({old_type} → {new_type}): rewrites the table"
        if old.null and not new.null:
            yield "SET NOT NULL scans the table under an exclusive lock; old code may write NULL"
        if _creates_index(new) and not _creates_index(old):
            yield "builds an index on a live table in the migration's lock"
    elif isinstance(operation, migrations.RenameField | migrations.RenameModel):
        yield "renames something the previous release still uses (add, copy, then remove)"
    elif isinstance(operation, migrations.RemoveField | migrations.DeleteModel):
        yield "removes something the previous release still uses (stop using it first)"
    elif isinstance(operation, migrations.AlterModelTable):
        yield "renames a table the previous release still uses"
    elif isinstance(operation, migrations.AddIndex | migrations.AddConstraint):
        yield "builds an index or validates a constraint under a lock (use the concurrent form)"
    elif isinstance(operation, migrations.AlterUniqueTogether | migrations.AlterIndexTogether):
        yield "builds an index under a lock"
    elif isinstance(operation, migrations.RunSQL):
        yield "raw SQL: review it for locks and for the previous release"


def unsafe_operations(loader: MigrationLoader | None = None) -> list[UnsafeOperation]:
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    labels = set(council_apps())
    found = []
    for key in sorted(loader.graph.nodes):
        if key[0] not in labels:
            continue
        migration = loader.graph.nodes[key]
        state = loader.project_state(key, at_end=False)
        created_here: set[str] = set()
        for operation in migration.operations:
            for reason in _operation_problems(operation, key[0], created_here, state):
                found.append(UnsafeOperation(key, operation.describe(), reason))
            if isinstance(operation, migrations.CreateModel):
                created_here.add(operation.name.lower())
            operation.state_forwards(key[0], state)
    return found
