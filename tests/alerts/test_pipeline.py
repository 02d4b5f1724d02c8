"""The sending pipeline against the Twilio simulator, with Celery eager (in-process)."""

import socket
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from alerts.models import Alert, AlertEvent, AlertRecipient, OptOut, optout_hash
from alerts.selectors import alert_settings
from alerts.services import alert_approve, alert_edit, alert_send, optout_add
from alerts.services.delivery import alert_batch_deliver
from alerts.simulator import TwilioSimulator
from tests.conftest import make_user

from .conftest import ACCOUNT_SID, AUTH_TOKEN, draft, neighbourhood, new_phone, subscriber


@pytest.fixture
def officer(in_dinan):
    return make_user("officer@dinan.example", "communications_officer")


def test_alert_to_chosen_neighbourhoods_reaches_exactly_the_confirmed_subscribers_there(
    officer, twilio, send
):
    river, hill, port = neighbourhood("River"), neighbourhood("Hill"), neighbourhood("Port")
    expected = {
        subscriber("river@example.org", neighbourhoods=[river]).phone,
        subscriber("everywhere@example.org", whole_council=True).phone,
        subscriber("both@example.org", neighbourhoods=[river, port]).phone,
    }
    # Confirmed numbers are stored in E.164 (core.phones): one in any other form is not
    # guessed at with a country code of ours (that is how 0692… became +33692…).
    subscriber("national@example.org", phone="06 12 34 56 78", neighbourhoods=[river])
    shared = new_phone()  # two accounts with one number: one message
    subscriber("shared-1@example.org", phone=shared, neighbourhoods=[river])
    subscriber("shared-2@example.org", phone=shared, neighbourhoods=[river])
    expected.add(shared)

    subscriber("unconfirmed@example.org", neighbourhoods=[river], confirmed=False)
    subscriber("paused@example.org", neighbourhoods=[river], paused=True)
    subscriber("hill@example.org", neighbourhoods=[hill])
    subscriber("inactive@example.org", neighbourhoods=[river], is_active=False)
    subscriber("bad-number@example.org", phone="12", neighbourhoods=[river])
    make_user("not-subscribed@example.org", phone=new_phone(), phone_confirmed_at=timezone.now())
    opted_out = subscriber("stopped@example.org", neighbourhoods=[river]).phone
    OptOut.objects.create(
        phone_hash=optout_hash(opted_out), source=OptOut.Source.SMS_REPLY, keyword="STOP"
    )

    alert = send(draft(officer, neighbourhoods=[river]), officer)

    sent = Counter(m["to"] for m in twilio.state()["messages"])
    assert set(sent) == expected
    assert set(sent.values()) == {1}
    assert alert.recipient_count == len(expected)
    assert alert.state == Alert.State.SENT and alert.completed_at is not None
    rows = AlertRecipient.objects.filter(alert=alert)
    assert {r.phone for r in rows} == expected
    assert all(r.status == "accepted" and r.message_sid.startswith("SM") for r in rows)
    assert {m["sid"] for m in twilio.state()["messages"]} == {r.message_sid for r in rows}
    assert set(AlertEvent.objects.filter(alert=alert).values_list("kind", flat=True)) >= {
        "created",
        "dispatched",
        "completed",
    }


def test_messages_use_the_messaging_service_and_the_status_callback_url(officer, twilio, send):
    subscriber("one@example.org", whole_council=True)
    send(draft(officer), officer)
    (message,) = twilio.state()["messages"]
    assert message["messaging_service_sid"].startswith("MG")
    assert message["status_callback"] == "http://dinan.localhost/webhooks/twilio/status/"


def test_stopped_number_gets_nothing_and_start_resubscribes(
    officer, twilio, send, client_dinan, twilio_post
):
    resident = subscriber("stopper@example.org", whole_council=True)
    other = subscriber("other@example.org", whole_council=True)

    response = twilio_post(
        client_dinan,
        "/webhooks/twilio/inbound/",
        {"From": resident.phone, "Body": "Arrêt", "MessageSid": "SM1"},
    )
    assert response.status_code == 200
    send(draft(officer), officer)
    assert twilio.sent_to(resident.phone) == []
    assert len(twilio.sent_to(other.phone)) == 1

    twilio_post(
        client_dinan,
        "/webhooks/twilio/inbound/",
        {"From": resident.phone, "Body": "START", "MessageSid": "SM2"},
    )
    send(draft(officer, headline="Second"), officer)
    assert len(twilio.sent_to(resident.phone)) == 1
    assert len(twilio.sent_to(other.phone)) == 2


def test_rate_limited_requests_are_retried_and_each_message_is_accepted_once(officer, twilio, send):
    phones = {subscriber(f"r{i}@example.org", whole_council=True).phone for i in range(6)}
    twilio.configure(throttle_first=3)

    alert = send(draft(officer), officer)

    state = twilio.state()
    assert [r["outcome"] for r in state["requests"]].count(429) == 3
    assert Counter(m["to"] for m in state["messages"]) == dict.fromkeys(phones, 1)
    rows = AlertRecipient.objects.filter(alert=alert)
    assert all(r.status == "accepted" for r in rows)
    assert sum(r.attempts for r in rows) == 6 + 3


def test_permanent_errors_are_recorded_with_their_code_and_not_retried(officer, twilio, send):
    stopped, invalid, landline, unroutable, fine = (new_phone() for _ in range(5))
    twilio.configure(
        error_numbers={stopped: 21610, invalid: 21211, landline: 21614, unroutable: 21612}
    )
    for n, phone in enumerate([stopped, invalid, landline, unroutable, fine]):
        subscriber(f"p{n}@example.org", phone=phone, whole_council=True)

    alert = send(draft(officer), officer)

    rows = {r.phone: r for r in AlertRecipient.objects.filter(alert=alert)}
    assert (rows[stopped].status, rows[stopped].error_code) == ("opted_out", 21610)
    assert (rows[invalid].status, rows[invalid].error_code) == ("invalid", 21211)
    assert (rows[landline].status, rows[landline].error_code) == ("invalid", 21614)
    assert (rows[unroutable].status, rows[unroutable].error_code) == ("failed", 21612)
    assert rows[fine].status == "accepted"
    attempts = Counter(r["to"] for r in twilio.state()["requests"])
    assert all(attempts[p] == 1 for p in rows)  # nothing was tried twice
    assert OptOut.objects.of_phone(stopped).filter(source="provider").exists()
    assert alert.state == Alert.State.SENT


def test_connection_refused_before_sending_is_retried(officer, settings, send):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    simulator = TwilioSimulator(port=port, accounts={ACCOUNT_SID: AUTH_TOKEN}, callbacks=False)
    settings.SMS_BACKEND = "core.sms.TwilioBackend"
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{port}"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, AUTH_TOKEN
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "3" * 32
    phone = subscriber("patient@example.org", whole_council=True).phone
    starter = threading.Timer(0.4, simulator.start)  # Twilio "comes back" after 0.4 s
    starter.start()
    try:
        alert = send(draft(officer), officer)
    finally:
        starter.join()
        simulator.stop()
    row = AlertRecipient.objects.get(alert=alert)
    assert row.status == "accepted" and row.attempts > 1
    assert [m["to"] for m in simulator.state()["messages"]] == [phone]


def test_sending_is_paced_to_the_councils_rate(officer, twilio, send, settings):
    config = alert_settings()
    config.send_rate = 20
    config.save()
    settings.ALERTS_SEND_CONCURRENCY = chunk = 4  # a lagging worker may catch up one chunk
    for i in range(40):
        subscriber(f"paced{i}@example.org", whole_council=True)

    send(draft(officer), officer)

    times = sorted(r["at"] for r in twilio.state()["requests"])
    assert len(times) == 40
    # 40 messages at 20/s: about two seconds, never more than 20 (plus one catch-up chunk) in
    # any second.
    assert times[-1] - times[0] >= (40 - chunk) / 20
    limit = 20 + chunk
    for i in range(len(times) - limit):
        assert times[i + limit] - times[i] >= 0.95  # HTTP jitter


def test_budget_blocks_a_non_emergency_alert_but_not_an_emergency(officer, twilio, send):
    config = alert_settings()
    config.monthly_budget_segments = 3
    config.save()
    for i in range(2):
        subscriber(f"b{i}@example.org", whole_council=True)
    send(draft(officer, severity="Moderate"), officer)  # 2 segments used, 1 left

    minor = draft(officer, severity="Minor", headline="Road closed")
    with pytest.raises(ValidationError, match="budget"):
        alert_send(alert=minor, actor=officer)
    minor.refresh_from_db()
    assert minor.state == Alert.State.DRAFT
    assert not AlertRecipient.objects.filter(alert=minor).exists()
    assert len(twilio.state()["messages"]) == 2

    emergency = send(draft(officer, severity="Extreme", headline="Evacuate"), officer)
    assert emergency.state == Alert.State.SENT
    assert len(twilio.state()["messages"]) == 4


def test_actual_alerts_need_a_second_person_when_the_council_requires_it(officer, twilio, send):
    config = alert_settings()
    config.require_approval = True
    config.save()
    subscriber("a@example.org", whole_council=True)
    colleague = make_user("admin@dinan.example", "council_admin")
    alert = draft(officer)

    with pytest.raises(PermissionDenied):
        alert_send(alert=alert, actor=officer)
    with pytest.raises(PermissionDenied):
        alert_approve(alert=alert, actor=officer)  # not by its author
    alert_approve(alert=alert, actor=colleague)
    alert_edit(alert=alert, actor=officer, fields={"sms_body": "Changed after approval"})
    with pytest.raises(PermissionDenied):
        alert_send(alert=alert, actor=officer)  # editing withdrew the approval
    alert_approve(alert=alert, actor=colleague)
    assert send(alert, officer).state == Alert.State.SENT

    exercise = draft(officer, cap_status="Exercise", headline="Drill")
    with pytest.raises(PermissionDenied):
        alert_send(alert=exercise, actor=officer)  # an exercise reaches real phones too
    assert len(twilio.state()["messages"]) == 1


def test_a_cancellation_stops_what_the_original_had_not_handed_over(officer, twilio, send):
    from alerts.services import alert_create, alert_followup_defaults

    for i in range(3):
        subscriber(f"c{i}@example.org", whole_council=True)
    original = draft(officer)
    original = alert_send(alert=original, actor=officer)  # no batch ran yet
    fields, hoods = alert_followup_defaults(original, Alert.MsgType.CANCEL)
    cancel = alert_create(
        author=officer,
        fields=fields,
        neighbourhoods=hoods,
        references=original,
        msg_type=Alert.MsgType.CANCEL,
    )
    send(cancel, officer)

    assert set(original.recipients.values_list("status", flat=True)) == {"skipped"}
    alert_batch_deliver(alert_id=original.pk, batch=0)  # the original's batch runs late
    bodies = [m["body"] for m in twilio.state()["messages"]]
    assert len(bodies) == 3 and all("END OF ALERT" in b for b in bodies)


def test_a_claim_by_a_dead_worker_is_taken_over_after_the_lease_and_flagged(
    officer, twilio, settings
):
    settings.ALERTS_CLAIM_LEASE_SECONDS = 30
    phones = [subscriber(f"d{i}@example.org", whole_council=True).phone for i in range(3)]
    alert = draft(officer)
    alert_send(alert=alert, actor=officer)  # rows only; the test plays the workers
    rows = AlertRecipient.objects.filter(alert=alert).order_by("phone")
    # A worker claimed the first two and died before recording Twilio's answer; one claim is
    # recent (its worker may still be alive), one is old.
    old, recent = rows[0], rows[1]
    AlertRecipient.objects.filter(pk=old.pk).update(
        status="claimed",
        status_rank=1,
        attempts=1,
        claimed_at=timezone.now() - timedelta(seconds=60),
    )
    AlertRecipient.objects.filter(pk=recent.pk).update(
        status="claimed", status_rank=1, attempts=1, claimed_at=timezone.now()
    )

    result = alert_batch_deliver(alert_id=alert.pk, batch=0)

    assert 0 < result.retry_in <= 31  # waits for the live claim's lease
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == "accepted" and old.resent_after_crash and old.attempts == 2
    assert recent.status == "claimed" and recent.message_sid is None
    assert sorted(m["to"] for m in twilio.state()["messages"]) == sorted([phones[0], phones[2]])


def test_a_stop_arriving_during_sending_is_honoured(officer, twilio):
    phone = subscriber("late-stop@example.org", whole_council=True).phone
    alert = draft(officer)
    alert_send(alert=alert, actor=officer)
    optout_add(phone=phone, source=OptOut.Source.SMS_REPLY, keyword="STOP")
    alert_batch_deliver(alert_id=alert.pk, batch=0)
    assert twilio.sent_to(phone) == []
    assert AlertRecipient.objects.get(alert=alert).status == "opted_out"


def test_recipients_are_split_into_batches(officer, twilio, send, settings):
    settings.ALERTS_BATCH_SIZE = 4
    for i in range(10):
        subscriber(f"batch{i}@example.org", whole_council=True)
    alert = send(draft(officer), officer)
    batches = Counter(alert.recipients.values_list("batch", flat=True))
    assert batches == {0: 4, 1: 4, 2: 2}
    assert len(twilio.state()["messages"]) == 10
