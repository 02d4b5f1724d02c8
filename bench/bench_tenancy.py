"""Council provisioning time, and the request overhead of tenant routing.

    make bench            (or: python bench/bench_tenancy.py with the services' environment)

Provisioning: create_council (clone of the template schema + domain + first admin), N times,
then drop the councils again. Routing: the same lightweight request through the full middleware
stack on a council host (warm host cache) versus the platform host (no tenant lookup, no
search_path switch), and the queries a warm council request makes for routing."""

import time

from _setup import percentiles
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from tenants.middleware import CouncilMiddleware
from tenants.models import Council
from tenants.services import council_create, platform_ensure_public
from tenants.spares import _drop, spare_schemas, spares_refill

ROUNDS = 10
REQUESTS = 300


def _provision_many(with_password: bool, spare_ready: bool) -> list[float]:
    timings, made = [], []
    try:
        for i in range(ROUNDS):
            # Untimed: what the refill task does between two provisionings (or, for the cold
            # case, a pool emptied as if no worker had refilled it).
            spares_refill(1) if spare_ready else [_drop(s) for s in spare_schemas()]
            slug = f"bench-{'pw' if with_password else 'link'}-{i}-{int(time.time())}"
            start = time.perf_counter()
            result = council_create(
                slug=slug,
                name=f"Bench {i}",
                domains=[f"{slug}.localhost"],
                admin_email=f"admin@{slug}.example",
                admin_password="bench-password-123" if with_password else None,
            )
            timings.append((time.perf_counter() - start) * 1000)
            made.append(result.council)
    finally:
        for council in made:
            council.delete(force_drop=True)
    return timings


def bench_provisioning() -> None:
    """With a spare schema ready (the steady state: the worker refills the pool) and without
    (cold: a clone of the template), with a one-time link for the first admin (the usual case)
    and with a password given, whose PBKDF2 hashing (Django's default work factor) costs ≈0.4 s."""
    platform_ensure_public()
    for spare_ready in (True, False):
        for with_password in (False, True):
            label = (
                f"{'spare ready' if spare_ready else 'cold clone '}, "
                f"{'admin password given' if with_password else 'one-time admin link '}"
            )
            samples = _provision_many(with_password, spare_ready)
            print(f"council provisioning, {label} ({ROUNDS}): {percentiles(samples)}")


def _timed(client: Client, path: str) -> list[float]:
    client.get(path)  # warm caches
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


def bench_routing() -> None:
    council = Council.objects.filter(is_template=False).exclude(schema_name="public").first()
    if council is None:
        print("routing: no council (run `make run` once to load the demo councils)")
        return
    host = council.get_primary_domain().domain
    page = _timed(Client(HTTP_HOST=host), "/")
    print(f"GET / on {host} (whole request): {percentiles(page)}")

    middleware = CouncilMiddleware(lambda request: None)
    factory = RequestFactory(HTTP_HOST=host)
    samples = []
    for _ in range(REQUESTS * 10):
        request = factory.get("/")
        start = time.perf_counter()
        middleware.process_request(request)
        with connection.cursor() as cursor:  # the first query pays the SET search_path
            cursor.execute("SELECT 1")
        samples.append((time.perf_counter() - start) * 1000)
    print(f"routing alone (host lookup + schema switch + first query): {percentiles(samples)}")

    client = Client(HTTP_HOST=host)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    routing = [q for q in queries if "tenants_" in q["sql"]]
    print(f"queries on a warm council request: {len(queries)} in all, {len(routing)} for routing")


if __name__ == "__main__":
    bench_provisioning()
    bench_routing()
