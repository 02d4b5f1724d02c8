"""Handing an alert's messages to Twilio, batch by batch, and recording what Twilio reports.

How a batch task works (alert_batch_deliver), and why nothing is lost or sent twice
--------------------------------------------------------------------------------------
Every recipient is a row (alert x phone, unique) created when the alert was sent. A batch task
loops over its batch's rows in small chunks:

1. reserve the chunk's slots on the council's shared pacing timeline (Redis) and wait for them;
2. CLAIM the chunk: one UPDATE turns up to `chunk` rows from `pending` into `claimed`
   (`FOR UPDATE SKIP LOCKED`, committed at once), so two executions of the same task — a
   redelivery while the first still runs — never take the same row. The rows are chosen in a
   CTE, never in `WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`: when the table's
   statistics say it is empty (analyzed after a purge) PostgreSQL plans that as a semi join
   re-running the LIMIT subquery per outer row, and one claim took a whole batch. A claim that
   returns more rows than asked is rolled back and refused;
3. hand each claimed message to Twilio (concurrently, each at its paced instant);
4. RECORD the answers in one UPDATE: the Message SID and `accepted`, or the error, or back to
   `pending` with a `retry_at` for what is transient (HTTP 429, 502-504, connection refused
   before sending, and answers lost after sending: see below). Transient failures are retried
   with backoff until ALERTS_RETRY_CAP_SECONDS (ALERTS_EMERGENCY_RETRY_CAP_SECONDS for severe
   and extreme alerts) after the row's first one; a permanent error (invalid number, opted out)
   is final at once.

A worker killed at any moment (kill -9, machine lost) leaves its task unacknowledged
(acks_late + task_reject_on_worker_lost): the task runs again, on a restarted worker or after the
broker's visibility timeout. Every row then is in one of three states:
- `pending`: never handed over (or safe to retry): sent by the new run, once;
- has a SID: Twilio accepted it; never sent again;
- `claimed` without a SID: the worker died between steps 2 and 4, the messages IN FLIGHT. Twilio
  may or may not have accepted them, and it offers no idempotency key (DESIGN.md §4). Once the
  claim is older than ALERTS_CLAIM_LEASE_SECONDS (longer than a chunk can take, so the claimant
  is surely gone) the row is claimed again and Twilio's message list is asked first (`To` and
  the time of the lost claim): found, its SID is recorded and nothing is sent; not found, it is
  sent again and marked `resent_after_crash` (Twilio's list may lag: losing a disaster alert is
  worse than a duplicate).
A connection that breaks after the request was sent, a timeout waiting for the answer or a 500
is handled the same way (`verify_since`): looked up before any new request.

Nothing depends on the broker keeping the task: the re-driver (alerts/services/redrive.py)
enqueues again the batches of an alert that stopped moving, from these rows.

Status callbacks may arrive before step 4 stored the SID. They are kept
(MessageStatusCallback, one row per SID x status, so duplicates are dropped) and applied at the
end of the batch. A status only moves forward (`status_rank`): a late "sent" never overwrites
"delivered".
"""

import datetime as dt
import logging
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from core.sms import BaseBackend, SmsError, get_backend
from tenants.models import current_council

from ..credentials import council_credentials
from ..models import (
    FINAL_RANK,
    OPTOUT_HASH_PREFIX,
    STATUS_RANK,
    Alert,
    AlertEvent,
    AlertRecipient,
    MessageStatusCallback,
    OptOut,
    optout_hash_sql,
)
from ..ratelimit import SendPacer
from ..selectors import alert_settings
from .subscriptions import event_record, optout_add

logger = logging.getLogger(__name__)

Status = AlertRecipient.Status
# Twilio's message statuses → ours (and their rank).
TWILIO_STATUSES = {
    "accepted": Status.ACCEPTED,
    "queued": Status.ACCEPTED,
    "scheduled": Status.ACCEPTED,
    "sending": Status.ACCEPTED,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.UNDELIVERED,
    "failed": Status.FAILED,
    "canceled": Status.FAILED,
}
OPTED_OUT_CODES = {21610}
INVALID_NUMBER_CODES = {21211, 21614, 21217, 21401, 21407}
# Beyond this, a task gives its worker back and is retried later by Celery instead of sleeping.
INLINE_BACKOFF_LIMIT = 15.0
DELIVERY_ERRORS = {
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered by the carrier",
    30008: "Unknown error",
    21610: "The number replied STOP",
}


@dataclass
class BatchResult:
    handed_over: int = 0
    retried: int = 0
    retry_in: float | None = None


@dataclass
class _Claimed:
    id: int
    phone: str
    opted_out: bool = False
    # When a request for this row may have reached Twilio already (lost answer, lost claimant).
    verify_since: dt.datetime | None = None
    attempts: int = 1


@dataclass
class _Outcome:
    row: _Claimed
    sid: str | None = None
    error: SmsError | None = None
    # The time just before the request went out, when its answer may have been lost.
    sent_from: dt.datetime | None = None
    # Not found at Twilio after a lost answer or claim, and sent again.
    resent: bool = False


class ClaimRefused(RuntimeError):
    """A claim returned more rows than asked: rolled back (see the module's docstring)."""


@dataclass
class _Executor:
    pid: int = 0
    size: int = 0
    pool: ThreadPoolExecutor | None = field(default=None)


_executor = _Executor()


def _pool() -> ThreadPoolExecutor:
    # One pool per process, created after Celery's prefork so threads exist in the child.
    size = settings.ALERTS_SEND_CONCURRENCY
    if _executor.pool is None or _executor.pid != os.getpid() or _executor.size != size:
        _executor.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="sms")
        _executor.pid, _executor.size = os.getpid(), size
    return _executor.pool


def status_callback_url() -> str:
    return current_council().base_url() + reverse("alerts:twilio_status")


def alert_batches_enqueue(alert_id: int, batches: int | list[int]) -> None:
    """Hand the batches to the broker, on the alerts queue. The broker is only a hint: if it
    cannot take them (Redis down), the re-driver enqueues them again from the rows."""
    from ..tasks import alert_batch_send

    numbers = range(batches) if isinstance(batches, int) else batches
    try:
        for batch in numbers:
            alert_batch_send.apply_async((alert_id, batch), queue=settings.ALERTS_CELERY_QUEUE)
    except Exception:  # the broker's errors vary by transport; the rows are safe in any case
        logger.exception(
            "alert %s: batches not enqueued; the re-driver will enqueue them", alert_id
        )


# --- the batch task's steps --------------------------------------------------------------------

_TABLE = AlertRecipient._meta.db_table
_OPTOUT = OptOut._meta.db_table


def _claimable_count(alert_id: int, batch: int) -> int:
    return AlertRecipient.objects.filter(
        alert_id=alert_id, batch=batch, status__in=[Status.PENDING, Status.CLAIMED]
    ).count()


def _claim(alert_id: int, batch: int, limit: int) -> list[_Claimed]:
    """Take up to `limit` rows: pending ones whose retry time has come, or claimed ones whose
    claimant is gone (claim older than the lease, no SID: the in-flight messages of a killed
    worker, to be looked up at Twilio before sending). Each comes with whether its number is on
    the opt-out list now (a STOP may arrive while an alert goes out)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH chosen AS (
                SELECT id FROM {_TABLE}
                WHERE alert_id = %(alert)s AND batch = %(batch)s AND (
                    (status = 'pending' AND (retry_at IS NULL OR retry_at <= clock_timestamp()))
                    OR (status = 'claimed' AND message_sid IS NULL
                        AND claimed_at < now() - make_interval(secs => %(lease)s)))
                ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
            UPDATE {_TABLE} r SET status = 'claimed', status_rank = 1, claimed_at = now(),
                   attempts = r.attempts + 1, updated_at = now(),
                   verify_since = CASE WHEN r.status = 'claimed'
                                       THEN COALESCE(r.verify_since, r.claimed_at)
                                       ELSE r.verify_since END
            FROM chosen WHERE r.id = chosen.id
            RETURNING r.id, r.phone,
                EXISTS (SELECT 1 FROM {_OPTOUT} o
                        WHERE o.phone_hash = {optout_hash_sql("r.phone")}),
                r.verify_since, r.attempts
            """,  # noqa: S608  (table names from the models)
            {
                "alert": alert_id,
                "batch": batch,
                "limit": limit,
                "lease": settings.ALERTS_CLAIM_LEASE_SECONDS,
                "optout_prefix": OPTOUT_HASH_PREFIX,
            },
        )
        rows = [_Claimed(*row) for row in cursor.fetchall()]
        if len(rows) > limit:
            # Rolls the claim back: taking more than the pacer reserved would flood Twilio and,
            # with a killed worker, widen what may be sent twice.
            raise ClaimRefused(f"claim of {limit} returned {len(rows)} rows")
        return rows


def _claims_held_elsewhere(alert_id: int, batch: int) -> float | None:
    """Seconds until the oldest live claim of this batch by another execution expires."""
    oldest = (
        AlertRecipient.objects.filter(
            alert_id=alert_id, batch=batch, status=Status.CLAIMED, message_sid__isnull=True
        )
        .order_by("claimed_at")
        .values_list("claimed_at", flat=True)
        .first()
    )
    if oldest is None:
        return None
    age = (timezone.now() - oldest).total_seconds()
    return max(settings.ALERTS_CLAIM_LEASE_SECONDS - age, 0) + 0.5


def _hand_over(
    backend: BaseBackend,
    rows: list[_Claimed],
    body: str,
    callback_url: str,
    first: float,
    spacing: float,
) -> list[_Outcome]:
    def one(index: int, row: _Claimed) -> _Outcome:
        # Not found at Twilio after a lost answer or claim (_verify): sent again, flagged.
        resent = row.verify_since is not None
        delay = first + index * spacing - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent_from = timezone.now()
        try:
            return _Outcome(
                row,
                sid=backend.send(to=row.phone, body=body, status_callback=callback_url),
                resent=resent,
            )
        except SmsError as error:
            return _Outcome(row, error=error, sent_from=sent_from, resent=resent)
        except Exception as error:  # an unexpected failure may follow a successful request
            logger.exception("sending to %s failed unexpectedly", row.phone)
            return _Outcome(
                row,
                error=SmsError(f"Unexpected error: {error}"[:250], unconfirmed=True),
                sent_from=sent_from,
                resent=resent,
            )

    if len(rows) <= 1:
        return [one(0, row) for row in rows]
    return list(_pool().map(one, range(len(rows)), rows))


def _verify(
    backend: BaseBackend, rows: list[_Claimed], body: str
) -> tuple[list[_Outcome], list[_Claimed]]:
    """Rows whose request may have reached Twilio already (lost answer, lost claimant) are
    looked up in Twilio's message list first. Returns the outcomes of those found (their SID,
    nothing sent) or not askable now (retryable), and the rows to send."""
    outcomes: list[_Outcome] = []
    to_send: list[_Claimed] = []
    for row in rows:
        if row.verify_since is None:
            to_send.append(row)
            continue
        try:
            sids = backend.find_sent(to=row.phone, body=body, since=row.verify_since)
        except SmsError as error:
            outcomes.append(_Outcome(row, error=error))
            continue
        # The same text to the same number for another alert is not this row's message.
        used = set(
            AlertRecipient.objects.filter(message_sid__in=sids).values_list(
                "message_sid", flat=True
            )
        )
        sid = next((s for s in sids if s not in used), None)
        if sid:
            logger.info("alert message to %s found at Twilio (%s): not sent again", row.id, sid)
            outcomes.append(_Outcome(row, sid=sid))
        else:
            to_send.append(row)
    return outcomes, to_send


def _record(alert_id: int, outcomes: list[_Outcome]) -> tuple[int, int]:
    """Store Twilio's answers for a chunk in one UPDATE. Returns (handed over or final, to
    retry). A database that went away meanwhile (restart, failover) is waited for: the answers
    exist only in this process, and rows left claimed would be looked up at Twilio later."""
    deadline = time.monotonic() + settings.ALERTS_CLAIM_LEASE_SECONDS / 2
    pause = 0.25
    while True:
        try:
            return _record_once(alert_id, outcomes)
        except (OperationalError, InterfaceError):
            if time.monotonic() + pause > deadline:
                raise
            logger.warning("alert %s: database unreachable, recording again", alert_id)
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 4.0)


def _record_once(alert_id: int, outcomes: list[_Outcome]) -> tuple[int, int]:
    values: list[str] = []
    params: list[Any] = []
    opted_out: list[str] = []
    moved = retry = 0
    for outcome in outcomes:
        error = outcome.error or SmsError("No answer recorded", unconfirmed=True)
        code: int | None
        delay: float | None = None
        verify: dt.datetime | None = None
        if outcome.row.opted_out:
            status, code, message = Status.OPTED_OUT, None, "Opted out before sending"
        elif outcome.sid:
            status, code, message = Status.ACCEPTED, None, ""
        elif error.retryable or error.unconfirmed:
            status, code, message = Status.PENDING, error.code, str(error)
            delay = _backoff(outcome.row.attempts)
            verify = outcome.sent_from if error.unconfirmed else None
            retry += 1
        elif error.code in OPTED_OUT_CODES:
            status, code, message = Status.OPTED_OUT, error.code, str(error)
            opted_out.append(outcome.row.phone)
        elif error.code in INVALID_NUMBER_CODES:
            status, code, message = Status.INVALID, error.code, str(error)
        else:
            status, code, message = Status.FAILED, error.code, str(error)
        if status != Status.PENDING:
            moved += 1
        values.append(
            "(%s::bigint, %s::varchar, %s::smallint, %s::varchar, %s::integer, %s::varchar,"
            " %s::float8, %s::timestamptz, %s::boolean)"
        )
        params += [
            outcome.row.id,
            status,
            STATUS_RANK[status],
            outcome.sid,
            code,
            message[:255],
            delay,
            verify,
            outcome.resent and bool(outcome.sid or error.unconfirmed),
        ]
    # One statement commits on its own; opt-outs reported by Twilio go in the same transaction.
    with transaction.atomic() if opted_out else nullcontext(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {_TABLE} r SET status = v.status, status_rank = v.rank,
                   message_sid = v.sid, error_code = v.code, error_message = v.message,
                   accepted_at = CASE WHEN v.sid IS NOT NULL THEN now() END,
                   retry_at = CASE WHEN v.status = 'pending'
                                   THEN clock_timestamp() + make_interval(secs => v.delay) END,
                   retry_since = CASE WHEN v.status = 'pending'
                                      THEN COALESCE(r.retry_since, now()) ELSE r.retry_since END,
                   verify_since = CASE WHEN v.status = 'pending'
                                       THEN COALESCE(r.verify_since, v.verify) END,
                   resent_after_crash = r.resent_after_crash OR v.resent,
                   updated_at = now()
            FROM (VALUES {", ".join(values)})
                AS v(id, status, rank, sid, code, message, delay, verify, resent)
            WHERE r.id = v.id AND r.status = 'claimed'
            """,  # noqa: S608  (table name from the model, values are parameters)
            params,
        )
        for phone in opted_out:
            optout_add(phone=phone, source=OptOut.Source.PROVIDER, keyword="21610")
        # The alert's pulse, at most once a second (the re-driver and the progress page read it).
        cursor.execute(
            f"""
            UPDATE {Alert._meta.db_table} SET heartbeat_at = now(),
                   progress_at = CASE WHEN %(moved)s THEN now() ELSE progress_at END
            WHERE id = %(alert)s AND (heartbeat_at IS NULL
                OR heartbeat_at < now() - interval '1 second'
                OR (%(moved)s AND (progress_at IS NULL
                    OR progress_at < now() - interval '1 second')))
            """,  # noqa: S608  (table name from the model)
            {"alert": alert_id, "moved": moved > 0},
        )
    return moved, retry


def _retry_cap(alert: Alert) -> float:
    if alert.is_emergency:
        return settings.ALERTS_EMERGENCY_RETRY_CAP_SECONDS
    return settings.ALERTS_RETRY_CAP_SECONDS


def _give_up_expired(alert: Alert, batch: int) -> int:
    """Rows still failing transiently after the retry cap (in time, from their first failure)
    become `failed`, with the last error."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {_TABLE} SET status = 'failed', status_rank = %(rank)s, updated_at = now(),
                   error_message = left('Gave up after ' || %(minutes)s || ' min: '
                                        || error_message, 255)
            WHERE alert_id = %(alert)s AND batch = %(batch)s AND status = 'pending'
              AND retry_since < now() - make_interval(secs => %(cap)s)
            """,  # noqa: S608  (table name from the model)
            {
                "rank": FINAL_RANK,
                "minutes": round(_retry_cap(alert) / 60),
                "alert": alert.pk,
                "batch": batch,
                "cap": _retry_cap(alert),
            },
        )
        return cursor.rowcount


def _next_retry_in(alert_id: int, batch: int) -> float | None:
    """Seconds until the earliest pending row of the batch may be tried again (0 if one may be
    now), None when none is pending. Retry times use clock_timestamp(), not now(): now() stands
    still inside a transaction (a batch run inside one, as in eager tests, would never see a
    retry time come)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT EXTRACT(EPOCH FROM
                           min(COALESCE(retry_at, clock_timestamp())) - clock_timestamp())
            FROM {_TABLE} WHERE alert_id = %s AND batch = %s AND status = 'pending'
            """,  # noqa: S608  (table name from the model)
            [alert_id, batch],
        )
        (seconds,) = cursor.fetchone()
    return None if seconds is None else max(float(seconds), 0.0)


def _backoff(attempts: int) -> float:
    """Seconds before a row that failed transiently on its `attempts`-th try is tried again."""
    base = settings.ALERTS_RETRY_BACKOFF_SECONDS
    ceiling = settings.ALERTS_RETRY_BACKOFF_MAX_SECONDS
    return min(base * 2 ** min(max(attempts - 1, 0), 20), ceiling) * random.uniform(0.8, 1.2)  # noqa: S311


def alert_batch_deliver(*, alert_id: int, batch: int) -> BatchResult:
    """Hand one batch of an alert to Twilio (see the module's docstring). Idempotent and safe
    to run concurrently with itself. `retry_in` asks the caller to run it again later."""
    result = BatchResult()
    alert = (
        Alert.objects.filter(pk=alert_id).only("sms_body", "segments", "state", "severity").first()
    )
    if alert is None or not alert.is_sent:
        return result
    config = alert_settings()
    backend = get_backend(credentials=council_credentials())
    callback_url = status_callback_url()
    pacer = SendPacer(rate=config.send_rate)
    units = max(alert.segments, 1)
    chunk = max(1, min(settings.ALERTS_SEND_CONCURRENCY, config.send_rate // units))
    remaining = _claimable_count(alert_id, batch)
    _give_up_expired(alert, batch)
    while True:
        # Reserve slots only for rows that are there, so the shared timeline is not wasted.
        wanted = max(1, min(chunk, remaining))
        first, spacing = pacer.reserve(wanted, units)
        wait = first - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        rows = _claim(alert_id, batch, wanted)
        if not rows:
            # Done, or rows waiting for their retry time: wait here if it is soon, else give
            # the worker back (the caller retries later; the re-driver if that is lost).
            retry_in = _next_retry_in(alert_id, batch)
            if retry_in is None:
                break
            if retry_in > INLINE_BACKOFF_LIMIT:
                result.retry_in = retry_in
                return result
            time.sleep(retry_in)
            _give_up_expired(alert, batch)
            remaining = max(remaining, 1)
            continue
        remaining = max(remaining - len(rows), 0)
        found, to_send = _verify(backend, [r for r in rows if not r.opted_out], alert.sms_body)
        outcomes = found + _hand_over(
            backend,
            to_send,
            alert.sms_body,
            callback_url,
            first=max(first, time.monotonic()),
            spacing=spacing,
        )
        _moved, retry = _record(alert_id, outcomes + [_Outcome(r) for r in rows if r.opted_out])
        result.handed_over += sum(1 for o in outcomes if o.sid)
        if retry:
            result.retried += retry
            remaining += retry
    held = _claims_held_elsewhere(alert_id, batch)
    if held is not None:
        result.retry_in = held
        return result
    callbacks_apply_early(alert_id=alert_id, batch=batch)
    alert_complete_if_done(alert_id)
    return result


# --- completion and status callbacks ---------------------------------------------------------


def alert_complete_if_done(alert_id: int) -> bool:
    if AlertRecipient.objects.filter(
        alert_id=alert_id, status__in=[Status.PENDING, Status.CLAIMED]
    ).exists():
        return False
    with transaction.atomic():
        done = Alert.objects.filter(pk=alert_id, completed_at__isnull=True).update(
            state=Alert.State.SENT, completed_at=timezone.now()
        )
        if done:
            callbacks_apply_early(alert_id=alert_id)
            alert = Alert.objects.get(pk=alert_id)
            event_record(AlertEvent.Kind.COMPLETED, alert=alert, recipients=alert.recipient_count)
    return bool(done)


def callbacks_apply_early(*, alert_id: int, batch: int | None = None) -> int:
    """Apply callbacks that arrived before their SID was stored (highest rank per SID)."""
    callbacks = MessageStatusCallback._meta.db_table
    batch_filter = "AND r.batch = %(batch)s" if batch is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {_TABLE} r SET status = cb.recipient_status, status_rank = cb.rank,
                   error_code = COALESCE(cb.error_code, r.error_code), updated_at = now()
            FROM (
                SELECT DISTINCT ON (c.message_sid) c.message_sid, c.recipient_status, c.rank,
                       c.error_code
                FROM {callbacks} c JOIN {_TABLE} r ON r.message_sid = c.message_sid
                WHERE r.alert_id = %(alert)s {batch_filter}
                ORDER BY c.message_sid, c.rank DESC, c.received_at
            ) cb
            WHERE r.message_sid = cb.message_sid AND cb.rank > r.status_rank
            """,  # noqa: S608  (table names from the models)
            {"alert": alert_id, "batch": batch},
        )
        return cursor.rowcount


@transaction.atomic
def message_status_record(*, message_sid: str, status: str, error_code: int | None = None) -> str:
    """One status callback from Twilio. Returns what happened: "applied", "duplicate" (already
    received), "stale" (the row is already further along), "early" (no row has this SID yet:
    kept, applied when the worker stores it) or "ignored" (not a status we track)."""
    recipient_status = TWILIO_STATUSES.get(status)
    if recipient_status is None or not message_sid:
        return "ignored"
    rank = STATUS_RANK[recipient_status]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {MessageStatusCallback._meta.db_table}
                (message_sid, status, recipient_status, rank, error_code, received_at)
            VALUES (%s, %s, %s, %s, %s, now())
            ON CONFLICT (message_sid, status) DO NOTHING
            """,  # noqa: S608  (table name from the model)
            [message_sid, status, recipient_status, rank, error_code],
        )
        if cursor.rowcount == 0:
            return "duplicate"
    changes = {"status": recipient_status, "status_rank": rank, "updated_at": timezone.now()}
    if error_code:
        changes["error_code"] = error_code
        changes["error_message"] = DELIVERY_ERRORS.get(error_code, f"Twilio error {error_code}")
    rows = AlertRecipient.objects.filter(message_sid=message_sid)
    updated = rows.filter(status_rank__lt=rank).update(**changes)
    if updated and error_code in OPTED_OUT_CODES:
        for phone in rows.values_list("phone", flat=True):
            optout_add(phone=phone, source=OptOut.Source.PROVIDER, keyword=str(error_code))
    if updated:
        return "applied"
    return "stale" if rows.exists() else "early"
