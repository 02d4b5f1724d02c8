"""The database cluster is sized for a thousand councils (infra/dev/services.sh, SCALING.md)."""

from django.conf import settings
from django.db import connection


def test_lock_table_holds_a_lock_on_every_table_of_a_thousand_councils(db):
    """pg_dump, and anything else that touches every council in one transaction, takes a lock
    per table; with PostgreSQL's default it fails with "out of shared memory" near 300."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
            [settings.TENANT_BASE_SCHEMA],
        )
        tables_per_council = cursor.fetchone()[0]
        cursor.execute(
            "SELECT current_setting('max_locks_per_transaction')::int"
            " * (current_setting('max_connections')::int"
            " + current_setting('max_prepared_transactions')::int)"
        )
        lock_slots = cursor.fetchone()[0]
    assert lock_slots >= 1000 * tables_per_council


def test_connections_have_a_bounded_lifetime():
    """A backend keeps catalog entries for every schema it touched: connections are recycled."""
    from config.settings import base

    assert base.DATABASES["default"]["CONN_MAX_AGE"] is not None
    assert 0 <= base.DATABASES["default"]["CONN_MAX_AGE"] <= 600
