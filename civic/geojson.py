"""The one GeoJSON serializer of street reports: the public map and the staff's queue map."""

from collections.abc import Callable, Iterable
from typing import Any

from .models import IssueReport


def report_feature(report: IssueReport, *, url: str, public: bool) -> dict[str, Any]:
    """A report as a GeoJSON Feature. The public sees its `public_title` (the category's name
    when a moderator hid the text); staff see the title as written."""
    if report.latitude is None or report.longitude is None:
        raise ValueError(f"report {report.pk} has no point")
    return {
        "type": "Feature",
        "id": report.pk,
        "geometry": {
            "type": "Point",
            "coordinates": [round(report.longitude, 6), round(report.latitude, 6)],
        },
        "properties": {
            "id": report.pk,
            "title": report.public_title if public else report.title,
            "category": report.category.name,
            "category_code": report.category.code,
            "status": report.status,
            "status_label": report.get_status_display(),
            "open": report.is_open,
            "overdue": report.is_overdue,
            "created_at": report.created_at.isoformat(timespec="seconds"),
            "url": url,
        },
    }


def feature_collection(
    reports: Iterable[IssueReport], *, url: Callable[[IssueReport], str], public: bool
) -> dict[str, Any]:
    """Reports with a point (callers filter with `selectors.reports_in_bbox`)."""
    return {
        "type": "FeatureCollection",
        "features": [report_feature(r, url=url(r), public=public) for r in reports],
    }
