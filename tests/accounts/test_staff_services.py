"""Staff management services check the actor's role themselves and leave one audit row each,
with roles and names but never an email address."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts import services
from accounts.models import User
from core.models import AuditEntry
from tests.conftest import make_user

WRONG_ROLES = ["resident", "agent", "moderator", "elected_official", "communications_officer"]


def _new_rows(before: set[int]) -> list[AuditEntry]:
    return list(AuditEntry.objects.exclude(pk__in=before))


def _rows() -> set[int]:
    return set(AuditEntry.objects.values_list("pk", flat=True))


@pytest.fixture
def member(in_dinan):
    return make_user("member@dinan.example", "agent")


def _calls(member):
    return {
        "staff_member_create": lambda actor: services.staff_member_create(
            actor=actor, email="x@dinan.example", full_name="X", roles=["council_admin"]
        ),
        "staff_member_invite": lambda actor: services.staff_member_invite(
            invited_by=actor, email="x@dinan.example", full_name="X", roles=["council_admin"]
        ),
        "staff_roles_set": lambda actor: services.staff_roles_set(
            acting=actor, user=member, roles=["council_admin"]
        ),
        "user_set_active": lambda actor: services.user_set_active(
            acting=actor, user=member, active=False
        ),
    }


@pytest.mark.parametrize("service", ["staff_member_create", "staff_member_invite"])
@pytest.mark.parametrize("persona", WRONG_ROLES)
def test_only_council_admins_add_staff(service, persona, request, member):
    actor = request.getfixturevalue(persona)
    before = _rows()
    with pytest.raises(PermissionDenied):
        _calls(member)[service](actor)
    assert not User.objects.filter(email="x@dinan.example").exists()
    assert not _new_rows(before)


@pytest.mark.parametrize("persona", WRONG_ROLES)
def test_only_council_admins_set_roles_or_deactivate(persona, request, member):
    actor = request.getfixturevalue(persona)
    before = _rows()
    for service in ("staff_roles_set", "user_set_active"):
        with pytest.raises(PermissionDenied):
            _calls(member)[service](actor)
    member = User.objects.get(pk=member.pk)
    assert member.roles == {"agent"} and member.is_active
    assert not _new_rows(before)


def test_invitation_is_one_audit_row_with_roles_and_no_email(council_admin):
    before = _rows()
    user = services.staff_member_invite(
        invited_by=council_admin, email="new@dinan.example", full_name="Nouvelle", roles=["agent"]
    )
    [entry] = _new_rows(before)
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "accounts.staff_member_invite",
        council_admin.pk,
        str(user.pk),
    )
    assert (entry.before, entry.after, entry.target_label) == (
        {"roles": []},
        {"roles": ["agent"]},
        "Nouvelle",
    )
    assert "new@dinan.example" not in str(entry.__dict__)


def test_staff_creation_is_one_audit_row(council_admin):
    before = _rows()
    user = services.staff_member_create(
        actor=council_admin, email="made@dinan.example", full_name="Made", roles=["moderator"]
    )
    [entry] = _new_rows(before)
    assert entry.action == "accounts.staff_member_create" and entry.target_id == str(user.pk)
    assert entry.after == {"roles": ["moderator"]} and entry.data == {"created": True}


def test_roles_change_is_one_audit_row_with_before_and_after(council_admin, member):
    before = _rows()
    services.staff_roles_set(acting=council_admin, user=member, roles=["moderator", "agent"])
    [entry] = _new_rows(before)
    assert entry.action == "accounts.staff_roles_set"
    assert (entry.before, entry.after) == ({"roles": ["agent"]}, {"roles": ["agent", "moderator"]})


def test_deactivation_and_reactivation_are_one_audit_row_each(council_admin, member):
    before = _rows()
    services.user_set_active(acting=council_admin, user=member, active=False)
    [deactivated] = _new_rows(before)
    assert deactivated.action == "accounts.user_deactivate"
    assert (deactivated.before, deactivated.after) == ({"is_active": True}, {"is_active": False})
    before = _rows()
    services.user_set_active(acting=council_admin, user=member, active=True)
    [reactivated] = _new_rows(before)
    assert reactivated.action == "accounts.user_activate"
    # Asking again for the state the account is in changes nothing and logs nothing.
    before = _rows()
    services.user_set_active(acting=council_admin, user=member, active=True)
    assert not _new_rows(before)


def test_the_staff_pages_record_who_acted(client_dinan, council_admin, member):
    client_dinan.login_as(council_admin)
    client_dinan.post(f"/staff/members/{member.pk}/", {"roles": ["moderator"]})
    entry = AuditEntry.objects.get(action="accounts.staff_roles_set")
    assert entry.actor_id == council_admin.pk and entry.ip == "127.0.0.1"
