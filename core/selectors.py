"""Reads of the shared core: the audit log, filtered for its staff page and export."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date

from .models import AuditEntry
from .params import parse_int


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters, parsed once from the query string (bad values are ignored,
    never an error: a filter link that outlived its data still opens the page)."""

    app: str = ""
    action: str = ""
    actor: int | None = None
    target_type: str = ""
    target_id: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> "AuditFilters":
        actor = query.get("actor", "")
        return cls(
            app=query.get("app", "").strip()[:32],
            action=query.get("action", "").strip()[:64],
            actor=parse_int(actor),
            target_type=query.get("target_type", "").strip()[:64],
            target_id=query.get("target_id", "").strip()[:64],
            since=_date(query.get("since", "")),
            until=_date(query.get("until", "")),
        )


def _date(text: str) -> datetime.date | None:
    try:
        return parse_date(text.strip())
    except ValueError:
        return None


def audit_entries(filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Entries matching `filters`, newest first. Days are the council's local days."""
    entries = AuditEntry.objects.all()
    if filters.app:
        entries = entries.filter(action__startswith=filters.app + ".")
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.actor is not None:
        entries = entries.filter(actor_id=filters.actor)
    if filters.target_type:
        entries = entries.filter(target_type=filters.target_type)
    if filters.target_id:
        entries = entries.filter(target_id=filters.target_id)
    zone = timezone.get_current_timezone()
    if filters.since:
        start = datetime.datetime.combine(filters.since, datetime.time.min, tzinfo=zone)
        entries = entries.filter(created_at__gte=start)
    if filters.until:
        end = datetime.datetime.combine(
            filters.until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        entries = entries.filter(created_at__lt=end)
    return entries.order_by("-created_at", "-pk")


def audit_actions() -> list[str]:
    """The actions that occur in this council's log, for the filter's choices."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_actors() -> list[tuple[int, str]]:
    """(id, name) of everyone who appears as an actor, by name."""
    rows = (
        AuditEntry.objects.exclude(actor_id=None)
        .order_by("actor_id", "-created_at")
        .distinct("actor_id")
        .values_list("actor_id", "actor_name")
    )
    return sorted(
        ((actor_id, name) for actor_id, name in rows if actor_id is not None),
        key=lambda row: row[1].lower(),
    )
