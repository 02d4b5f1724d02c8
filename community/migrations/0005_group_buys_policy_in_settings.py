"""The "verified residents may organise group buys" switch moves from its own singleton table
(GroupBuyPolicy) into the council's CommunitySettings, keeping each council's value.

Zero-downtime: the column is added with a database default, the value copied, and the model
removed from Django's state only. The table stays while the previous release (which still reads
it) serves the council during `migrate`; a later release drops `community_groupbuypolicy`.
A change of the switch made in the old release during that window is not carried over."""

from django.db import migrations, models


def copy_policy_to_settings(apps, schema_editor):
    policy = apps.get_model("community", "GroupBuyPolicy").objects.filter(pk=1).first()
    if policy is None or not policy.residents_may_organise:
        return  # the default, False, is already there
    settings_model = apps.get_model("community", "CommunitySettings")
    updated = settings_model.objects.filter(pk=1).update(residents_organise_group_buys=True)
    if not updated:
        settings_model.objects.create(pk=1, residents_organise_group_buys=True)


def copy_settings_to_policy(apps, schema_editor):
    row = apps.get_model("community", "CommunitySettings").objects.filter(pk=1).first()
    apps.get_model("community", "GroupBuyPolicy").objects.update_or_create(
        pk=1,
        defaults={"residents_may_organise": bool(row and row.residents_organise_group_buys)},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0004_group_buys"),
    ]

    operations = [
        migrations.AddField(
            model_name="communitysettings",
            name="residents_organise_group_buys",
            field=models.BooleanField(
                db_default=False,
                default=False,
                verbose_name="verified residents may organise group buys",
            ),
        ),
        migrations.RunPython(copy_policy_to_settings, copy_settings_to_policy),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="GroupBuyPolicy")],
            database_operations=[],
        ),
    ]
