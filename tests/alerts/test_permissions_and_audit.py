"""Every alerts service that changes state checks the actor's role itself (not only the views),
and every staff action leaves exactly one row in the staff audit log, without secrets or
phone numbers."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from alerts import services
from alerts.models import Alert, AlertSettings
from alerts.selectors import alert_settings
from core.models import AuditEntry
from tests.conftest import make_user

from .conftest import draft, subscriber


@pytest.fixture
def officer(in_dinan):
    return make_user("officer@dinan.example", "communications_officer")


@pytest.fixture
def admin(in_dinan):
    return make_user("admin@dinan.example", "council_admin")


@pytest.fixture
def sent(officer):
    subscriber("r@example.org", whole_council=True)
    return services.alert_send(alert=draft(officer), actor=officer)


def _fields() -> dict:
    return {"headline": "Storm", "sms_body": "Storm tonight.", "whole_council": True}


ALERT_ACTIONS = {
    "alert_create": lambda user, alert, sent: services.alert_create(author=user, fields=_fields()),
    "alert_create (update)": lambda user, alert, sent: services.alert_create(
        author=user, fields=_fields(), references=sent, msg_type=Alert.MsgType.UPDATE
    ),
    "alert_create (cancel)": lambda user, alert, sent: services.alert_create(
        author=user, fields=_fields(), references=sent, msg_type=Alert.MsgType.CANCEL
    ),
    "alert_edit": lambda user, alert, sent: services.alert_edit(
        alert=alert, actor=user, fields={"headline": "Changed"}
    ),
    "alert_submit": lambda user, alert, sent: services.alert_submit(alert=alert, actor=user),
    "alert_approve": lambda user, alert, sent: services.alert_approve(alert=alert, actor=user),
    "alert_test_send": lambda user, alert, sent: services.alert_test_send(alert=alert, actor=user),
    "alert_send": lambda user, alert, sent: services.alert_send(alert=alert, actor=user),
    "alert_settings_update": lambda user, alert, sent: services.alert_settings_update(
        actor=user, fields={"send_rate": 1}
    ),
    "alert_settings_update (credentials)": lambda user, alert, sent: services.alert_settings_update(
        actor=user, fields={"twilio_account_sid": "AC" + "9" * 32}, auth_token="stolen"
    ),
}


@pytest.mark.parametrize("persona", ["resident", "elected_official"])
@pytest.mark.parametrize("action", list(ALERT_ACTIONS))
def test_services_refuse_residents_and_elected_officials(
    action, persona, officer, sent, twilio, request
):
    user = request.getfixturevalue(persona)
    # Even with a confirmed phone (the test send's own condition), the role is what counts.
    user.phone, user.phone_confirmed_at = "+33699999999", timezone.now()
    user.save()
    alert = draft(officer)
    before = (Alert.objects.count(), AuditEntry.objects.count())
    with pytest.raises(PermissionDenied):
        ALERT_ACTIONS[action](user, alert, sent)
    alert.refresh_from_db()
    assert alert.state == Alert.State.DRAFT and alert.headline == "Flood warning"
    assert (Alert.objects.count(), AuditEntry.objects.count()) == before
    assert twilio.state()["messages"] == []
    config = alert_settings()
    assert config.send_rate == 10 and not config.twilio_auth_token_encrypted


def test_settings_are_refused_to_communications_officers(officer):
    with pytest.raises(PermissionDenied):
        services.alert_settings_update(actor=officer, fields={"require_approval": True})
    assert not alert_settings().require_approval


def _only_new_entry(since: int) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(pk__gt=since))
    assert len(entries) == 1, [e.action for e in entries]
    return entries[0]


def _last() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_each_staff_action_leaves_exactly_one_audit_row(officer, admin, twilio, settings):
    settings.ALERTS_CREDENTIALS_KEYS = ["test-key"]
    resident = subscriber("r@example.org", whole_council=True)
    officer.phone, officer.phone_confirmed_at = "+33699999999", timezone.now()
    officer.save()
    seen = []

    def step(action: str, run):
        since = _last()
        result = run()
        entry = _only_new_entry(since)
        assert entry.action == action and entry.actor_id in (officer.pk, admin.pk)
        text = json.dumps([entry.before, entry.after, entry.data, entry.target_label])
        # No one's number or email, no secret.
        for secret in (officer.phone, resident.phone, officer.email, resident.email, "s3cret"):
            assert secret not in text
        seen.append(entry)
        return result

    alert = step(
        "alerts.alert_create",
        lambda: services.alert_create(author=officer, fields=_fields()),
    )
    assert seen[-1].target_id == str(alert.pk) and seen[-1].target_type == "alerts.alert"
    step(
        "alerts.alert_edit",
        lambda: services.alert_edit(alert=alert, actor=officer, fields={"headline": "Storm!"}),
    )
    assert seen[-1].before == {"headline": "Storm"} and seen[-1].after == {"headline": "Storm!"}
    step("alerts.alert_submit", lambda: services.alert_submit(alert=alert, actor=officer))
    step("alerts.alert_approve", lambda: services.alert_approve(alert=alert, actor=admin))
    assert seen[-1].after == {"state": "approved"}
    step("alerts.alert_test_send", lambda: services.alert_test_send(alert=alert, actor=officer))
    alert = step("alerts.alert_send", lambda: services.alert_send(alert=alert, actor=officer))
    assert seen[-1].data["recipients"] == 1
    update = step(
        "alerts.alert_create",
        lambda: services.alert_create(
            author=officer, fields=_fields(), references=alert, msg_type=Alert.MsgType.UPDATE
        ),
    )
    assert seen[-1].data["msg_type"] == "Update"
    assert seen[-1].data["references"] == alert.identifier
    update = step("alerts.alert_send", lambda: services.alert_send(alert=update, actor=officer))
    cancel = step(
        "alerts.alert_create",
        lambda: services.alert_create(
            author=officer, fields=_fields(), references=update, msg_type=Alert.MsgType.CANCEL
        ),
    )
    step("alerts.alert_cancel", lambda: services.alert_send(alert=cancel, actor=officer))
    assert seen[-1].data["references"] == update.identifier

    step(
        "alerts.settings_update",
        lambda: services.alert_settings_update(
            actor=admin, fields={"send_rate": 25, "delivery_retention_days": 30}
        ),
    )
    assert seen[-1].before == {"send_rate": 10, "delivery_retention_days": 90}
    assert seen[-1].after == {"send_rate": 25, "delivery_retention_days": 30}
    step(
        "alerts.settings_update",
        lambda: services.alert_settings_update(
            actor=admin, fields={"twilio_account_sid": "AC" + "7" * 32}, auth_token="s3cret"
        ),
    )
    assert seen[-1].data == {"auth_token": "set"}
    step(
        "alerts.settings_update",
        lambda: services.alert_settings_update(actor=admin, fields={}, auth_token=""),
    )
    assert seen[-1].data == {"auth_token": "removed"}


def test_a_refused_send_leaves_no_audit_row(officer, admin):
    AlertSettings.objects.update_or_create(pk=1, defaults={"require_approval": True})
    alert = draft(officer)
    since = _last()
    with pytest.raises(PermissionDenied):
        services.alert_send(alert=alert, actor=officer)  # not approved by a second person
    assert not AuditEntry.objects.filter(pk__gt=since).exists()
