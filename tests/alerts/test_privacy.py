"""A resident's alert data: their export, what their account deletion erases, and the council's
retention period for the phone numbers of delivery records."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection, models
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.services import account_delete
from alerts.models import AlertEvent, AlertRecipient, AlertSettings, AlertSubscription
from alerts.services import alert_send, inbound_message_record
from alerts.services.privacy import delivery_phones_erase_expired
from alerts.tasks import erase_expired_phone_numbers_everywhere
from core.privacy import personal_data_export
from tests.conftest import make_user

from .conftest import draft, neighbourhood, subscriber


@pytest.fixture
def officer(in_dinan):
    return make_user("officer@dinan.example", "communications_officer")


def test_export_holds_the_subscription_and_the_alerts_sent_to_the_resident(officer):
    river = neighbourhood("River")
    resident = subscriber("res@example.org", neighbourhoods=[river], paused=False)
    alert = alert_send(alert=draft(officer, neighbourhoods=[river]), actor=officer)
    AlertSubscription.objects.filter(user=resident).update(paused=True)

    data = personal_data_export(resident)["alerts"]
    assert data["subscription"]["neighbourhoods"] == ["River"]
    assert data["subscription"]["paused"] is True
    assert data["subscription"]["whole_council"] is False
    (delivery,) = data["deliveries"]
    assert delivery["alert"] == "Flood warning"
    assert delivery["alert_identifier"] == alert.identifier
    assert delivery["status"] == "pending" and delivery["sent_at"]
    assert delivery["phone"] == resident.phone
    assert data["number_opted_out"] is False


def _columns_holding(value: str) -> list[str]:
    """Every text or JSON column of every alerts model whose value contains `value`."""
    found = []
    for model in apps.get_app_config("alerts").get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model.objects.values(*fields):
            found += [f"{model.__name__}.{k}" for k, v in row.items() if value in str(v)]
    return found


def test_after_account_deletion_no_alerts_table_holds_the_residents_email_or_phone(officer, twilio):
    resident = subscriber("gone@example.org", whole_council=True)
    email, phone = resident.email, resident.phone
    officer.phone, officer.phone_confirmed_at = phone, timezone.now()  # a shared family phone
    officer.save()
    alert = alert_send(alert=draft(officer), actor=officer)
    from alerts.services import alert_test_send

    alert_test_send(alert=draft(officer), actor=officer)
    inbound_message_record(from_phone=phone, body="STOP")  # their objection must outlive them
    assert _columns_holding(phone)  # the scan does see the number while the account exists

    account_delete(user=resident)

    assert _columns_holding(phone) == []
    assert _columns_holding(email) == []
    assert not AlertSubscription.objects.exists()
    row = AlertRecipient.objects.get(alert=alert)
    assert (row.user_id, row.phone, row.status) == (None, "", "pending")  # the count stays
    # The STOP is still honoured for that number, whoever holds it next.
    from alerts.selectors import phone_is_opted_out

    assert phone_is_opted_out(phone)
    assert AlertEvent.objects.filter(kind="opted_out").exists()


def _age(rows, days: int) -> None:
    rows.update(created_at=timezone.now() - timedelta(days=days))


def test_retention_erases_only_numbers_older_than_the_councils_period(officer):
    AlertSettings.objects.update_or_create(pk=1, defaults={"delivery_retention_days": 30})
    phones = [subscriber(f"r{i}@example.org", whole_council=True).phone for i in range(5)]
    alert = alert_send(alert=draft(officer), actor=officer)
    rows = AlertRecipient.objects.filter(alert=alert).order_by("phone")
    old = [r.pk for r in rows[:3]]
    _age(AlertRecipient.objects.filter(pk__in=old), 31)
    _age(AlertRecipient.objects.exclude(pk__in=old), 29)
    AlertRecipient.objects.filter(pk=old[0]).update(status="delivered", status_rank=4)

    assert delivery_phones_erase_expired(batch_size=2) == 3
    kept = dict(AlertRecipient.objects.values_list("pk", "phone"))
    assert [kept[pk] for pk in old] == ["", "", ""]
    assert sorted(p for p in kept.values() if p) == sorted(phones)[3:]
    # Statistics stay: every row, its status.
    assert AlertRecipient.objects.filter(alert=alert).count() == 5
    assert AlertRecipient.objects.get(pk=old[0]).status == "delivered"
    assert delivery_phones_erase_expired() == 0  # idempotent


def test_the_beat_task_applies_each_councils_own_period(officer, dinan, saint_malo):
    subscriber("d@example.org", whole_council=True)
    AlertSettings.objects.update_or_create(pk=1, defaults={"delivery_retention_days": 30})
    alert_send(alert=draft(officer), actor=officer)
    _age(AlertRecipient.objects.all(), 60)
    with tenant_context(saint_malo):
        malo_officer = make_user("officer@saint-malo.example", "communications_officer")
        malo_phone = subscriber("m@example.org", whole_council=True).phone
        alert_send(alert=draft(malo_officer), actor=malo_officer)
        _age(AlertRecipient.objects.all(), 60)  # within Saint-Malo's default 90 days

    connection.set_schema_to_public()
    erase_expired_phone_numbers_everywhere.delay()  # from beat: fans out to each council

    with tenant_context(saint_malo):
        assert list(AlertRecipient.objects.values_list("phone", flat=True)) == [malo_phone]
    with tenant_context(dinan):
        assert list(AlertRecipient.objects.values_list("phone", flat=True)) == [""]


def test_retention_period_is_validated_on_the_settings_page(client_dinan, in_dinan):
    admin = make_user("admin@dinan.example", "council_admin")
    client = client_dinan.login_as(admin)
    page = client.get("/staff/alerts/settings/").content.decode()
    assert 'name="delivery_retention_days"' in page and 'value="90"' in page
    response = client.post(
        "/staff/alerts/settings/", {"send_rate": 10, "delivery_retention_days": 0}
    )
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    assert AlertSettings.objects.get().delivery_retention_days == 90
