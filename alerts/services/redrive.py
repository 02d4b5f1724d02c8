"""The re-driver: the database, not the broker, decides what is still to be sent.

A beat task (alerts.tasks.redrive_alerts, every ALERTS_REDRIVE_SECONDS) looks for alerts that
are sending and enqueues again the batches that no task is working on:
- rows `claimed` without a SID past their lease (their worker is gone): that batch at once;
- a batch that was started (a row of it was claimed once) and still has rows due, but none of
  its rows changed for ALERTS_REDRIVE_STALL_SECONDS: that batch at once, even while the alert
  moves. A running task touches its rows every chunk, so its task is gone (its worker killed
  while the broker holds its message for the visibility timeout, a retry lost with Redis).
  Without this a killed worker's batches waited until every other batch was done and the alert
  went quiet (+45 s at 10,000 recipients, bench/bench_alert_faults.py);
- rows `pending` (never handed over, or their retry time has come and gone by
  ALERTS_REDRIVE_STALL_SECONDS) while the alert has not moved (no batch task recorded anything)
  for ALERTS_REDRIVE_STALL_SECONDS: every such batch of the alert. A lost task (Redis restarted
  without its append-only file or flushed, a task failed while PostgreSQL was down, a web
  process that died before enqueuing) leaves exactly this.
An alert is re-driven at most once per ALERTS_REDRIVE_STALL_SECONDS (`redriven_at`), so batches
that merely wait in a long queue are not piled up. Running a batch twice is harmless (claims,
leases and SIDs: services/delivery.py). An alert with nothing left to send is completed.

It also tells staff: the progress page shows "stalled since" after ALERTS_STALL_NOTICE_SECONDS
without a message handed over (selectors.alert_progress); after ALERTS_STALL_ALARM_SECONDS the
platform log gets an error and the council's alert staff an email, once per stall.

Cheap when nothing is sending: one advisory-lock query, one query on the councils, and one
statement per ALERTS_REDRIVE_COUNCILS_PER_QUERY councils probing the partial index
`alert_sending` of each schema.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from accounts.models import User
from accounts.services import council_email
from tenants.models import Council, current_council, tenant_connection

from ..models import Alert, AlertRecipient
from ..policy import ALERT_ROLES
from .delivery import alert_batches_enqueue, alert_complete_if_done

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: "alerts re-driver" (any 64-bit number unique to this use).
REDRIVE_LOCK = 0x616C657274_7264
_TABLE = AlertRecipient._meta.db_table


@dataclass
class _BatchWork:
    batch: int
    due: int
    expired: int
    abandoned: bool


def _work(alert: Alert) -> list[_BatchWork]:
    """Per unfinished batch: pending rows due (long enough ago that a task meant to take them
    would have), claims past their lease, and whether it was started then left (no row of it
    changed for the stall time)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT batch,
                count(*) FILTER (WHERE status = 'pending' AND (retry_at IS NULL
                    OR retry_at < now() - make_interval(secs => %(stall)s))),
                count(*) FILTER (WHERE status = 'claimed' AND message_sid IS NULL
                    AND claimed_at < now() - make_interval(secs => %(lease)s)),
                bool_or(attempts > 0)
                    AND max(updated_at) < now() - make_interval(secs => %(stall)s)
            FROM {_TABLE}
            WHERE alert_id = %(alert)s AND batch IN (
                SELECT DISTINCT batch FROM {_TABLE}
                WHERE alert_id = %(alert)s AND status IN ('pending', 'claimed'))
            GROUP BY batch ORDER BY batch
            """,  # noqa: S608  (table name from the model)
            {
                "alert": alert.pk,
                "stall": settings.ALERTS_REDRIVE_STALL_SECONDS,
                "lease": settings.ALERTS_CLAIM_LEASE_SECONDS,
            },
        )
        return [_BatchWork(*row) for row in cursor.fetchall()]


def alert_redrive(alert: Alert) -> list[int]:
    """Re-drive one sending alert of the current council; returns the batches enqueued."""
    now = timezone.now()
    stall = settings.ALERTS_REDRIVE_STALL_SECONDS
    work = _work(alert)
    if not work:
        alert_complete_if_done(alert.pk)
        return []
    _stall_alarm(alert, now)
    if alert.redriven_at and (now - alert.redriven_at).total_seconds() < stall:
        return []
    quiet = alert.heartbeat_at or alert.dispatched_at
    stalled = quiet is None or (now - quiet).total_seconds() >= stall
    batches = [w.batch for w in work if w.expired or (w.due and (stalled or w.abandoned))]
    if not batches:
        return []
    Alert.objects.filter(pk=alert.pk).update(redriven_at=now)
    logger.warning(
        "alert %s: re-driving %s batch(es) %s (last activity %s)",
        alert.pk,
        len(batches),
        batches[:20],
        quiet.isoformat() if quiet else "never",
    )
    alert_id = alert.pk
    transaction.on_commit(lambda: alert_batches_enqueue(alert_id, batches))
    return batches


def _stall_alarm(alert: Alert, now) -> None:
    """An error in the log and an email to the council's alert staff, once per stall."""
    moved = alert.progress_at or alert.dispatched_at
    if moved is None or (now - moved).total_seconds() < settings.ALERTS_STALL_ALARM_SECONDS:
        return
    if alert.stall_notified_at is not None and alert.stall_notified_at >= moved:
        return
    Alert.objects.filter(pk=alert.pk).update(stall_notified_at=now)
    council = current_council()
    logger.error(
        "alert %s of %s stalled since %s: nothing handed to Twilio; retrying",
        alert.pk,
        council.schema_name,
        moved.isoformat(),
    )
    staff = list(
        User.objects.filter(is_active=True, groups__name__in=[r.value for r in ALERT_ROLES])
        .exclude(email="")
        .distinct()
        .values_list("email", flat=True)
    )
    if not staff:
        return
    with translation.override(settings.LANGUAGE_CODE):
        since = timezone.localtime(moved, timezone=_council_zone()).strftime("%H:%M")
        subject = _("Alert stalled: %(headline)s") % {"headline": alert.headline}
        body = _(
            "The alert “%(headline)s” has handed no message to the SMS provider since "
            "%(time)s. Sending is retried automatically; check the alert's page for its "
            "progress:\n%(url)s"
        ) % {
            "headline": alert.headline,
            "time": since,
            "url": council.base_url() + f"/staff/alerts/{alert.pk}/",
        }
    message = council_email(to=staff, subject=subject[:150], body=body, council=council)
    transaction.on_commit(lambda: message.send(fail_silently=True))


def _council_zone():
    import zoneinfo

    return zoneinfo.ZoneInfo(current_council().timezone)


def alerts_redrive() -> list[int]:
    """Every sending alert of the current council; returns the alerts re-driven."""
    redriven = []
    for alert in Alert.objects.filter(state=Alert.State.SENDING).only(
        "pk",
        "headline",
        "dispatched_at",
        "progress_at",
        "heartbeat_at",
        "redriven_at",
        "stall_notified_at",
        "state",
    ):
        if alert_redrive(alert):
            redriven.append(alert.pk)
    return redriven


def councils_sending(councils: list[Council]) -> list[Council]:
    """The councils with an alert in the sending state: one statement per
    ALERTS_REDRIVE_COUNCILS_PER_QUERY councils, each probing its schema's partial index."""
    found: list[Council] = []
    table = Alert._meta.db_table
    size = settings.ALERTS_REDRIVE_COUNCILS_PER_QUERY
    by_schema = {c.schema_name: c for c in councils}
    names = list(by_schema)
    with connection.cursor() as cursor:
        for start in range(0, len(names), size):
            part = names[start : start + size]
            probes = []
            for name in part:
                source = f"{connection.ops.quote_name(name)}.{table}"
                probes.append(
                    f"SELECT %s WHERE EXISTS (SELECT 1 FROM {source} WHERE state = 'sending')"  # noqa: S608  (quoted names)
                )
            sql = " UNION ALL ".join(probes)
            cursor.execute(sql, part)
            found += [by_schema[name] for (name,) in cursor.fetchall()]
    return found


def alerts_redrive_everywhere() -> int:
    """From the public schema: re-drive every council that is sending, one run at a time across
    all workers (a PostgreSQL advisory lock, held by this connection: a crashed run's lock goes
    with its connection). Returns the number of alerts re-driven, -1 if another run holds it.
    No transaction around the run: each council's batches are enqueued as soon as decided, from
    inside the council's schema (the task carries it)."""
    tenant_connection().set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REDRIVE_LOCK])
        (locked,) = cursor.fetchone()
    if not locked:
        return -1
    try:
        councils = list(Council.objects.filter(is_active=True, is_template=False))
        total = 0
        for council in councils_sending(councils):
            with tenant_context(council):
                total += len(alerts_redrive())
        return total
    finally:
        tenant_connection().set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [REDRIVE_LOCK])
