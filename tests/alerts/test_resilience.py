"""Delivery when things fail, in-process (eager Celery, the simulator as the only fake): the
claim takes exactly what it asks for, transient provider errors are retried until a cap in
time, lost answers are looked up before sending again, the re-driver, honest progress.
The same with real processes and real outages: test_faults_live.py."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from alerts.models import Alert, AlertRecipient
from alerts.selectors import alert_progress
from alerts.services import alert_send
from alerts.services.delivery import _claim, alert_batch_deliver
from alerts.services.redrive import alert_redrive, alerts_redrive, councils_sending
from tenants.models import Council, current_council
from tests.conftest import make_user
from tests.emails import assert_sent_by_council

from .conftest import draft, subscriber

TABLE = AlertRecipient._meta.db_table


@pytest.fixture
def officer(in_dinan):
    return make_user("officer@dinan.example", "communications_officer")


def _rows_for(alert: Alert, count: int) -> None:
    """`count` pending rows for a sending alert, straight in SQL (no users needed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {TABLE} (alert_id, phone, batch, status, status_rank, attempts,
                                 resent_after_crash, error_message, created_at, updated_at)
            SELECT %s, '+3368' || lpad(n::text, 7, '0'), 0, 'pending', 0, 0, false, '',
                   now(), now()
            FROM generate_series(1, %s) n
            """,
            [alert.pk, count],
        )
    Alert.objects.filter(pk=alert.pk).update(state=Alert.State.SENDING)


OLD_CLAIM = f"""
    UPDATE {TABLE} r SET status = 'claimed', status_rank = 1, claimed_at = now()
    WHERE id IN (
        SELECT id FROM {TABLE} WHERE alert_id = %s AND batch = 0 AND status = 'pending'
        ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
    RETURNING id
"""


def test_claim_takes_exactly_what_it_asks_even_when_statistics_say_the_table_is_empty(officer):
    alert, purged = draft(officer), draft(officer, headline="Old")
    _rows_for(purged, 1000)
    with connection.cursor() as cursor:
        # A purge then ANALYZE (autovacuum does it): the table has pages, statistics say that
        # they hold no rows, and the planner believes every scan of it returns one row.
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"ANALYZE {TABLE}")
    _rows_for(alert, 1000)
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT old_form")
        cursor.execute(OLD_CLAIM, [alert.pk, 10])
        old_claimed = len(cursor.fetchall())
        cursor.execute("EXPLAIN " + OLD_CLAIM, [alert.pk, 10])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("ROLLBACK TO SAVEPOINT old_form")
    # The old form's plan re-runs the LIMIT subquery for each outer row (rows it updated are
    # skipped by the next run): it claims far more than asked, whole batches in production.
    assert "Nested Loop Semi Join" in plan, plan
    assert old_claimed > 10

    claimed = _claim(alert.pk, 0, 10)
    assert len(claimed) == 10
    assert AlertRecipient.objects.filter(alert=alert, status="claimed").count() == 10


def test_5xx_then_429_is_retried_until_everyone_is_handed_over(officer, twilio, send, settings):
    settings.ALERTS_RETRY_BACKOFF_SECONDS = 0.05
    settings.ALERTS_RETRY_BACKOFF_MAX_SECONDS = 0.2
    phones = {subscriber(f"o{i}@example.org", whole_council=True).phone for i in range(5)}
    alert = draft(officer)
    twilio.configure(fault_plan=[["503", 1.5], ["429", 1.5]])
    alert = send(alert, officer)

    outcomes = Counter(r["outcome"] for r in twilio.state()["requests"])
    assert outcomes[503] >= 1 and outcomes[429] >= 1
    assert Counter(m["to"] for m in twilio.state()["messages"]) == dict.fromkeys(phones, 1)
    assert set(alert.recipients.values_list("status", flat=True)) == {"accepted"}
    assert alert.state == "sent" and alert.completed_at is not None


def test_transient_errors_are_given_up_only_after_the_cap_in_time(officer, twilio, settings):
    settings.ALERTS_RETRY_CAP_SECONDS = 60  # a routine alert
    phone = subscriber("cap@example.org", whole_council=True).phone
    alert = draft(officer, severity="Minor")
    alert_send(alert=alert, actor=officer)  # rows only: the test plays the worker
    row = AlertRecipient.objects.get(alert=alert)
    # Failing for 30 s: tried again; failing for 61 s: given up, with the last error.
    AlertRecipient.objects.filter(pk=row.pk).update(
        retry_since=timezone.now() - timedelta(seconds=30), error_message="Twilio is unavailable"
    )
    alert_batch_deliver(alert_id=alert.pk, batch=0)
    row.refresh_from_db()
    assert row.status == "accepted" and twilio.sent_to(phone)

    other = subscriber("cap2@example.org", whole_council=True).phone
    second = draft(officer, severity="Minor", headline="Second")
    alert_send(alert=second, actor=officer)
    AlertRecipient.objects.filter(alert=second).update(
        retry_since=timezone.now() - timedelta(seconds=61),
        error_message="Twilio is unavailable (HTTP 503).",
    )
    alert_batch_deliver(alert_id=second.pk, batch=0)
    failed = AlertRecipient.objects.get(alert=second, phone=other)
    assert failed.status == "failed" and "Gave up after 1 min" in failed.error_message
    assert twilio.sent_to(other) == []


def test_permanent_errors_stay_final_during_an_outage(officer, twilio, send):
    invalid = subscriber("inv@example.org", whole_council=True, phone="+15005550001").phone
    fine = subscriber("fine@example.org", whole_council=True).phone
    twilio.configure(fault_plan=[["502", 0.3]])
    alert = send(draft(officer), officer)
    rows = {r.phone: r for r in alert.recipients.all()}
    assert rows[invalid].status == "invalid" and rows[fine].status == "accepted"


def test_a_lost_answer_is_looked_up_and_never_sent_twice(officer, twilio, send):
    lost = subscriber("lost@example.org", whole_council=True).phone
    reset = subscriber("reset@example.org", whole_council=True).phone
    # One answer is lost after the message was created; one connection is reset before.
    twilio.configure(lose_answer_for=[lost], fault_plan=[])
    alert = send(draft(officer), officer)
    assert len(twilio.sent_to(lost)) == 1
    row = alert.recipients.get(phone=lost)
    assert row.status == "accepted" and row.message_sid == twilio.sent_to(lost)[0]["sid"]
    assert not row.resent_after_crash
    assert twilio.list_requests >= 1

    twilio.reset()
    twilio.configure(fault_plan=[["reset", 0.3]])
    second = send(draft(officer, headline="Second"), officer)
    assert len(twilio.sent_to(reset)) == 1  # not created by the reset request: sent again
    assert second.recipients.get(phone=reset).status == "accepted"


def test_a_lost_claim_is_looked_up_before_sending_again(officer, twilio, settings):
    settings.ALERTS_CLAIM_LEASE_SECONDS = 30
    phone = subscriber("claim@example.org", whole_council=True).phone
    alert = draft(officer)
    alert_send(alert=alert, actor=officer)
    # A worker claimed the row, Twilio accepted the message, the worker died before recording.
    from core.sms import get_backend

    sid = get_backend().send(to=phone, body=alert.sms_body)
    AlertRecipient.objects.filter(alert=alert).update(
        status="claimed",
        status_rank=1,
        attempts=1,
        claimed_at=timezone.now() - timedelta(seconds=60),
    )
    alert_batch_deliver(alert_id=alert.pk, batch=0)
    row = AlertRecipient.objects.get(alert=alert)
    assert row.message_sid == sid and not row.resent_after_crash
    assert len(twilio.sent_to(phone)) == 1


def test_redriver_enqueues_only_stalled_alerts_and_completes_finished_ones(
    officer, twilio, settings, django_capture_on_commit_callbacks
):
    settings.ALERTS_REDRIVE_STALL_SECONDS = 30
    phones = [subscriber(f"rd{i}@example.org", whole_council=True).phone for i in range(3)]
    alert = draft(officer)
    alert_send(alert=alert, actor=officer)  # its batches were lost: nothing ran
    council = Council.objects.get(slug="dinan")
    assert council in councils_sending([council])

    # Dispatched just now: a queue may still hold its batch.
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_redrive() == []
    assert twilio.state()["messages"] == []

    Alert.objects.filter(pk=alert.pk).update(dispatched_at=timezone.now() - timedelta(seconds=31))
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_redrive() == [alert.pk]
    assert sorted(m["to"] for m in twilio.state()["messages"]) == sorted(phones)
    alert.refresh_from_db()
    assert alert.state == "sent" and alert.redriven_at is not None
    assert councils_sending([council]) == []


def test_redriver_takes_back_a_started_batch_left_idle_while_the_alert_still_moves(
    officer, settings
):
    """A killed worker's batch (started, then untouched) is enqueued again without waiting for
    the whole alert to go quiet; a batch never started may just be waiting in the queue."""
    settings.ALERTS_REDRIVE_STALL_SECONDS = 30
    alert = draft(officer)
    _rows_for(alert, 6)
    ids = list(
        AlertRecipient.objects.filter(alert=alert).order_by("id").values_list("id", flat=True)
    )
    long_ago = timezone.now() - timedelta(seconds=40)
    for n, pk in enumerate(ids[:2]):
        AlertRecipient.objects.filter(pk=pk).update(
            status="accepted", status_rank=2, attempts=1, message_sid=f"SM{n:032x}"
        )
    AlertRecipient.objects.filter(id__in=ids[4:]).update(batch=1)
    # Other batches move: the alert's heartbeat is fresh.
    Alert.objects.filter(pk=alert.pk).update(
        dispatched_at=long_ago, heartbeat_at=timezone.now(), progress_at=timezone.now()
    )

    # Touched a moment ago: its task may be running.
    AlertRecipient.objects.filter(id__in=ids[:4]).update(
        updated_at=timezone.now() - timedelta(seconds=5)
    )
    assert alert_redrive(Alert.objects.get(pk=alert.pk)) == []

    AlertRecipient.objects.filter(id__in=ids[:4]).update(updated_at=long_ago)
    AlertRecipient.objects.filter(id__in=ids[4:]).update(updated_at=long_ago)
    assert alert_redrive(Alert.objects.get(pk=alert.pk)) == [0]


def test_progress_says_stalled_and_staff_are_emailed_after_five_minutes(
    officer, settings, django_capture_on_commit_callbacks
):
    subscriber("st@example.org", whole_council=True)
    alert = draft(officer)
    alert_send(alert=alert, actor=officer)
    alert.refresh_from_db()
    assert alert_progress(alert)["stalled"] == ""

    since = timezone.now() - timedelta(minutes=6)
    Alert.objects.filter(pk=alert.pk).update(
        progress_at=since, heartbeat_at=timezone.now(), redriven_at=timezone.now()
    )
    alert.refresh_from_db()
    progress = alert_progress(alert)
    assert progress["stalled_since"] == since.isoformat()
    assert progress["stalled"].startswith("Stalled since ") and "retrying" in progress["stalled"]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alerts_redrive()
        alerts_redrive()  # once per stall
    assert len(mail.outbox) == 1
    assert "officer@dinan.example" in mail.outbox[0].to
    assert "Flood warning" in mail.outbox[0].subject  # in the site's language
    assert_sent_by_council(mail.outbox[0], current_council())
