"""The audit log: one row per action, written with it, and never rewritten."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.models import AuditEntry


def test_a_row_names_actor_target_and_change_but_no_email(council_admin, resident):
    entry = audit_record(
        actor=council_admin,
        action="staff.roles",
        target=resident,
        before={"roles": []},
        after={"roles": ["agent"]},
    )
    entry.refresh_from_db()
    assert entry.actor_id == council_admin.pk
    assert entry.actor_name == council_admin.full_name
    assert (entry.target_type, entry.target_id) == ("accounts.user", str(resident.pk))
    assert resident.email not in entry.target_label
    assert entry.after == {"roles": ["agent"]}


def test_the_audit_table_refuses_update_and_delete(council_admin):
    entry = audit_record(actor=council_admin, action="council.settings")
    for statement in (
        "UPDATE core_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM core_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "council.settings"


def test_a_council_created_from_the_template_has_the_append_only_log(saint_malo, in_dinan):
    connection.set_tenant(saint_malo)
    entry = audit_record(actor=None, action="council.settings")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")


def test_the_client_address_is_recorded_during_a_request(client_dinan, council_admin):
    from core.audit import reset_client_ip, set_client_ip

    token = set_client_ip("203.0.113.7")
    try:
        entry = audit_record(actor=council_admin, action="council.settings")
    finally:
        reset_client_ip(token)
    assert entry.ip == "203.0.113.7"
