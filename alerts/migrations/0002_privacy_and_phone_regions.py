"""Phone numbers of the council's region (the country code setting goes: Council.phone_region
and E.164 numbers on confirmed accounts replace it), opt-outs kept as hashes, delivery records'
numbers erased after a retention period."""

import hashlib

import django.core.validators
from django.db import migrations, models

# alerts.models.OPTOUT_HASH_PREFIX, as it was when this migration was written.
OPTOUT_HASH_PREFIX = "commune-alerts-optout:"


def _masked(phone: str) -> str:
    # core.phones.phone_masked, as it was when this migration was written.
    return phone[:4] + "•" * max(len(phone) - 7, 0) + phone[-3:] if len(phone) > 7 else phone


def hash_optouts_and_mask_events(apps, schema_editor):
    OptOut = apps.get_model("alerts", "OptOut")
    for optout in OptOut.objects.all():
        optout.phone_hash = hashlib.sha256((OPTOUT_HASH_PREFIX + optout.phone).encode()).hexdigest()
        optout.save(update_fields=["phone_hash"])
    AlertEvent = apps.get_model("alerts", "AlertEvent")
    for event in AlertEvent.objects.exclude(phone="").only("pk", "phone"):
        masked = _masked(event.phone)
        if masked != event.phone:
            AlertEvent.objects.filter(pk=event.pk).update(phone=masked)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(model_name="alertsettings", name="default_country_code"),
        migrations.AddField(
            model_name="alertsettings",
            name="delivery_retention_days",
            field=models.PositiveSmallIntegerField(
                default=90,
                help_text=(
                    "After this many days the phone numbers of an alert's delivery records are "
                    "erased; the counts and statuses stay for statistics."
                ),
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(730),
                ],
                verbose_name="keep phone numbers of delivery records (days)",
            ),
        ),
        migrations.AddField(
            model_name="optout",
            name="phone_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(hash_optouts_and_mask_events, migrations.RunPython.noop),
        migrations.RemoveField(model_name="optout", name="phone"),
        migrations.AlterField(
            model_name="optout",
            name="phone_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="alertrecipient",
            name="phone",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AlterField(
            model_name="alerttestsend",
            name="phone",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.RemoveConstraint(model_name="alertrecipient", name="alert_recipient_once"),
        migrations.AddConstraint(
            model_name="alertrecipient",
            constraint=models.UniqueConstraint(
                condition=models.Q(("phone", ""), _negated=True),
                fields=("alert", "phone"),
                name="alert_recipient_once",
            ),
        ),
        migrations.AddIndex(
            model_name="alertrecipient",
            index=models.Index(
                condition=models.Q(("phone", ""), _negated=True),
                fields=["created_at"],
                name="alert_recipient_phone_kept",
            ),
        ),
    ]
