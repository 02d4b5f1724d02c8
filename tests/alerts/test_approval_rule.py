"""Issue 15: the second-person approval rule holds for every alert that reaches real phones,
and nobody approves text they wrote."""

import pytest
from django.core.exceptions import PermissionDenied

from alerts.models import Alert, AlertRecipient
from alerts.selectors import alert_settings
from alerts.services import alert_approve, alert_edit, alert_send
from tests.conftest import make_user

from .conftest import draft, subscriber


@pytest.fixture
def officer(in_dinan):
    config = alert_settings()
    config.require_approval = True
    config.save()
    return make_user("officer@dinan.example", "communications_officer")


@pytest.mark.parametrize("cap_status", ["Test", "Exercise", "System", "Draft"])
def test_no_cap_status_lets_the_author_alone_text_the_subscribers(officer, twilio, cap_status):
    subscriber("a@example.org", whole_council=True)
    alert = draft(officer, cap_status=cap_status)
    with pytest.raises(PermissionDenied):
        alert_send(alert=alert, actor=officer)
    assert not AlertRecipient.objects.filter(alert=alert).exists()
    assert twilio.state()["messages"] == []


def test_an_approved_test_alert_is_sent(officer, twilio, send):
    subscriber("a@example.org", whole_council=True)
    colleague = make_user("admin@dinan.example", "council_admin")
    alert = alert_approve(alert=draft(officer, cap_status="Test"), actor=colleague)
    assert send(alert, officer).state == Alert.State.SENT


def test_who_edited_the_text_cannot_approve_it(officer, twilio):
    colleague = make_user("admin@dinan.example", "council_admin")
    alert = draft(officer)
    alert_edit(alert=alert, actor=colleague, fields={"sms_body": "Written by the colleague."})
    with pytest.raises(PermissionDenied):
        alert_approve(alert=alert, actor=colleague)
    third = make_user("third@dinan.example", "communications_officer")
    assert alert_approve(alert=alert, actor=third).state == Alert.State.APPROVED
