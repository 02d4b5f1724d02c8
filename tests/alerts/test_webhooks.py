"""Twilio's webhooks: signatures, duplicates, order, opt-out keywords, councils kept apart."""

import pytest
from django_tenants.utils import tenant_context

from alerts.models import AlertRecipient, MessageStatusCallback, OptOut, optout_hash
from alerts.services import alert_send
from alerts.services.delivery import callbacks_apply_early
from tests.conftest import CouncilClient, make_user

from .conftest import ACCOUNT_SID, draft, subscriber

STATUS = "/webhooks/twilio/status/"
INBOUND = "/webhooks/twilio/inbound/"


@pytest.fixture
def accepted_row(in_dinan):
    """A message Twilio accepted for a Dinan resident."""
    officer = make_user("officer@dinan.example", "communications_officer")
    subscriber("resident@example.org", whole_council=True)
    alert = alert_send(alert=draft(officer), actor=officer)
    row = AlertRecipient.objects.get(alert=alert)
    row.status, row.status_rank, row.message_sid = "accepted", 2, "SM" + "a" * 32
    row.save()
    return row


def _status(row) -> str:
    row.refresh_from_db()
    return row.status


def test_forged_signature_is_refused_and_changes_nothing(accepted_row, client_dinan, twilio_post):
    params = {"MessageSid": accepted_row.message_sid, "MessageStatus": "delivered"}
    response = twilio_post(client_dinan, STATUS, params, signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert _status(accepted_row) == "accepted"
    assert not MessageStatusCallback.objects.exists()


def test_missing_signature_is_refused(accepted_row, client_dinan, twilio_post):
    params = {"MessageSid": accepted_row.message_sid, "MessageStatus": "delivered"}
    assert twilio_post(client_dinan, STATUS, params, signature="").status_code == 403
    assert _status(accepted_row) == "accepted"


def test_signature_with_another_token_is_refused(accepted_row, client_dinan, twilio_post):
    params = {"MessageSid": accepted_row.message_sid, "MessageStatus": "delivered"}
    response = twilio_post(client_dinan, STATUS, params, token="somebody-elses-token")
    assert response.status_code == 403
    assert _status(accepted_row) == "accepted"


def test_signature_over_other_parameters_is_refused(accepted_row, client_dinan, twilio_post):
    """A valid signature of one request replayed with a changed body."""
    from .conftest import signed

    url = "http://dinan.localhost" + STATUS
    good = {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": accepted_row.message_sid,
        "MessageStatus": "sent",
    }
    tampered = {"MessageSid": accepted_row.message_sid, "MessageStatus": "failed"}
    response = twilio_post(client_dinan, STATUS, tampered, signature=signed(url, good))
    assert response.status_code == 403
    assert _status(accepted_row) == "accepted"


def test_unknown_account_is_refused(accepted_row, client_dinan, twilio_post):
    params = {
        "MessageSid": accepted_row.message_sid,
        "MessageStatus": "delivered",
        "AccountSid": "AC" + "9" * 32,
    }
    assert twilio_post(client_dinan, STATUS, params).status_code == 403


def test_inbound_stop_with_a_forged_signature_opts_nobody_out(client_dinan, twilio_post, in_dinan):
    params = {"From": "+33611111111", "Body": "STOP"}
    assert twilio_post(client_dinan, INBOUND, params, signature="Zm9yZ2Vk").status_code == 403
    assert not OptOut.objects.exists()


def test_status_callbacks_apply_in_order_and_duplicates_are_ignored(
    accepted_row, client_dinan, twilio_post
):
    sid = accepted_row.message_sid
    assert (
        twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "sent"}).status_code
        == 204
    )
    assert _status(accepted_row) == "sent"
    twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "delivered"})
    assert _status(accepted_row) == "delivered"
    # Twilio delivers the same callback again, then a late "sent" arrives.
    twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "delivered"})
    twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "sent"})
    assert _status(accepted_row) == "delivered"
    assert MessageStatusCallback.objects.filter(message_sid=sid).count() == 2


def test_late_sent_never_overwrites_delivered(accepted_row, client_dinan, twilio_post):
    sid = accepted_row.message_sid
    twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "delivered"})
    twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "queued"})
    twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "sent"})
    assert _status(accepted_row) == "delivered"


def test_first_final_status_wins(accepted_row, client_dinan, twilio_post):
    sid = accepted_row.message_sid
    twilio_post(
        client_dinan,
        STATUS,
        {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"},
    )
    twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "delivered"})
    accepted_row.refresh_from_db()
    assert (accepted_row.status, accepted_row.error_code) == ("undelivered", 30003)
    assert accepted_row.error_message == "Unreachable destination handset"


def test_failed_with_21610_puts_the_number_on_the_opt_out_list(
    accepted_row, client_dinan, twilio_post
):
    twilio_post(
        client_dinan,
        STATUS,
        {"MessageSid": accepted_row.message_sid, "MessageStatus": "failed", "ErrorCode": "21610"},
    )
    assert _status(accepted_row) == "failed"
    assert OptOut.objects.of_phone(accepted_row.phone).exists()


def test_callback_arriving_before_the_sid_is_stored_is_applied_later(
    accepted_row, client_dinan, twilio_post
):
    sid = "SM" + "b" * 32
    twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "delivered"})
    twilio_post(client_dinan, STATUS, {"MessageSid": sid, "MessageStatus": "sent"})
    assert MessageStatusCallback.objects.filter(message_sid=sid).count() == 2
    # The worker now records Twilio's answer for the row.
    AlertRecipient.objects.filter(pk=accepted_row.pk).update(message_sid=sid)
    callbacks_apply_early(alert_id=accepted_row.alert_id, batch=accepted_row.batch)
    assert _status(accepted_row) == "delivered"


def test_public_url_behind_a_proxy_is_what_is_signed(
    accepted_row, client_dinan, twilio_post, settings
):
    """Twilio signs the https URL it was given; the app behind the proxy sees plain http."""
    settings.PUBLIC_URL_SCHEME = "https"
    params = {"MessageSid": accepted_row.message_sid, "MessageStatus": "sent"}
    assert twilio_post(client_dinan, STATUS, params).status_code == 204
    assert _status(accepted_row) == "sent"


def test_a_callback_at_another_council_cannot_touch_this_councils_messages(
    accepted_row, client_saint_malo, twilio_post
):
    params = {
        "MessageSid": accepted_row.message_sid,
        "MessageStatus": "failed",
        "ErrorCode": "21610",
    }
    assert twilio_post(client_saint_malo, STATUS, params).status_code == 204
    assert _status(accepted_row) == "accepted"
    assert not OptOut.objects.exists()


def test_council_with_its_own_account_validates_with_its_own_token(
    accepted_row, client_dinan, twilio_post, saint_malo
):
    from alerts.services import alert_settings_update

    own_sid = "AC" + "5" * 32
    admin = make_user("admin@dinan.example", "council_admin")
    alert_settings_update(
        actor=admin,
        fields={"twilio_account_sid": own_sid, "twilio_messaging_service_sid": "MG" + "5" * 32},
        auth_token="dinan-own-token",
    )
    params = {
        "MessageSid": accepted_row.message_sid,
        "MessageStatus": "sent",
        "AccountSid": own_sid,
    }
    assert twilio_post(client_dinan, STATUS, params, token="dinan-own-token").status_code == 204
    assert _status(accepted_row) == "sent"
    # The same account claimed at Saint-Malo, which does not have it, is refused.
    response = twilio_post(CouncilClient(saint_malo), STATUS, params, token="dinan-own-token")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop. ",
        "ARRET",
        "Arrêt",
        "arrêt",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
    ],
)
def test_opt_out_keywords(body, client_dinan, twilio_post, in_dinan):
    response = twilio_post(client_dinan, INBOUND, {"From": "+33622222222", "Body": body})
    assert response.status_code == 200 and b"<Response>" in response.content
    assert OptOut.objects.of_phone("+33622222222").filter(source="sms_reply").exists()


@pytest.mark.parametrize("body", ["START", "unstop"])
def test_start_keywords_opt_back_in(body, client_dinan, twilio_post, in_dinan):
    OptOut.objects.create(phone_hash=optout_hash("+33633333333"), source="sms_reply")
    twilio_post(client_dinan, INBOUND, {"From": "+33633333333", "Body": body})
    assert not OptOut.objects.of_phone("+33633333333").exists()


def test_other_replies_change_nothing(client_dinan, twilio_post, in_dinan):
    OptOut.objects.create(phone_hash=optout_hash("+33644444444"), source="sms_reply")
    twilio_post(client_dinan, INBOUND, {"From": "+33644444444", "Body": "stop sending please"})
    twilio_post(client_dinan, INBOUND, {"From": "+33655555555", "Body": "Merci"})
    assert OptOut.objects.count() == 1 and OptOut.objects.of_phone("+33644444444").exists()


def test_stop_at_one_council_does_not_opt_out_at_another(
    client_saint_malo, twilio_post, dinan, saint_malo
):
    twilio_post(client_saint_malo, INBOUND, {"From": "+33666666666", "Body": "STOP"})
    with tenant_context(saint_malo):
        assert OptOut.objects.of_phone("+33666666666").exists()
    with tenant_context(dinan):
        assert not OptOut.objects.of_phone("+33666666666").exists()


def test_webhooks_only_accept_post(client_dinan):
    assert client_dinan.get(STATUS).status_code == 405
