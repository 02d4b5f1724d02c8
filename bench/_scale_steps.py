"""The in-process steps of bench_scale.py, each run in a Django process on a bench database."""

import statistics
import tempfile
import time
from pathlib import Path

from _migrations import extra_migration_package
from _setup import percentiles
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory

from tenants.fanout import councils_run
from tenants.landing import landing_forget
from tenants.middleware import CouncilMiddleware
from tenants.models import Council
from tenants.services import council_create
from tenants.spares import _drop, spare_schemas, spares_refill

__all__ = [
    "bench_add_field",
    "bench_fan_out",
    "bench_landing",
    "bench_provisioning",
    "bench_routing",
]


def _schemas() -> list[str]:
    return list(Council.objects.exclude(schema_name="public").values_list("schema_name", flat=True))


def bench_add_field(size: int) -> None:
    """One AddField with a default on a council table, through `migrate`, then undone."""
    workdir = Path(tempfile.mkdtemp())
    settings.MIGRATION_MODULES = {
        "core": extra_migration_package(
            workdir,
            "core",
            "9100_bench_flag",
            "[migrations.AddField('auditentry', 'bench_flag', models.BooleanField(default=False))]",
        )
    }
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    elapsed = time.perf_counter() - start
    print(
        f"migrate, one new AddField in {len(_schemas())} schemas "
        f"({settings.TENANT_MIGRATION_JOBS} jobs): {elapsed:.1f} s"
    )
    with connection.cursor() as cursor:
        for schema in _schemas():
            cursor.execute(f'ALTER TABLE "{schema}".core_auditentry DROP COLUMN bench_flag')
        for schema in ["public", *_schemas()]:
            table = f'"{schema}".django_migrations'
            cursor.execute(f"DELETE FROM {table} WHERE name = %s", ["9100_bench_flag"])  # noqa: S608  (schema names from our own table)


def _provision(rounds: int, spare_ready: bool) -> list[float]:
    timings, made = [], []
    stamp = int(time.time())
    try:
        for i in range(rounds):
            spares_refill(1) if spare_ready else [_drop(s) for s in spare_schemas()]
            slug = f"bench-{stamp}-{i}"
            start = time.perf_counter()
            made.append(
                council_create(
                    slug=slug,
                    name=f"Bench {i}",
                    domains=[f"{slug}.localhost"],
                    admin_email=f"admin@{slug}.example",
                ).council
            )
            timings.append((time.perf_counter() - start) * 1000)
    finally:
        for council in made:
            council.delete(force_drop=True)
    return timings


def bench_provisioning() -> None:
    print(f"provisioning, spare ready (20): {percentiles(_provision(20, True))}")
    print(f"provisioning, cold clone (5): {percentiles(_provision(5, False))}")


def bench_routing() -> None:
    council = Council.objects.filter(slug__startswith="scale-").order_by("slug").last()
    host = council.get_primary_domain().domain
    middleware = CouncilMiddleware(lambda request: None)
    factory = RequestFactory(HTTP_HOST=host)
    samples = []
    for _ in range(2000):
        request = factory.get("/")
        start = time.perf_counter()
        middleware.process_request(request)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        samples.append((time.perf_counter() - start) * 1000)
    print(f"routing (host lookup + schema switch + first query): {percentiles(samples[100:])}")


def bench_landing() -> None:
    client = Client(HTTP_HOST=settings.PUBLIC_HOST)
    landing_forget()
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        client.get("/")
        cold_ms = (time.perf_counter() - start) * 1000
    warm = []
    for _ in range(50):
        start = time.perf_counter()
        client.get("/")
        warm.append((time.perf_counter() - start) * 1000)
    print(
        f"landing page: cold {cold_ms:.0f} ms, {len(executed)} queries; "
        f"warm p50 {statistics.median(warm):.1f} ms"
    )


def bench_fan_out() -> None:
    """One pass of the hourly verification expiry over every council, batch by batch."""
    schemas = list(
        Council.objects.filter(is_active=True, is_template=False)
        .order_by("pk")
        .values_list("schema_name", flat=True)
    )
    size = settings.TENANTS_FANOUT_BATCH_SIZE
    start = time.perf_counter()
    failed = 0
    for first in range(0, len(schemas), size):
        outcomes = councils_run(
            "community.tasks.expire_verifications", schemas[first : first + size]
        )
        failed += sum(1 for outcome in outcomes.values() if outcome != "ok")
        connection.close()  # as Celery does after each task
    elapsed = time.perf_counter() - start
    print(
        f"fan-out pass (verification expiry) over {len(schemas)} councils in batches of "
        f"{size}: {elapsed:.1f} s of worker time, {failed} failed"
    )
