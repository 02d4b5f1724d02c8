"""Issue 15: a captured, correctly signed webhook replayed later changes nothing, and a signed
status callback with a non-numeric ErrorCode is a 400."""

from alerts.models import OptOut, optout_hash

INBOUND = "/webhooks/twilio/inbound/"
STATUS = "/webhooks/twilio/status/"
SID = "SM" + "a" * 32


def test_a_replayed_stop_or_start_is_ignored(client_dinan, twilio_post, in_dinan):
    phone = "+33677777777"
    stop = {"From": phone, "Body": "STOP", "MessageSid": SID}
    start = {"From": phone, "Body": "START", "MessageSid": "SM" + "b" * 32}
    assert twilio_post(client_dinan, INBOUND, stop).status_code == 200
    assert twilio_post(client_dinan, INBOUND, start).status_code == 200
    assert not OptOut.objects.of_phone(phone).exists()

    # The STOP captured earlier, sent again with its valid signature: the resident stays in.
    assert twilio_post(client_dinan, INBOUND, stop).status_code == 200
    assert not OptOut.objects.of_phone(phone).exists()


def test_a_replayed_start_does_not_undo_a_later_stop(client_dinan, twilio_post, in_dinan):
    phone = "+33688888888"
    start = {"From": phone, "Body": "START", "MessageSid": SID}
    twilio_post(client_dinan, INBOUND, start)
    twilio_post(
        client_dinan, INBOUND, {"From": phone, "Body": "STOP", "MessageSid": "SM" + "c" * 32}
    )
    twilio_post(client_dinan, INBOUND, start)
    assert OptOut.objects.filter(phone_hash=optout_hash(phone)).exists()


def test_status_callback_with_a_non_numeric_error_code_is_refused(client_dinan, twilio_post):
    for code in ("\u00b2", "abc", "99999999999999999999"):
        params = {"MessageSid": SID, "MessageStatus": "failed", "ErrorCode": code}
        assert twilio_post(client_dinan, STATUS, params).status_code == 400
