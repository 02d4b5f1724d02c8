"""Who may organise group buys is one of the council's community settings (it was a table of its
own until migration 0005, which keeps each council's value)."""

from importlib import import_module

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from community.group_buys import selectors
from community.models import CommunitySettings
from core.models import AuditEntry
from tests.conftest import CouncilClient

MIGRATION = import_module("community.migrations.0005_group_buys_policy_in_settings")
DROP = import_module("community.migrations.0007_drop_group_buy_policy_table")


def test_council_admin_lets_verified_residents_organise(dinan, staff, alice, agent):
    assert not selectors.may_organise(alice) and selectors.may_organise(agent)
    page = CouncilClient(dinan).login_as(staff)
    response = page.post("/staff/community/group-buys/", {"residents_organise_group_buys": "on"})
    assert response.status_code == 302
    assert CommunitySettings.load().residents_organise_group_buys
    assert selectors.may_organise(alice)
    entry = AuditEntry.objects.get(action="community.settings_update")
    assert entry.actor_id == staff.pk
    assert entry.after == {"residents_organise_group_buys": True}
    # An agent organises group buys but does not change who may.
    CouncilClient(dinan).login_as(agent).post("/staff/community/group-buys/", {})
    assert CommunitySettings.load().residents_organise_group_buys
    # The switch is also on the council's community settings page.
    settings_page = page.get("/staff/community/settings/").content.decode()
    assert "residents_organise_group_buys" in settings_page


def test_the_old_policy_table_is_gone(in_dinan):
    """0005 removed it from Django's state, 0007 from the database (expand, then contract)."""
    assert "community_groupbuypolicy" not in connection.introspection.table_names()
    assert "community_communitysettings" in connection.introspection.table_names()


def test_migration_0005_keeps_each_councils_value(in_dinan):
    """The migration's data step, run on the historical models, on the old table as 0007's
    reverse step brings it back (the test's transaction drops it again)."""
    state = MigrationLoader(connection).project_state(("community", "0004_group_buys"))
    MIGRATION.Migration.operations[0].state_forwards("community", state)  # the new column
    with connection.cursor() as cursor:
        cursor.execute(DROP.RECREATE)
        cursor.execute(
            "INSERT INTO community_groupbuypolicy (id, residents_may_organise) VALUES (1, true)"
        )
    CommunitySettings.objects.all().delete()  # a council that never saved its settings
    MIGRATION.copy_policy_to_settings(state.apps, None)
    assert CommunitySettings.load().residents_organise_group_buys
    # Backwards: the settings' value goes back to the old table.
    CommunitySettings.objects.update(residents_organise_group_buys=False)
    MIGRATION.copy_settings_to_policy(state.apps, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT residents_may_organise FROM community_groupbuypolicy WHERE id = 1")
        assert cursor.fetchone() == (False,)
    # A council that had not allowed it keeps the default.
    CommunitySettings.objects.all().delete()
    MIGRATION.copy_policy_to_settings(state.apps, None)
    assert not CommunitySettings.load().residents_organise_group_buys
