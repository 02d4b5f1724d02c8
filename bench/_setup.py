"""Shared start-up for benchmarks: Django with development settings, set up on import, on the
database named by DATABASE_URL (run through `make bench`, which points it at the private
services).

A benchmark that builds a large data set works in the benchmarks' own database instead: it calls
`bench_database()` before its first query (BENCH_DATABASE_URL, or DATABASE_URL's database name
+ "_bench": created and migrated on the first run, its data kept for the next runs), and
`bench_council(slug, name)` for its council there."""

import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django

django.setup()


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p50 = statistics.median(ordered)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms (n={len(ordered)})"


def bench_database_url() -> str:
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_bench"))


def _ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def bench_database() -> str:
    """Move this process, and the processes it starts (DATABASE_URL), to the benchmarks' own
    database, created if missing and migrated (every schema). The connection is closed and
    repointed as Django's test runner does for the test database. Returns the database's name."""
    import environ
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    url = bench_database_url()
    _ensure_database(url)
    config = environ.Env.db_url_config(url)
    connection.close()
    for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
        settings.DATABASES["default"][key] = config[key]
        connection.settings_dict[key] = config[key]
    os.environ["DATABASE_URL"] = url
    call_command("migrate", verbosity=0)
    return str(config["NAME"])


def bench_council(slug: str, name: str, *, admin_email: str, admin_password: str | None = None):
    """The council `slug` (host `<slug>.localhost`), created with the public tenant on the first
    run and kept."""
    from tenants.models import Council
    from tenants.services import council_create, platform_ensure_public

    platform_ensure_public()
    council = Council.objects.filter(slug=slug).first()
    if council is None:
        council = council_create(
            slug=slug,
            name=name,
            domains=[f"{slug}.localhost"],
            admin_email=admin_email,
            admin_password=admin_password,
        ).council
    return council
