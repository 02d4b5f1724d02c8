"""Provisioning takes a ready spare clone of the template when one is current."""

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from tenants.spares import spare_schemas, spare_take, spares_refill


def _applied(schema: str) -> set:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cursor.fetchall())


def test_new_council_takes_a_spare_and_works(db):
    for spare in spare_schemas():
        connection.cursor().execute(f'DROP SCHEMA "{spare}" CASCADE')
    assert spares_refill(2) == 2
    before = set(spare_schemas())
    call_command(
        "create_council",
        "--slug",
        "taden",
        "--name",
        "Taden",
        "--domain",
        "taden.localhost",
        "--admin-email",
        "a@taden.example",
    )
    assert len(set(spare_schemas()) & before) == 1  # one spare became the council
    assert _applied("taden") == _applied(settings.TENANT_BASE_SCHEMA)
    with schema_context("taden"):
        from django.contrib.auth.models import Group

        from accounts.models import User

        assert Group.objects.count() == 5
        assert User.objects.get(email="a@taden.example").roles == {"council_admin"}


def test_a_spare_older_than_the_template_is_never_used(db):
    for spare in spare_schemas():
        connection.cursor().execute(f'DROP SCHEMA "{spare}" CASCADE')
    spares_refill(1)
    (stale,) = spare_schemas()
    with connection.cursor() as cursor:  # as if the template had been migrated since
        cursor.execute(f'DELETE FROM "{stale}".django_migrations WHERE app = %s', ["civic"])
    assert spare_take("lanvallay") is False
    assert not schema_exists(stale) and not schema_exists("lanvallay")


def test_refill_replaces_stale_spares_and_tops_up(db):
    for spare in spare_schemas():
        connection.cursor().execute(f'DROP SCHEMA "{spare}" CASCADE')
    spares_refill(2)
    first, second = spare_schemas()
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{first}".django_migrations WHERE app = %s', ["alerts"])
    assert spares_refill(2) == 1
    assert second in spare_schemas() and first not in spare_schemas()
