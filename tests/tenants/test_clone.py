"""Schema clones use the clone functions installed once (tenants 0003), not re-created each time,
and the spare refill gives each clone a fresh connection."""

from django.db import connection

from tenants.clone import CLONE_FUNCTION_SIGNATURE, clone_functions_current
from tenants.spares import _drop, spare_schemas, spares_refill


def _clone_function_oid() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT '{CLONE_FUNCTION_SIGNATURE}'::regprocedure::oid")
        return cursor.fetchone()[0]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_migrate_installed_the_clone_functions_and_clones_reuse_them(db):
    with connection.cursor() as cursor:
        assert clone_functions_current(cursor)
    before = _clone_function_oid()
    for spare in spare_schemas():
        _drop(spare)
    assert spares_refill(2) == 2
    assert _clone_function_oid() == before


def test_clone_functions_of_another_version_are_replaced(db):
    with connection.cursor() as cursor:
        cursor.execute(f"COMMENT ON FUNCTION {CLONE_FUNCTION_SIGNATURE} IS 'older version'")
        assert not clone_functions_current(cursor)
    for spare in spare_schemas():
        _drop(spare)
    assert spares_refill(1) == 1
    with connection.cursor() as cursor:
        assert clone_functions_current(cursor)


def test_refill_clones_on_a_fresh_connection(committed_db):
    existing = spare_schemas()
    pid = _backend_pid()
    try:
        assert spares_refill(len(existing) + 1) == 1
        assert _backend_pid() != pid
    finally:
        for spare in set(spare_schemas()) - set(existing):
            _drop(spare)
