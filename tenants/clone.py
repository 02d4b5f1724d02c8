"""Cloning a schema with django-tenants' `clone_schema` PL/pgSQL function, installed once.

django-tenants re-creates its clone functions (≈4,500 lines of PL/pgSQL, dropping and creating
types and functions) before every clone. Each new version is a new function to the server: a
long-lived connection compiled and kept every copy (+11.6 MB per clone; 930 MB after a refill
burst, with clones slowing to 23 s). Here the functions are installed by a migration
(tenants 0003) and again only when django-tenants ships a different version of them, which the
comment on `public.clone_schema` records."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django_tenants.clone import CLONE_SCHEMA_FUNCTION
from django_tenants.utils import schema_exists

from .models import tenant_connection

CLONE_FUNCTION_SIGNATURE = "public.clone_schema(text, text, public.cloneparms[])"


def _version() -> str:
    return (
        "django-tenants clone_schema "
        + hashlib.sha256(CLONE_SCHEMA_FUNCTION.encode()).hexdigest()[:16]
    )


def clone_functions_install(cursor) -> None:
    """(Re)install the clone functions in the public schema and record their version."""
    db_user = settings.DATABASES["default"].get("USER") or "postgres"
    cursor.execute(CLONE_SCHEMA_FUNCTION.format(db_user=db_user))
    # The version is hex digits and fixed text: safe to write into the statement.
    cursor.execute(f"COMMENT ON FUNCTION {CLONE_FUNCTION_SIGNATURE} IS '{_version()}'")


def clone_functions_current(cursor) -> bool:
    cursor.execute(
        "SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
    )
    return [row[0] for row in cursor.fetchall()] == [_version()]


def schema_clone(base: str, new: str, mode: str = "DATA") -> None:
    """Create schema `new` as a copy of `base` (tables, sequences, functions; rows too in DATA
    mode). Raises ValidationError when `new` exists, whatever its case."""
    connection = tenant_connection()
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        if not clone_functions_current(cursor):
            clone_functions_install(cursor)
        if schema_exists(new, case_sensitive=False):
            raise ValidationError("New schema name already exists")
        cursor.execute("SELECT public.clone_schema(%s, %s, %s)", [base, new, mode])
