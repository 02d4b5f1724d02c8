"""Figures of the SMS alerts sent over a period, for the reports app (PDF and CSV).

Aggregated in SQL: one GROUP BY over the period's alerts and their delivery rows, one over the
failures (error codes grouped into readable reasons by a CASE built from `FAILURE_REASONS`),
one over the opt-out events. Nothing here loops over recipients in Python.

What the figures mean (the report's methodology page says it too):
- an alert counts in the period when its sending started in it (`dispatched_at`);
- a message is "handed over" once Twilio accepted it (it has a message SID): those are the
  messages billed, each for the alert's segments;
- "reached" is a delivered message (Twilio's delivery receipt), the delivery rate is reached ÷
  handed over;
- opt-outs are the numbers put on the opt-out list in the period (a STOP reply, or Twilio
  reporting error 21610), counted from the alerts' own event log, so a number that later sent
  START still counts once for the STOP it sent in the period.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from .models import Alert, AlertEvent, AlertRecipient, AlertTestSend

# Failures grouped by reason: (key, label, Twilio error codes). A failed row without one of
# these codes falls in "other"; an opted-out row without a code was found on the opt-out list
# just before its message went out (never handed over).
FAILURE_REASONS: tuple[tuple[str, Any, tuple[int, ...]], ...] = (
    ("stop", _("The number replied STOP (reported by Twilio)"), (21610,)),
    (
        "invalid",
        _("Invalid or non-mobile number"),
        (21211, 21214, 21217, 21401, 21407, 21612, 21614),
    ),
    ("unreachable", _("Phone unreachable or unknown"), (30003, 30005)),
    ("landline", _("Landline or unreachable carrier"), (30006,)),
    ("blocked", _("Blocked or filtered by the carrier"), (30004, 30007)),
)
OTHER_LABELS: dict[str, Any] = {
    "opted_out": _("On the opt-out list when its turn came (not sent)"),
    "invalid": _("Invalid or non-mobile number"),
    "other": _("Other error"),
}
FAILED_STATUSES = ("failed", "undelivered", "invalid", "opted_out")
AWAITING_STATUSES = ("pending", "claimed", "accepted", "sent")
SENT_STATES = (Alert.State.SENDING, Alert.State.SENT)


def segment_price() -> Decimal:
    """What one SMS segment costs the council (ALERTS_SEGMENT_PRICE, an estimate)."""
    return Decimal(str(settings.ALERTS_SEGMENT_PRICE))


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


_PER_ALERT_SQL = """
SELECT a.id, a.headline, a.dispatched_at, a.severity, a.cap_status, a.segments,
    count(r.id),
    count(r.id) FILTER (WHERE r.message_sid IS NOT NULL),
    count(r.id) FILTER (WHERE r.status = 'delivered'),
    count(r.id) FILTER (WHERE r.status = ANY(%(failed)s)),
    count(r.id) FILTER (WHERE r.status = ANY(%(awaiting)s)),
    a.segments * count(r.id) FILTER (WHERE r.message_sid IS NOT NULL)
FROM {alerts} a LEFT JOIN {recipients} r ON r.alert_id = a.id
WHERE a.state = ANY(%(states)s) AND a.dispatched_at >= %(start)s AND a.dispatched_at < %(end)s
GROUP BY a.id
ORDER BY a.dispatched_at, a.id
"""

_FAILURES_SQL = """
SELECT reason, array_agg(DISTINCT error_code ORDER BY error_code)
           FILTER (WHERE error_code IS NOT NULL),
       count(*)
FROM (
    SELECT r.error_code, CASE {cases}
        WHEN r.status = 'opted_out' THEN 'opted_out'
        WHEN r.status = 'invalid' THEN 'invalid'
        ELSE 'other' END AS reason
    FROM {recipients} r JOIN {alerts} a ON a.id = r.alert_id
    WHERE a.state = ANY(%(states)s) AND a.dispatched_at >= %(start)s
      AND a.dispatched_at < %(end)s AND r.status = ANY(%(failed)s)
) f
GROUP BY reason
ORDER BY count(*) DESC, reason
"""


def alert_figures(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The alerts whose sending started in [start, end): totals, one line per alert, failures
    by reason, SMS segments and their estimated cost, opt-outs (see the module docstring)."""
    params: dict[str, Any] = {
        "start": start,
        "end": end,
        "states": list(SENT_STATES),
        "failed": list(FAILED_STATUSES),
        "awaiting": list(AWAITING_STATUSES),
    }
    tables = {
        "alerts": Alert._meta.db_table,
        "recipients": AlertRecipient._meta.db_table,
    }
    cases = " ".join(
        f"WHEN r.error_code = ANY(%(codes_{key})s) THEN '{key}'" for key, _l, _c in FAILURE_REASONS
    )
    params.update({f"codes_{key}": list(codes) for key, _l, codes in FAILURE_REASONS})
    with connection.cursor() as cursor:
        cursor.execute(_PER_ALERT_SQL.format(**tables), params)
        per_alert = cursor.fetchall()
        cursor.execute(_FAILURES_SQL.format(cases=cases, **tables), params)
        failure_rows = cursor.fetchall()
        # The totals in the same SQL terms as the lines (not a Python sum over rows).
        cursor.execute(
            f"""
            SELECT count(*), COALESCE(sum(addressed), 0), COALESCE(sum(handed), 0),
                   COALESCE(sum(delivered), 0), COALESCE(sum(failed), 0),
                   COALESCE(sum(awaiting), 0), COALESCE(sum(segments), 0)
            FROM ({_PER_ALERT_SQL.format(**tables)}) t(id, headline, dispatched_at, severity,
                  cap_status, per_message, addressed, handed, delivered, failed, awaiting,
                  segments)
            """,  # noqa: S608  (table names from the models, values are parameters)
            params,
        )
        totals = cursor.fetchone()
    alerts_sent, addressed, handed, delivered, failed, awaiting, segments = (int(v) for v in totals)
    tests = AlertTestSend.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        n=Count("pk"), segments=Sum("segments")
    )
    test_segments = tests["segments"] or 0
    labels = {key: label for key, label, _codes in FAILURE_REASONS} | OTHER_LABELS
    optouts = dict(
        AlertEvent.objects.filter(
            kind=AlertEvent.Kind.OPTED_OUT, created_at__gte=start, created_at__lt=end
        )
        .values_list("data__source")
        .annotate(n=Count("pk"))
        .order_by()
    )
    opted_in = AlertEvent.objects.filter(
        kind=AlertEvent.Kind.OPTED_IN, created_at__gte=start, created_at__lt=end
    ).count()
    price = segment_price()
    return {
        "alerts_sent": alerts_sent,
        "addressed": addressed,
        "handed_over": handed,
        "reached": delivered,
        "failed": failed,
        "awaiting": awaiting,
        "delivery_rate": _rate(delivered, handed),
        "segments": segments,
        "test_sends": tests["n"],
        "test_segments": test_segments,
        "segment_price": price,
        "currency": settings.ALERTS_SEGMENT_CURRENCY,
        "cost": (price * (segments + test_segments)).quantize(Decimal("0.01")),
        "alerts": [
            {
                "id": pk,
                "headline": headline,
                "dispatched_at": dispatched_at,
                "severity": Alert.Severity(severity).label,
                "cap_status": Alert.CapStatus(cap_status).label,
                "actual": cap_status == Alert.CapStatus.ACTUAL,
                "segments_per_message": per_message,
                "addressed": n_addressed,
                "handed_over": n_handed,
                "reached": n_delivered,
                "failed": n_failed,
                "awaiting": n_awaiting,
                "delivery_rate": _rate(n_delivered, n_handed),
                "segments": n_segments,
            }
            for (
                pk,
                headline,
                dispatched_at,
                severity,
                cap_status,
                per_message,
                n_addressed,
                n_handed,
                n_delivered,
                n_failed,
                n_awaiting,
                n_segments,
            ) in per_alert
        ],
        "failures": [
            {"reason": key, "label": str(labels[key]), "codes": codes or [], "count": count}
            for key, codes, count in failure_rows
        ],
        "optouts": sum(optouts.values()),
        "optouts_by_reply": optouts.get("sms_reply", 0),
        "optouts_by_provider": optouts.get("provider", 0),
        "opted_in": opted_in,
    }
