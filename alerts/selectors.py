"""Reads: settings, recipients of an alert, progress, public alerts, budget."""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from tenants.models import current_council

from .models import (
    FINAL_RANK,
    OPTOUT_HASH_PREFIX,
    Alert,
    AlertRecipient,
    AlertSettings,
    AlertSubscription,
    AlertTestSend,
    OptOut,
    optout_hash_sql,
)


def alert_settings() -> AlertSettings:
    config, _created = AlertSettings.objects.get_or_create(pk=1)
    return config


# --- recipients ------------------------------------------------------------------------------


def recipients_sql(
    *, whole_council: bool, neighbourhood_ids: Iterable[int]
) -> tuple[str, dict[str, Any]]:
    """SQL selecting (user_id, phone) once per phone number for an alert with this target:
    active residents with a confirmed phone who subscribed and did not pause, whose subscription
    covers the target, minus the opted-out numbers.

    A confirmed phone is stored in E.164, parsed in the council's region when it was confirmed
    (core.phones.phone_parse): it is used as it is. A number not in that form (never confirmed
    through the current code) is left out rather than guessed at: guessing is how 0692… of La
    Réunion became +33692…, someone else's number."""
    user = User._meta.db_table
    subscription = AlertSubscription._meta.db_table
    chosen = AlertSubscription.neighbourhoods.through._meta.db_table
    optout = OptOut._meta.db_table
    sql = f"""
        SELECT DISTINCT ON (u.phone) u.id AS user_id, u.phone AS phone
        FROM {user} u JOIN {subscription} s ON s.user_id = u.id
        WHERE u.is_active AND u.phone_confirmed_at IS NOT NULL
          AND u.phone ~ '^\\+[1-9][0-9]{{6,14}}$'
          AND NOT s.paused
          AND (%(whole_council)s OR s.whole_council OR EXISTS (
                SELECT 1 FROM {chosen} sn WHERE sn.alertsubscription_id = s.id
                AND sn.neighbourhood_id = ANY(%(neighbourhoods)s)))
          AND NOT EXISTS (
                SELECT 1 FROM {optout} o WHERE o.phone_hash = {optout_hash_sql("u.phone")})
        ORDER BY u.phone, u.id
    """  # noqa: S608  (table names come from models, values are parameters)
    params: dict[str, Any] = {
        "whole_council": whole_council,
        "neighbourhoods": list(neighbourhood_ids),
        "optout_prefix": OPTOUT_HASH_PREFIX,
    }
    return sql, params


def recipient_count(*, whole_council: bool, neighbourhood_ids: Iterable[int]) -> int:
    sql, params = recipients_sql(whole_council=whole_council, neighbourhood_ids=neighbourhood_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) r", params)  # noqa: S608
        return cursor.fetchone()[0]


def alert_recipient_count(alert: Alert) -> int:
    return recipient_count(
        whole_council=alert.whole_council,
        neighbourhood_ids=alert.neighbourhoods.values_list("pk", flat=True),
    )


@dataclass(frozen=True)
class SendEstimate:
    recipients: int
    segments: int
    encoding: str
    rate: int
    seconds: int

    @property
    def total_segments(self) -> int:
        return self.recipients * self.segments


def alert_send_estimate(alert: Alert) -> SendEstimate:
    from .segments import sms_segments

    info = sms_segments(alert.sms_body)
    recipients = alert_recipient_count(alert)
    rate = alert_settings().send_rate
    return SendEstimate(
        recipients=recipients,
        segments=info.segments,
        encoding=info.encoding,
        rate=rate,
        seconds=math.ceil(recipients * info.segments / rate),
    )


def subscription_of(user: User) -> AlertSubscription | None:
    return AlertSubscription.objects.filter(user=user).prefetch_related("neighbourhoods").first()


def phone_is_opted_out(phone: str) -> bool:
    """Whether `phone` (E.164) is on the opt-out list."""
    return OptOut.objects.of_phone(phone).exists()


# --- progress --------------------------------------------------------------------------------


PROGRESS_GROUPS = {
    "queued": ("pending", "claimed"),
    "accepted": ("accepted",),
    "sent": ("sent",),
    "delivered": ("delivered",),
    "failed": ("failed", "undelivered", "invalid"),
    "opted_out": ("opted_out",),
    "skipped": ("skipped",),
}


def alert_progress(alert: Alert) -> dict:
    """Counts by status group, for the progress bar (one grouped query)."""
    by_status = dict(
        alert.recipients.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    counts = {
        group: sum(by_status.get(s, 0) for s in statuses)
        for group, statuses in PROGRESS_GROUPS.items()
    }
    total = sum(by_status.values())
    done = total - counts["queued"]
    stalled_since = alert_stalled_since(alert)
    # Handed over but without a final receipt yet: the page keeps asking until none is left.
    pending = counts["queued"] + counts["accepted"] + counts["sent"]
    return {
        "state": alert.state,
        "total": total,
        "handed_over": done,
        "pending": pending,
        "percent": round(100 * done / total) if total else 100,
        "delivered_percent": round(100 * counts["delivered"] / total) if total else 0,
        "counts": counts,
        "complete": alert.completed_at is not None,
        "recovered_after_crash": alert.recipients.filter(resent_after_crash=True).count(),
        # Honest progress: while sending, no message handed over for a minute says so.
        "stalled_since": stalled_since.isoformat() if stalled_since else None,
        "stalled": _stalled_text(stalled_since) if stalled_since else "",
    }


def alert_stalled_since(alert: Alert, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the last message of a sending alert moved, if that is ALERTS_STALL_NOTICE_SECONDS
    ago or more; None when it is moving, or not sending."""
    if alert.state != Alert.State.SENDING or alert.completed_at is not None:
        return None
    moved = alert.progress_at or alert.dispatched_at
    now = now or timezone.now()
    if moved is None or (now - moved).total_seconds() < settings.ALERTS_STALL_NOTICE_SECONDS:
        return None
    return moved


def _stalled_text(since: dt.datetime) -> str:
    local = timezone.localtime(since, timezone=ZoneInfo(current_council().timezone))
    return _("Stalled since %(time)s — retrying") % {"time": local.strftime("%H:%M")}


def alert_failures(alert: Alert) -> QuerySet[AlertRecipient]:
    return (
        alert.recipients.filter(status__in=["failed", "undelivered", "invalid", "opted_out"])
        .select_related("user")
        .order_by("status", "phone")
    )


def alert_recipients_for_export(alert: Alert) -> QuerySet[AlertRecipient]:
    return alert.recipients.select_related("user").order_by("phone")


def unfinished_rows(alert_id: int) -> QuerySet[AlertRecipient]:
    return AlertRecipient.objects.filter(alert_id=alert_id, status_rank__lt=2)


def final_rank() -> int:
    return FINAL_RANK


# --- staff and public lists ------------------------------------------------------------------


def alerts_for_staff() -> QuerySet[Alert]:
    return Alert.objects.select_related("created_by", "approved_by", "references").order_by(
        "-created_at"
    )


DASHBOARD_RECENT = dt.timedelta(hours=24)


def dashboard_alerts(now: dt.datetime | None = None, limit: int = 5) -> dict[str, Any]:
    """The staff dashboard's alerts: those being sent, and those sent in the last 24 hours
    (receipts still arrive), each with its handed-over and delivered shares; and how many wait
    for approval, to be sent, or are drafts. Two queries."""
    now = now or timezone.now()
    in_progress = list(
        Alert.objects.filter(
            Q(state=Alert.State.SENDING)
            | Q(state=Alert.State.SENT, completed_at__gte=now - DASHBOARD_RECENT)
        )
        .annotate(
            total=Count("recipients"),
            handed_over=Count("recipients", filter=Q(recipients__status_rank__gte=2)),
            delivered=Count("recipients", filter=Q(recipients__status="delivered")),
        )
        .order_by("-dispatched_at", "-pk")[:limit]
    )
    rows = [
        {
            "alert": alert,
            "handed_over_percent": (
                round(100 * alert.handed_over / alert.total) if alert.total else 100
            ),
            "delivered_percent": round(100 * alert.delivered / alert.total) if alert.total else 0,
            "stalled_since": alert_stalled_since(alert, now),
        }
        for alert in in_progress
    ]
    counts = Alert.objects.aggregate(
        sending=Count("pk", filter=Q(state=Alert.State.SENDING)),
        awaiting_approval=Count("pk", filter=Q(state=Alert.State.AWAITING_APPROVAL)),
        approved=Count("pk", filter=Q(state=Alert.State.APPROVED)),
        drafts=Count("pk", filter=Q(state=Alert.State.DRAFT)),
    )
    return {"alerts": rows, **counts}


def sent_count_since(since: dt.datetime) -> int:
    """Key figures: alerts (not tests) sent since `since`."""
    return (
        Alert.objects.filter(
            state__in=[Alert.State.SENDING, Alert.State.SENT], dispatched_at__gte=since
        )
        .exclude(cap_status=Alert.CapStatus.TEST)
        .count()
    )


def public_alerts() -> QuerySet[Alert]:
    """Sent public alerts of this council, newest first."""
    return (
        Alert.objects.filter(
            state__in=[Alert.State.SENDING, Alert.State.SENT], scope=Alert.Scope.PUBLIC
        )
        .exclude(cap_status=Alert.CapStatus.TEST)
        .select_related("references")
        .prefetch_related("neighbourhoods")
        .order_by("-dispatched_at")
    )


def current_public_alerts(now: dt.datetime | None = None) -> QuerySet[Alert]:
    """Public alerts still in force: not expired, not cancelled, not replaced by an update, and
    not themselves a cancellation."""
    now = now or timezone.now()
    superseded = Alert.objects.filter(
        references__isnull=False, state__in=[Alert.State.SENDING, Alert.State.SENT]
    ).values("references_id")
    return (
        public_alerts()
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exclude(msg_type=Alert.MsgType.CANCEL)
        .exclude(pk__in=superseded)
    )


def public_alert(identifier: str) -> Alert | None:
    return public_alerts().filter(identifier=identifier).first()


def alert_chain(alert: Alert) -> list[Alert]:
    """The alerts `alert` references, oldest first (for CAP <references>)."""
    chain, current, seen = [], alert.references, set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        chain.append(current)
        current = current.references
    return list(reversed(chain))


# --- budget ----------------------------------------------------------------------------------


def month_start(council_timezone: str, now: dt.datetime | None = None) -> dt.datetime:
    local = (now or timezone.now()).astimezone(ZoneInfo(council_timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def segments_used_this_month(council_timezone: str) -> int:
    """Segments committed this month: every addressed recipient of alerts sent this month
    (except those never handed over: opted out, invalid, skipped) plus test sends."""
    since = month_start(council_timezone)
    sent = (
        AlertRecipient.objects.filter(alert__dispatched_at__gte=since)
        .exclude(status__in=["opted_out", "invalid", "skipped"])
        .aggregate(total=Sum(F("alert__segments")))["total"]
        or 0
    )
    tests = (
        AlertTestSend.objects.filter(created_at__gte=since).aggregate(total=Sum("segments"))[
            "total"
        ]
        or 0
    )
    return sent + tests


def default_neighbourhoods(user: User) -> list:
    """The neighbourhoods ticked for a new subscriber: their own, from their declared address."""
    from community.selectors import resident_neighbourhood

    neighbourhood = resident_neighbourhood(user)
    return [neighbourhood] if neighbourhood else []
