"""The one GeoJSON serializer of street reports: the public map and the staff's queue map.

Maps ask for up to 2,000 features at a time, so the rows are read as tuples (`values_list`, no
model instances) and each feature's URL comes from one `reverse()` per response, not one per
row: bench/bench_civic.py measures both ways ("GeoJSON serializer" lines)."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from .models import OPEN_STATUSES, IssueReport, Status

# What a feature shows, in the order `feature_collection` unpacks it.
FEATURE_COLUMNS = (
    "pk",
    "title",
    "text_hidden",
    "status",
    "latitude",
    "longitude",
    "due_at",
    "created_at",
    "category__name_fr",
    "category__name_en",
    "category__code",
)
_SENTINEL = 2_147_483_647  # a pk that cannot collide with the URL's fixed parts


def url_for_pk(viewname: str) -> Callable[[int], str]:
    """A function pk → URL of `viewname` (one integer argument), reversed once: the URL is the
    same around the pk for every row."""
    head, tail = reverse(viewname, args=[_SENTINEL]).rsplit(str(_SENTINEL), 1)
    return lambda pk: f"{head}{pk}{tail}"


def feature_collection(
    reports: QuerySet[IssueReport], *, url: Callable[[int], str], public: bool
) -> dict[str, Any]:
    """Reports with a point (callers filter with `selectors.reports_in_bbox`) as a GeoJSON
    FeatureCollection. The public sees the category's name instead of a title a moderator hid;
    staff see the title as written. Category names are in the active language (the other one
    when missing), as `Category.name`."""
    english = (translation.get_language() or "fr")[:2] == "en"
    labels = {value: str(label) for value, label in Status.choices}
    now = timezone.now()
    features = []
    for (
        pk,
        title,
        text_hidden,
        status,
        latitude,
        longitude,
        due_at,
        created_at,
        name_fr,
        name_en,
        code,
    ) in reports.values_list(*FEATURE_COLUMNS):
        if latitude is None or longitude is None:
            continue
        category = (name_en or name_fr) if english else (name_fr or name_en)
        is_open = status in OPEN_STATUSES
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(longitude, 6), round(latitude, 6)],
                },
                "properties": {
                    "id": pk,
                    "title": category if public and text_hidden else title,
                    "category": category,
                    "category_code": code,
                    "status": status,
                    "status_label": labels.get(status, status),
                    "open": is_open,
                    "overdue": is_open and due_at is not None and due_at < now,
                    "created_at": created_at.isoformat(timespec="seconds"),
                    "url": url(pk),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
