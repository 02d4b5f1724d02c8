"""Many councils on one database: migrate, provisioning, routing, landing page, fan-out, pg_dump.

    make bench                                   (10 and 100 councils)
    BENCH_SCALE_COUNCILS=10,100,1000 make bench  (adds 1,000: ≈3 minutes to build, once)

Each size has a database of its own (commune_bench_<n>, never the development or test database),
kept between runs: councils are copies of the template schema restored from one pg_dump of it
(≈0.1 s each, instead of provisioning them one by one). Figures:

- `manage.py migrate` with nothing to apply (a new process, as a deploy runs it), and for 10 and
  100 councils the same with django-tenants' standard executor;
- one new AddField with a default (a migration added through MIGRATION_MODULES), then undone;
- provisioning (spare ready / cold clone) p50 and p95, routing latency, landing page queries;
- one fan-out pass (the hourly verification expiry) over every council;
- `pg_dump --schema-only` time and size, catalog size."""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_URL = os.environ["DATABASE_URL"]
SIZES = [int(n) for n in os.environ.get("BENCH_SCALE_COUNCILS", "10,100").split(",") if n]
ROOT = Path(__file__).resolve().parent.parent


def _url_for(database: str) -> str:
    parts = urlsplit(BASE_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _pg_bin(tool: str) -> str:
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), reverse=True):
        return str(candidate)
    return tool


def _psql(url: str, sql: str, *args: str) -> str:
    return subprocess.run(  # noqa: S603  (our own tools and arguments)
        [_pg_bin("psql"), url, "-qAtX", "-v", "ON_ERROR_STOP=1", *args],
        input=sql,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _ensure_database(name: str) -> None:
    # `name` is commune_bench_<int>, made here.
    exists = _psql(_url_for("postgres"), f"SELECT 1 FROM pg_database WHERE datname = '{name}'")  # noqa: S608
    if not exists.strip():
        _psql(_url_for("postgres"), f"CREATE DATABASE {name}")


def _run(*args: str, database: str, env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _url_for(database), **(env or {})},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def _prepare(size: int) -> str:
    """A database with the platform, the template and `size` councils (made once)."""
    database = f"commune_bench_{size}"
    _ensure_database(database)
    url = _url_for(database)
    _run("migrate", "--noinput", "-v", "0", database=database)
    _run("ensure_platform", database=database)
    have = int(_psql(url, "SELECT count(*) FROM tenants_council WHERE slug LIKE 'scale-%'"))
    if have < size:
        started = time.perf_counter()
        dump = subprocess.run(  # noqa: S603
            [_pg_bin("pg_dump"), url, "--schema=council_template", "--no-owner"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # Only schema-qualified names and the schema itself mention the template.
        pattern = re.compile(r"\bcouncil_template\b")
        for start in range(have, size, 50):
            chunk = range(start, min(size, start + 50))
            sql = "".join(pattern.sub(f"scale_{i:04}", dump) for i in chunk)
            # Numbers formatted here, no outside input.
            sql += "".join(
                f"INSERT INTO public.tenants_council (schema_name, name, slug, primary_colour,"  # noqa: S608
                f" default_language, languages, timezone, contact_email, phone_region,"
                f" is_active, is_template, created_at, updated_at, logo) VALUES"
                f" ('scale_{i:04}', 'Scale {i:04}', 'scale-{i:04}', '#1d4ed8', 'fr', '[]',"
                f" 'Europe/Paris', '', 'FR', true, false, now(), now(), '');"
                f"INSERT INTO public.tenants_domain (domain, is_primary, tenant_id) SELECT"
                f" 'scale-{i:04}.localhost', true, id FROM public.tenants_council"
                f" WHERE slug = 'scale-{i:04}';"
                for i in chunk
            )
            _psql(url, sql, "-1")
        print(f"  (built {size - have} councils in {time.perf_counter() - started:.0f} s)")
    return database


def _in_process(database: str, body: str) -> str:
    """Run `body` (Python, printing its figures) in a Django process on `database`."""
    script = (
        "import sys; sys.path.insert(0, 'bench')\nimport _setup\n"
        "from _scale_steps import *\n" + body
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _url_for(database)},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(result.stdout + result.stderr)
    return result.stdout


def main() -> None:
    for size in SIZES:
        print(f"-- {size} councils")
        database = _prepare(size)
        url = _url_for(database)
        noop = [_run("migrate", "--noinput", "-v", "0", database=database) for _ in range(3)]
        print(f"migrate, nothing to apply (whole process, best of 3): {min(noop):.2f} s")
        if size <= 100:
            standard = _run(
                "migrate", "--noinput", "-v", "0", "--executor=standard", database=database
            )
            print(f"  the same with django-tenants' standard executor: {standard:.2f} s")
        print(_in_process(database, f"bench_add_field({size})"), end="")
        print(
            _in_process(database, "bench_provisioning(); bench_routing(); bench_landing()"), end=""
        )
        print(_in_process(database, "bench_fan_out()"), end="")
        started = time.perf_counter()
        with tempfile.TemporaryFile() as out:
            subprocess.run(  # noqa: S603
                [_pg_bin("pg_dump"), url, "--schema-only"], stdout=out, check=True
            )
            dumped = out.tell()
        print(
            f"pg_dump --schema-only: {time.perf_counter() - started:.1f} s, {dumped / 1e6:.1f} MB"
        )
        catalog = (
            _psql(
                url,
                "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))), "
                "pg_size_pretty(pg_database_size(current_database())), "
                "(SELECT count(*) FROM pg_class) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pg_catalog'",
            )
            .strip()
            .split("|")
        )
        print(f"catalog: {catalog[0]} (database {catalog[1]}, {int(catalog[2]):,} relations)")


if __name__ == "__main__":
    main()
