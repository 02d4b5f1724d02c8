"""`manage.py migrate` across council schemas (tenants/schema_migrate.py): one query decides which
schemas are behind, only those are migrated, each in one transaction, failures are retried and
listed without stopping the others.

A pending migration is made the way a deployment brings one: settings.MIGRATION_MODULES points an
app at a copy of its migrations with one more (the code's own files are untouched)."""

import shutil
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from tenants.models import Council

COUNCIL_SCHEMAS = ("council_template", "dinan", "saint_malo")
ADD_FIELD = "[migrations.AddField('auditentry', 'probe', models.BooleanField(default=False))]"


def extra_migration(tmp_path: Path, app_label: str, name: str, body: str) -> str:
    """A copy of the app's migrations package plus `name`; returns the package's module name."""
    (leaf,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(app_label)
    package = f"extra_migrations_{uuid.uuid4().hex[:8]}"
    source = Path(apps.get_app_config(app_label).path) / "migrations"
    shutil.copytree(source, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / package / f"{name}.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [{leaf!r}]\n"
        f"    operations = {body}\n"
    )
    sys.path.insert(0, str(tmp_path))
    return package


@pytest.fixture
def pending(tmp_path, settings):
    """Install a pending migration of the `core` app (tenant-only); returns its name."""

    def install(body: str = ADD_FIELD, name: str = "9001_probe") -> str:
        settings.MIGRATION_MODULES = {"core": extra_migration(tmp_path, "core", name, body)}
        return name

    settings.TENANT_MIGRATION_JOBS = 1  # inline, inside the test's transaction
    settings.TENANT_MIGRATION_RETRY_DELAY = 0.05
    yield install
    sys.path[:] = [p for p in sys.path if p != str(tmp_path)]


def _recorded(schema: str, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT 1 FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
            ["core", name],
        )
        return cursor.fetchone() is not None


def _has_column(schema: str, table: str, column: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s AND column_name = %s",
            [schema, table, column],
        )
        return cursor.fetchone() is not None


def _connect(autocommit: bool = False) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=autocommit,
    )


def _schemas_switched_to(queries) -> set[str]:
    return {
        q["sql"].split("=", 1)[1].split(",")[0].strip().strip('"')
        for q in queries
        if q["sql"].startswith("SET search_path")
    }


def _fake_councils(count: int) -> list[str]:
    """Councils whose schemas hold only a copy of the template's migration records: all the
    no-op check reads."""
    made = []
    for i in range(count):
        schema = f"noop_{i}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
            cursor.execute(
                f"CREATE TABLE {schema}.django_migrations AS"
                " SELECT * FROM council_template.django_migrations"
            )
        made.append(Council(schema_name=schema, slug=f"noop-{i}", name=f"Noop {i}"))
    Council.objects.bulk_create(made)  # no save(): their schemas exist already
    return [c.schema_name for c in made]


def test_noop_migrate_costs_the_same_few_queries_for_4_or_24_schemas(db):
    call_command("migrate", verbosity=0)  # whatever an earlier test left, settle it first
    with CaptureQueriesContext(connection) as few:
        call_command("migrate", verbosity=0)
    _fake_councils(20)
    with CaptureQueriesContext(connection) as many:
        call_command("migrate", verbosity=0)
    assert 0 < len(few) <= 6, [q["sql"][:80] for q in few]
    assert len(many) == len(few)
    # No schema was entered: no loader pass, no introspection, no signal ran in any of them.
    assert _schemas_switched_to(many) <= {"public"}


def test_a_schema_lacking_a_migration_is_migrated_and_current_ones_are_skipped(db, pending):
    name = pending()
    call_command("migrate", verbosity=0)
    for schema in COUNCIL_SCHEMAS:
        assert _recorded(schema, name) and _has_column(schema, "core_auditentry", "probe")
    assert _recorded("public", name)  # recorded there too, as Django's migrate does

    # Dinan alone lacks it again (as if restored from an older backup).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE dinan.core_auditentry DROP COLUMN probe")
        cursor.execute("DELETE FROM dinan.django_migrations WHERE name = %s", [name])
    with CaptureQueriesContext(connection) as queries:
        call_command("migrate", verbosity=0)
    assert _recorded("dinan", name) and _has_column("dinan", "core_auditentry", "probe")
    assert _schemas_switched_to(queries) - {"public"} == {"dinan"}


def test_a_failing_schema_is_rolled_back_listed_and_does_not_stop_the_others(db, pending):
    # Two operations: the first succeeds everywhere, the second fails in Saint-Malo only, where
    # a column of that name already exists. Saint-Malo must keep neither.
    name = pending(
        "[migrations.RunSQL('CREATE TABLE probe_marker (id int)', migrations.RunSQL.noop),"
        " migrations.AddField('auditentry', 'probe', models.BooleanField(default=False))]"
    )
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE saint_malo.core_auditentry ADD COLUMN probe text")
    with pytest.raises(CommandError) as failure:
        call_command("migrate", verbosity=0)
    message = str(failure.value)
    assert "1 of 3 schema(s) not migrated" in message
    assert "saint_malo: ProgrammingError (DuplicateColumn)" in message
    assert not _recorded("saint_malo", name)
    assert not _has_column("saint_malo", "probe_marker", "id")  # rolled back with the rest
    for schema in ("council_template", "dinan"):
        assert _recorded(schema, name) and _has_column(schema, "probe_marker", "id")


def test_a_schema_locked_by_traffic_fails_fast_then_is_retried(db, pending, settings, capsys):
    settings.TENANT_MIGRATION_LOCK_TIMEOUT = "200ms"
    settings.TENANT_MIGRATION_RETRY_DELAY = 1.0
    name = pending()
    # A long read in Dinan holds a lock ALTER TABLE must wait for. It ends as soon as the first
    # attempt has given up waiting (before the retry).
    reader, watcher = _connect(), _connect(autocommit=True)
    reader.execute("BEGIN")
    reader.execute("LOCK TABLE dinan.core_auditentry IN ACCESS SHARE MODE")

    def end_read_after_first_attempt() -> None:
        waited = False
        for _ in range(1500):
            (waiting,) = watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted"
                " AND relation = 'dinan.core_auditentry'::regclass"
            ).fetchone()
            if waiting:
                waited = True
            elif waited:
                break
            time.sleep(0.02)
        reader.rollback()

    ender = threading.Thread(target=end_read_after_first_attempt)
    ender.start()
    try:
        call_command("migrate", verbosity=1)
    finally:
        ender.join()
        reader.close()
        watcher.close()
    out = capsys.readouterr().out
    assert "dinan: failed, OperationalError (LockNotAvailable)" in out
    assert "Retrying 1 failed schema(s)" in out
    assert "3 / 3 schemas" in out and "ETA" in out
    assert _recorded("dinan", name) and _has_column("dinan", "core_auditentry", "probe")


@pytest.mark.live
def test_parallel_migration_reaches_every_schema_on_its_own_connections(
    committed_db, tmp_path, settings
):
    """Two worker threads, each with its own connection, committing schema by schema."""
    settings.MIGRATION_MODULES = {
        "core": extra_migration(
            tmp_path,
            "core",
            "9002_probe_table",
            "[migrations.RunSQL('CREATE TABLE probe_parallel (id int)', migrations.RunSQL.noop)]",
        )
    }
    try:
        call_command("migrate", parallel=2, verbosity=0)
        for schema in COUNCIL_SCHEMAS:
            assert _has_column(schema, "probe_parallel", "id")
            assert _recorded(schema, "9002_probe_table")
    finally:
        with connection.cursor() as cursor:
            for schema in ("public", *COUNCIL_SCHEMAS):
                cursor.execute(f"DROP TABLE IF EXISTS {schema}.probe_parallel")
                cursor.execute(
                    f"DELETE FROM {schema}.django_migrations WHERE name = '9002_probe_table'"
                )
        sys.path[:] = [p for p in sys.path if p != str(tmp_path)]


def test_post_migrate_runs_in_each_migrated_schema_for_the_migrated_app(db, pending):
    """Content types and permissions of the app whose migration ran are (re)created there."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django_tenants.utils import schema_context

    pending()
    with schema_context("dinan"):
        ContentType.objects.filter(app_label="core", model="auditentry").delete()
        assert not Permission.objects.filter(codename="view_auditentry").exists()
    call_command("migrate", verbosity=0)
    with schema_context("dinan"):
        ContentType.objects.clear_cache()
        assert ContentType.objects.filter(app_label="core", model="auditentry").exists()
        assert Permission.objects.filter(codename="view_auditentry").exists()
