"""A pending migration for benchmarks: a copy of an app's migrations package with one more
migration, which settings.MIGRATION_MODULES then points at (the code itself is untouched)."""

import shutil
import sys
import uuid
from pathlib import Path

from django.apps import apps
from django.db.migrations.loader import MigrationLoader


def extra_migration_package(workdir: Path, app_label: str, name: str, body: str) -> str:
    """Module name of a package holding `app_label`'s migrations plus `name` (whose
    `operations = [...]` source is `body`), depending on the app's current leaf."""
    (leaf,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(app_label)
    package = f"extra_migrations_{uuid.uuid4().hex[:8]}"
    target = workdir / package
    source = Path(apps.get_app_config(app_label).path) / "migrations"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / f"{name}.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [{leaf!r}]\n"
        f"    operations = {body}\n"
    )
    if str(workdir) not in sys.path:
        sys.path.insert(0, str(workdir))
    return package
