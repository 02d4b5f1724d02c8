"""Street reports at scale: 100,000 reports in one council; p50/p95 latency and queries per
request of the public list, the GeoJSON feed, Open311 `GET requests` and the staff queue.

    python bench/bench_civic.py            (env from `infra/dev/services.sh env`)

It uses its own database: BENCH_DATABASE_URL, or DATABASE_URL's database name + "_bench"
(created and migrated on the first run; the 100,000 rows are kept for the next runs). Requests
go through the whole Django stack (middleware, tenant routing, templates) with the test client.
"""

import os
import random
import statistics
import time
from datetime import timedelta

from _setup import bench_council, bench_database

REPORTS = int(os.environ.get("BENCH_CIVIC_REPORTS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
SLUG = "bench-civic"
HOST = f"{SLUG}.localhost"
CENTRE = (48.4553, -2.0502)
BENCH_PASSWORD = "bench-password-123"  # noqa: S105  (a throwaway council in its own database)


def seed():
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    council = bench_council(
        SLUG, "Bench Civic", admin_email="admin@bench.example", admin_password=BENCH_PASSWORD
    )
    with tenant_context(council):
        from accounts.services import staff_member_create
        from civic import demo
        from civic.models import (
            Category,
            IssueReport,
            ReportEvent,
            ReportFollower,
            ReportPhoto,
            Status,
        )
        from community.models import Neighbourhood

        demo.load(council)
        moderator = staff_member_create(
            email="moderator@bench.example",
            full_name="Mod",
            roles=["moderator"],
            password=BENCH_PASSWORD,
        )
        have = IssueReport.objects.count()
        if have < REPORTS:
            print(f"seeding {REPORTS - have} reports…", flush=True)
            started = time.perf_counter()
            rng = random.Random(42)
            categories = list(Category.objects.all())
            hoods = [Neighbourhood.objects.get_or_create(name=f"Quartier {i}")[0] for i in range(6)]
            statuses = (
                [Status.SUBMITTED] * 2
                + [Status.ACKNOWLEDGED] * 2
                + [Status.IN_PROGRESS] * 2
                + [Status.FIXED] * 3
                + [Status.CLOSED] * 8
                + [Status.DUPLICATE, Status.REJECTED]
            )
            now = timezone.now()
            batch = 5000
            for start in range(have, REPORTS, batch):
                rows = []
                for i in range(start, min(start + batch, REPORTS)):
                    # Oldest first, so ids grow with time as in real life: ~2 years of reports.
                    created = now - timedelta(minutes=(REPORTS - i) * 10.5)
                    category = rng.choice(categories)
                    rows.append(
                        IssueReport(
                            category=category,
                            title=f"Report {i}",
                            description="Lorem ipsum " * 8,
                            latitude=CENTRE[0] + rng.uniform(-0.03, 0.03),
                            longitude=CENTRE[1] + rng.uniform(-0.045, 0.045),
                            address=f"{i % 200} rue du Bench",
                            neighbourhood=rng.choice(hoods),
                            status=rng.choice(statuses),
                            created_at=created,
                            updated_at=created,
                            status_changed_at=created,
                            due_at=created + timedelta(days=category.response_days),
                            token=f"{i:032x}",
                        )
                    )
                created_rows = IssueReport.objects.bulk_create(rows)
                ReportEvent.objects.bulk_create(
                    [
                        ReportEvent(
                            report=r, kind="created", to_status="submitted", created_at=r.created_at
                        )
                        for r in created_rows
                    ]
                )
                ReportEvent.objects.bulk_create(
                    [
                        ReportEvent(
                            report=r,
                            kind="status",
                            to_status=r.status,
                            public_note="Handled.",
                            created_at=r.created_at,
                        )
                        for r in created_rows
                        if r.status != Status.SUBMITTED
                    ]
                )
                ReportPhoto.objects.bulk_create(
                    [
                        ReportPhoto(
                            report=r,
                            file=f"civic/photos/b{r.pk}.jpg",
                            thumbnail=f"civic/photos/b{r.pk}-thumb.jpg",
                            content_type="image/jpeg",
                        )
                        for r in created_rows[::5]
                    ]
                )
                ReportFollower.objects.bulk_create(
                    [
                        ReportFollower(report=r, email=f"f{r.pk}@bench.example")
                        for r in created_rows[::3]
                    ]
                )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
        return council, moderator, Category.objects.get(code="pothole")


def measure(client, label: str, url: str, runs: int = RUNS) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings, queries, size = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            timings.append((time.perf_counter() - started) * 1000)
        queries, size = len(captured), len(body)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(
        f"{label:<46} p50 {statistics.median(timings):7.1f} ms   p95 {p95:7.1f} ms   "
        f"{queries:3d} queries   {size / 1024:7.1f} KiB",
        flush=True,
    )
    return {"label": label, "p50": statistics.median(timings), "p95": p95, "queries": queries}


def _instances_collection(rows) -> dict:
    """The GeoJSON serializer as it was before it read tuples: model instances, and `reverse()`
    per row through `get_absolute_url`. Kept here only as the reference of the comparison."""
    features = []
    for r in rows:
        features.append(
            {
                "type": "Feature",
                "id": r.pk,
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(r.longitude, 6), round(r.latitude, 6)],
                },
                "properties": {
                    "id": r.pk,
                    "title": r.public_title,
                    "category": r.category.name,
                    "category_code": r.category.code,
                    "status": r.status,
                    "status_label": r.get_status_display(),
                    "open": r.is_open,
                    "overdue": r.is_overdue,
                    "created_at": r.created_at.isoformat(timespec="seconds"),
                    "url": r.get_absolute_url(),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def serializers_compared(count: int) -> None:
    """The same `count` newest reports serialized both ways, alternately, in this process (query
    and Python time, JSON encoding excluded: it is the same for both)."""
    from civic import geojson, selectors
    from civic.models import IssueReport

    qs = selectors.reports_in_bbox(IssueReport.objects.all(), None).order_by("-pk")
    columns = ("title", "text_hidden", "status", "latitude", "longitude", "due_at")
    columns += ("created_at", "category__name_fr", "category__name_en", "category__code")

    def instances():
        return _instances_collection(qs.select_related("category").only(*columns)[:count])

    def tuples():
        url = geojson.url_for_pk("civic:report_detail")
        return geojson.feature_collection(qs[:count], url=url, public=True)

    assert instances() == tuples(), "the two serializers disagree"
    timings: dict[str, list[float]] = {
        "instances + reverse per row": [],
        "values_list (in use)": [],
    }
    for _ in range(RUNS):
        for label, build in (
            ("instances + reverse per row", instances),
            ("values_list (in use)", tuples),
        ):
            started = time.perf_counter()
            build()
            timings[label].append((time.perf_counter() - started) * 1000)
    for label, values in timings.items():
        values.sort()
        print(
            f"{f'GeoJSON serializer, {count} features, {label}':<72} p50 "
            f"{statistics.median(values):7.1f} ms   p95 {values[int(len(values) * 0.95)]:7.1f} ms",
            flush=True,
        )


def main() -> None:
    bench_database()
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import tenant_context

    from civic import selectors

    council, moderator, pothole = seed()
    with tenant_context(council):
        from civic.models import IssueReport

        total = IssueReport.objects.count()
        middle = IssueReport.objects.order_by("pk").values_list("pk", flat=True)[total // 2]
    connection.set_schema_to_public()
    print(f"\n{total} reports in council {SLUG}; {RUNS} requests each (after 3 warm-up)\n")
    public = Client(HTTP_HOST=HOST)
    public.cookies["commune_language"] = "en"
    cat = pothole.pk
    measure(public, "public list, first page (20)", "/reports/")
    measure(public, "public list, deep page (keyset)", f"/reports/?before={middle}")
    measure(public, "public list, open potholes", f"/reports/?status=open&category={cat}")
    measure(public, "GeoJSON, whole council (limit 500)", "/reports.geojson")
    measure(
        public, "GeoJSON, one street (bbox)", "/reports.geojson?bbox=-2.052,48.454,-2.048,48.457"
    )
    measure(public, "GeoJSON, open, limit 2000", "/reports.geojson?status=open&limit=2000")
    measure(public, "GeoJSON, whole council, limit 2000", "/reports.geojson?limit=2000")
    measure(public, "Open311 GET requests.json (default 200)", "/open311/v2/requests.json")
    measure(public, "Open311 GET requests.xml (default 200)", "/open311/v2/requests.xml")
    measure(
        public, "Open311 requests.json page_size=1000", "/open311/v2/requests.json?page_size=1000"
    )
    measure(
        public,
        "Open311 requests.json open potholes",
        "/open311/v2/requests.json?status=open&service_code=pothole",
    )
    measure(
        public,
        "Open311 requests.json 10 ids",
        f"/open311/v2/requests.json?service_request_id="
        f"{','.join(str(middle + i) for i in range(10))}",
    )
    staff = Client(HTTP_HOST=HOST)
    staff.cookies["commune_language"] = "en"
    with tenant_context(council):
        staff.force_login(moderator)
    connection.set_schema_to_public()
    measure(staff, "staff queue, open (50)", "/staff/civic/")
    measure(staff, "staff queue, overdue (50)", "/staff/civic/?overdue=1")
    with tenant_context(council):
        serializers_compared(2000)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            selectors.reports_nearby(category=pothole, latitude=48.4556, longitude=-2.0503)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(
            f"{'duplicate suggestion (50 m, selector)':<46} p50 "
            f"{statistics.median(timings):7.1f} ms   p95 {timings[int(len(timings) * 0.95)]:7.1f}"
            f" ms     1 query"
        )


if __name__ == "__main__":
    main()
