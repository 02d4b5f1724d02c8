"""A resident's alert data: what they can download, what goes when they delete their account,
and how long delivery records keep phone numbers (registered with core.privacy in apps.py)."""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from core.privacy import iso

from ..models import AlertEvent, AlertRecipient, AlertSubscription, AlertTestSend
from ..selectors import alert_settings, phone_is_opted_out
from .subscriptions import user_phone

# Rows changed per UPDATE by the retention task: short statements, short locks, whatever the
# backlog (a council that lowers its period from two years to 30 days).
ERASE_BATCH_SIZE = 5000


def alerts_export(user: User) -> dict[str, Any]:
    """The resident's subscription, whether their number replied STOP, and the alerts sent to
    them (what, when, and what became of each message)."""
    subscription = (
        AlertSubscription.objects.filter(user=user).prefetch_related("neighbourhoods").first()
    )
    phone = user_phone(user)
    deliveries = (
        AlertRecipient.objects.filter(user=user)
        .select_related("alert")
        .order_by("created_at", "pk")
    )
    tests = AlertTestSend.objects.filter(user=user).select_related("alert").order_by("created_at")
    return {
        "subscription": None
        if subscription is None
        else {
            "whole_council": subscription.whole_council,
            "neighbourhoods": sorted(n.name for n in subscription.neighbourhoods.all()),
            "paused": subscription.paused,
            "subscribed_at": iso(subscription.created_at),
            "updated_at": iso(subscription.updated_at),
        },
        "number_opted_out": bool(phone and phone_is_opted_out(phone)),
        "deliveries": [
            {
                "alert": row.alert.headline,
                "alert_identifier": row.alert.identifier,
                "sent_at": iso(row.created_at),
                "status": row.status,
                "phone": row.phone,
                "accepted_at": iso(row.accepted_at),
                "updated_at": iso(row.updated_at),
            }
            for row in deliveries
        ],
        "test_messages": [
            {"alert": test.alert.headline, "sent_at": iso(test.created_at), "phone": test.phone}
            for test in tests
        ],
    }


def alerts_erase(user: User) -> None:
    """Before the account goes: the subscription is deleted; delivery records and test sends
    lose the person and the number (their statuses stay in the alert's statistics). Opt-outs
    stay, as hashes linked to no account (models.OptOut says why)."""
    AlertSubscription.objects.filter(user=user).delete()
    mine = Q(user=user)
    if user.phone:
        mine |= Q(phone=user.phone)  # rows of the same number whose link was already lost
    AlertRecipient.objects.filter(mine).update(user=None, phone="")
    AlertTestSend.objects.filter(mine).update(user=None, phone="")
    if user.phone:
        AlertEvent.objects.filter(phone=user.phone).update(phone="")


def delivery_phones_erase_expired(
    *, now: dt.datetime | None = None, batch_size: int = ERASE_BATCH_SIZE
) -> int:
    """Erase the phone numbers of delivery records (and test sends) older than the council's
    retention period; returns how many rows lost theirs. Idempotent; a run with nothing to do
    is a probe of a partial index of the delivery records (and a look at the few test sends)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=alert_settings().delivery_retention_days)
    erased = 0
    for model in (AlertRecipient, AlertTestSend):
        expired = model.objects.filter(created_at__lt=cutoff).exclude(phone="")
        while True:
            ids = list(expired.values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            # `updated_at` is left alone: it is when the delivery status last changed.
            erased += model.objects.filter(pk__in=ids).exclude(phone="").update(phone="")
    return erased
