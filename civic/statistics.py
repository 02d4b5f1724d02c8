"""Figures of street reports over a period, for the reports app (PDF and CSV). Aggregated in
SQL: one GROUP BY over the period and the previous one, the time to fix taken from the first
event that marked each report fixed or closed."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from community.models import Neighbourhood

from .models import OPEN_STATUSES, Category, IssueReport, ReportEvent, Status

FIXED_STATUSES = (Status.FIXED, Status.CLOSED)
# Points drawn on the period's map: beyond this the map samples (the counts stay exact).
MAP_POINTS = 3000

_BY_CATEGORY_SQL = """
WITH fixed AS (
    SELECT e.report_id, min(e.created_at) AS fixed_at
    FROM {events} e JOIN {reports} r ON r.id = e.report_id
    WHERE e.to_status = ANY(%(fixed)s) AND r.created_at >= %(start)s AND r.created_at < %(end)s
    GROUP BY 1
)
SELECT r.category_id,
    count(*) FILTER (WHERE r.created_at >= %(start)s),
    count(*) FILTER (WHERE r.created_at < %(start)s),
    count(*) FILTER (WHERE r.created_at >= %(start)s AND r.status = ANY(%(open)s)),
    count(*) FILTER (WHERE r.created_at >= %(start)s AND r.status = ANY(%(fixed)s)),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.fixed_at - r.created_at))
        FILTER (WHERE r.created_at >= %(start)s AND f.fixed_at IS NOT NULL),
    count(*) FILTER (WHERE r.created_at >= %(start)s
        AND f.fixed_at <= r.created_at + c.response_days * interval '1 day')
FROM {reports} r
JOIN {categories} c ON c.id = r.category_id
LEFT JOIN fixed f ON f.report_id = r.id
WHERE r.created_at >= %(previous)s AND r.created_at < %(end)s
GROUP BY 1
"""


@dataclass(frozen=True)
class Period:
    start: datetime.datetime
    end: datetime.datetime  # exclusive

    @property
    def previous(self) -> "Period":
        return Period(self.start - (self.end - self.start), self.start)


def period_of_days(first: datetime.date, last: datetime.date) -> Period:
    """From the start of `first` to the end of `last`, in the current time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, zone)
    return Period(start, end)


def street_figures(period: Period) -> dict[str, Any]:
    """Reports by category (with the previous period, open, fixed, median days to fix against
    the category's target), by status, busiest neighbourhoods and addresses, overdue reports."""
    params: dict[str, Any] = {
        "start": period.start,
        "end": period.end,
        "previous": period.previous.start,
        "open": list(OPEN_STATUSES),
        "fixed": list(FIXED_STATUSES),
    }
    sql = _BY_CATEGORY_SQL.format(
        events=ReportEvent._meta.db_table,
        reports=IssueReport._meta.db_table,
        categories=Category._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    categories = {c.pk: c for c in Category.objects.filter(pk__in=[r[0] for r in rows])}
    by_category = []
    for pk, count, previous, still_open, fixed, median, within in sorted(
        rows, key=lambda r: (-r[1], categories[r[0]].name)
    ):
        category = categories[pk]
        by_category.append(
            {
                "name": category.name,
                "reports": count,
                "previous": previous,
                "open": still_open,
                "fixed": fixed,
                "median_days": round(median / 86400, 1) if median is not None else None,
                "target_days": category.response_days,
                "within_target": within,
            }
        )
    in_period = IssueReport.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    by_status = dict(in_period.values_list("status").annotate(n=Count("pk")).order_by())
    busiest = list(
        in_period.exclude(neighbourhood=None)
        .values_list("neighbourhood__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "neighbourhood__name")[:10]
    )
    addresses = list(
        in_period.exclude(address="")
        .values_list("address")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("-n", "address")[:10]
    )
    overdue = list(
        in_period.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        .select_related("category")
        .order_by("due_at")[:50]
    )
    total = sum(by_status.values())
    return {
        "total": total,
        "previous_total": sum(c["previous"] for c in by_category),
        "by_category": by_category,
        "by_status": [
            {"status": label, "count": by_status.get(value, 0)} for value, label in Status.choices
        ],
        "open": sum(by_status.get(s, 0) for s in OPEN_STATUSES),
        "fixed": sum(by_status.get(s, 0) for s in FIXED_STATUSES),
        "busiest_neighbourhoods": [{"name": n, "count": c} for n, c in busiest],
        "busiest_addresses": [{"address": a, "count": c} for a, c in addresses],
        "overdue": [
            {
                "id": r.pk,
                "title": r.title,
                "category": r.category.name,
                "due_at": r.due_at,
                "address": r.address,
            }
            for r in overdue
        ],
        "overdue_count": in_period.filter(
            status__in=OPEN_STATUSES, due_at__lt=timezone.now()
        ).count(),
    }


def street_map(period: Period, width: int = 600, height: int = 420) -> dict[str, Any] | None:
    """The period's reports as points within the neighbourhood outlines, projected onto an SVG
    of `width` by `height` (equirectangular, corrected for latitude): no tile server needed."""
    import math

    outlines: list[tuple[str, list[list[tuple[float, float]]]]] = []
    for hood in Neighbourhood.objects.exclude(area=None).only("name", "area"):
        geometry = hood.area or {}
        polygons = (
            [geometry.get("coordinates", [])]
            if geometry.get("type") == "Polygon"
            else geometry.get("coordinates", [])
            if geometry.get("type") == "MultiPolygon"
            else []
        )
        rings = [[(float(x), float(y)) for x, y, *_z in poly[0]] for poly in polygons if poly]
        if rings:
            outlines.append((hood.name, rings))
    rows = (
        IssueReport.objects.filter(
            created_at__gte=period.start,
            created_at__lt=period.end,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .exclude(status=Status.DUPLICATE)
        .order_by("pk")
        .values_list("longitude", "latitude", "status")[:MAP_POINTS]
    )
    points = [(float(x), float(y), s) for x, y, s in rows if x is not None and y is not None]
    xs = [x for _n, rings in outlines for ring in rings for x, _y in ring] + [p[0] for p in points]
    ys = [y for _n, rings in outlines for ring in rings for _x, y in ring] + [p[1] for p in points]
    if not xs:
        return None
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    scale_x = math.cos(math.radians((north + south) / 2))
    span_x = max((east - west) * scale_x, 1e-6)
    span_y = max(north - south, 1e-6)
    scale = min((width - 20) / span_x, (height - 20) / span_y)

    def project(lon: float, lat: float) -> tuple[str, str]:
        return (
            f"{10 + (lon - west) * scale_x * scale:.1f}",
            f"{10 + (north - lat) * scale:.1f}",
        )

    return {
        "width": str(width),
        "height": str(height),
        "outlines": [
            {
                "name": name,
                "paths": [" ".join(",".join(project(x, y)) for x, y in ring) for ring in rings],
            }
            for name, rings in outlines
        ],
        "points": [
            {"xy": project(lon, lat), "open": status in OPEN_STATUSES}
            for lon, lat, status in points
        ],
    }
