"""New council migrations must be safe while the previous release serves the platform (README,
"Zero-downtime changes"). A finding that is safe anyway goes in ALLOWED with its reason."""

import shutil
import sys
import uuid
from pathlib import Path

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

from tenants.migration_safety import unsafe_operations

# Reviewed findings: (app, migration) → why it is safe.
ALLOWED: dict[tuple[str, str], str] = {
    ("core", "0001_initial"): "the append-only trigger is created on the audit table that the "
    "same migration creates: no rows, no readers yet",
    ("alerts", "0002_privacy_and_phone_regions"): "written before Commune's first production "
    "release: no platform runs the previous schema, so nothing old reads or writes these "
    "tables while it applies. Every later migration follows expand/contract.",
    ("alerts", "0004_redrive_and_retries"): "the one index is a partial index on the alert table "
    "(alerts being sent): a council has hundreds of alerts at most, so the build holds its lock "
    "for milliseconds; its fields are nullable or have database defaults.",
    ("core", "0002_addresses"): "the raw SQL adds the pg_trgm extension in the public schema "
    "if missing (catalogue objects, no table lock); the trigram index is on core_address, a "
    "table the same migration creates (no rows yet).",
    ("community", "0007_drop_group_buy_policy_table"): "drops the table that 0005 removed from "
    "Django's state: the previous release carries 0005, so nothing reads or writes it; the "
    "table has one row, so the drop's lock is held for milliseconds.",
    ("community", "0003_mutual_aid"): "the raw SQL adds the unaccent extension and a French text "
    "search configuration in the public schema if missing (catalogue objects, no table lock) and "
    "a GIN index on community_listing, a table the same migration creates (no rows yet).",
}


def test_council_migrations_have_no_unreviewed_unsafe_operation():
    found = [op for op in unsafe_operations() if op.migration not in ALLOWED]
    assert not found, "\n".join(str(op) for op in found)


def test_allow_list_names_only_existing_migrations():
    nodes = MigrationLoader(None, ignore_no_migrations=True).graph.nodes
    assert set(ALLOWED) <= set(nodes)


def test_a_not_null_column_without_db_default_is_flagged(tmp_path, settings):
    """The checker itself: a migration adding a NOT NULL column the old code cannot fill."""
    (leaf,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("core")
    package = f"unsafe_migrations_{uuid.uuid4().hex[:8]}"
    source = Path(apps.get_app_config("core").path) / "migrations"
    shutil.copytree(source, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / package / "9003_unsafe.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [{leaf!r}]\n"
        "    operations = [\n"
        "        migrations.AddField('auditentry', 'flagged',"
        " models.BooleanField(default=False)),\n"
        "        migrations.AddField('auditentry', 'safe',"
        " models.BooleanField(db_default=False)),\n"
        "        migrations.RemoveField('auditentry', 'flagged'),\n"
        "    ]\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        settings.MIGRATION_MODULES = {"core": package}
        found = [op for op in unsafe_operations() if op.migration == ("core", "9003_unsafe")]
    finally:
        sys.path.remove(str(tmp_path))
    reasons = [(op.operation, op.reason) for op in found]
    assert len(found) == 2, reasons
    assert "flagged" in found[0].operation and "db_default" in found[0].reason
    assert "Remove" in found[1].operation
