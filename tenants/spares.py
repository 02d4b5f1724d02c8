"""Spare council schemas: provisioning renames a ready clone of the template instead of cloning.

Cloning the template (django-tenants' clone_schema) costs about a second of SQL; renaming a
schema costs a few milliseconds. A few spare clones are kept ready (TENANT_SPARE_SCHEMAS), and
a Celery task tops the pool up after each council is created and periodically.

A spare is only used when its migration records equal the template's: after a deployment
migrated the template, older spares are dropped and provisioning falls back to a fresh clone.
Two simultaneous provisionings cannot take the same spare: the rename locks the schema, and the
loser's rename fails (inside a savepoint) so it moves on to the next spare.
"""

import logging
import uuid

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_exists

from .clone import schema_clone

logger = logging.getLogger(__name__)

SPARE_PREFIX = "council_spare_"


def _quoted(schema: str) -> str:
    return '"' + schema.replace('"', '""') + '"'


def _applied(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {_quoted(schema)}.django_migrations")  # noqa: S608
        return set(cursor.fetchall())


def spare_schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname",
            [SPARE_PREFIX],
        )
        return [row[0] for row in cursor.fetchall()]


def _drop(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {_quoted(schema)} CASCADE")


def spare_take(target: str) -> bool:
    """Rename a current spare to `target`; False when none is ready (the caller clones)."""
    template = settings.TENANT_BASE_SCHEMA
    if not schema_exists(template):
        return False
    wanted = _applied(template)
    for spare in spare_schemas():
        try:
            with transaction.atomic():
                if _applied(spare) != wanted:
                    _drop(spare)  # made before the last migration: never hand it out
                    continue
                with connection.cursor() as cursor:
                    cursor.execute(f"ALTER SCHEMA {_quoted(spare)} RENAME TO {_quoted(target)}")
                return True
        except DatabaseError:
            logger.info("spare schema %s was taken meanwhile", spare)
    return False


def spares_refill(count: int | None = None) -> int:
    """Drop stale spares and clone new ones until `count` are ready; returns how many were made."""
    count = settings.TENANT_SPARE_SCHEMAS if count is None else count
    template = settings.TENANT_BASE_SCHEMA
    if count <= 0 or not schema_exists(template):
        return 0
    wanted = _applied(template)
    ready = []
    for spare in spare_schemas():
        if _applied(spare) == wanted:
            ready.append(spare)
        else:
            _drop(spare)
    made = 0
    for _ in range(count - len(ready)):
        schema_clone(template, SPARE_PREFIX + uuid.uuid4().hex[:12], "DATA")
        made += 1
        if not connection.in_atomic_block:
            # A backend keeps the catalog entries of every table it touched: one that cloned
            # a whole schema carries hundreds of them. A fresh connection per clone keeps the
            # refill's memory and clone time flat across a burst.
            connection.close()
    return made
