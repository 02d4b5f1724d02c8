"""`manage.py migrate` across many council schemas: one query finds the schemas that are behind,
and only those are migrated, several at a time.

django-tenants' own executors run Django's whole `migrate` command once per schema: system
checks, a migration-loader pass, four table-listing introspections (each scanning the whole
catalog, so the run grows as N²) and the post-migrate signals, even when there is nothing to
apply. At 1,000 councils that was ten minutes for a no-op.

Here (settings.GET_EXECUTOR_FUNCTION picks this executor for `migrate` and `migrate_schemas`):

1. The migration graph is read from disk once. One query per 500 schemas compares every schema's
   `django_migrations` with the graph's nodes; a schema that has them all is skipped.
2. The schemas that are behind are grouped by what they lack (usually they all lack the same
   new migrations); each group's starting project state is computed once.
3. Each schema is migrated in one transaction (PostgreSQL DDL is transactional): every missing
   migration, its records and the post-migrate signals commit together or not at all. A lock
   that cannot be taken within TENANT_MIGRATION_LOCK_TIMEOUT fails that schema instead of
   queueing behind the sites' traffic.
4. TENANT_MIGRATION_JOBS threads, each with its own connection (recycled every
   TENANT_MIGRATION_RECONNECT_EVERY schemas, so catalog caches stay small), work through the
   list; progress (n / N, ETA) is printed. A failure does not stop the others; failed schemas
   are retried TENANT_MIGRATION_RETRIES times, then listed, and the command exits non-zero.

The public schema, a schema without a `django_migrations` table, a schema whose history is
inconsistent or involves squashed migrations, and every non-default invocation (an app label or
target, --fake, --plan, --prune, --run-syncdb) go through django-tenants' standard executor, so
behaviour there is exactly the library's.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import CommandError
from django.core.management.sql import emit_pre_migrate_signal
from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor as DjangoMigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.operations import RunPython
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django.db.models.signals import post_migrate
from django_tenants.migration_executors import get_executor
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations
from django_tenants.signals import schema_migrated

Key = tuple[str, str]

CHECK_CHUNK = 500  # schemas per comparison query: each one takes a lock per schema's table
# Options under which the library's executor runs unchanged.
_STANDARD_ONLY_OPTIONS = (
    "app_label",
    "migration_name",
    "fake",
    "fake_initial",
    "plan",
    "prune",
    "run_syncdb",
)


def executor_for(codename: str | None = None) -> type[MigrationExecutor]:
    """settings.GET_EXECUTOR_FUNCTION: ours by default, the library's when asked by name."""
    if codename in (None, "", CouncilMigrationExecutor.codename):
        return CouncilMigrationExecutor
    return get_executor(codename)


def _quoted(schema: str) -> str:
    return '"' + schema.replace('"', '""') + '"'


def disk_graph() -> MigrationLoader:
    """The migration graph of the code, read once (no database)."""
    return MigrationLoader(None, ignore_no_migrations=True)


def schemas_missing(
    schemas: Sequence[str], expected: Iterable[Key], using: str = "default"
) -> dict[str, set[Key] | None]:
    """For each schema that is behind, the expected migrations it has no record of (None when
    it has no django_migrations table at all). Schemas that are current are absent.

    A constant number of queries: one for the tables' existence, one per CHECK_CHUNK schemas."""
    expected = sorted(expected)
    apps_, names = [k[0] for k in expected], [k[1] for k in expected]
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p')"
            " AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        behind: dict[str, set[Key] | None] = {s: None for s in schemas if s not in with_table}
        lacking: dict[str, set[Key]] = {}
        present = [s for s in schemas if s in with_table]
        for start in range(0, len(present), CHECK_CHUNK):
            chunk = present[start : start + CHECK_CHUNK]
            # Schema names come from pg_namespace and are quoted as identifiers.
            applied = " UNION ALL ".join(
                f"SELECT %s::text, app::text, name::text FROM {_quoted(s)}.django_migrations"  # noqa: S608
                for s in chunk
            )
            expected_rows = (
                "SELECT q.nsp, e.app, e.name FROM unnest(%s::text[]) AS q(nsp)"
                " CROSS JOIN unnest(%s::text[], %s::text[]) AS e(app, name)"
            )
            query = f"{expected_rows} EXCEPT ({applied})"
            cursor.execute(query, [chunk, apps_, names, *chunk])
            for schema, app, name in cursor.fetchall():
                lacking.setdefault(schema, set()).add((app, name))
    return {**behind, **lacking}


@dataclass
class MigrationGroup:
    """Schemas that lack the same migrations: they share one plan and one starting state."""

    missing: frozenset[Key]
    plan: list[Migration]
    state: ProjectState
    schemas: list[str] = field(default_factory=list)

    @property
    def atomic(self) -> bool:
        return all(m.atomic for m in self.plan)


def _full_plan(loader: MigrationLoader) -> list[Key]:
    plan: list[Key] = []
    seen: set[Key] = set()
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key not in seen:
                seen.add(key)
                plan.append(key)
    return plan


def migration_group(loader: MigrationLoader, missing: frozenset[Key]) -> MigrationGroup | None:
    """The plan and starting state for schemas lacking `missing`; None when the standard path
    must decide (a squashed migration involved, or history applied out of order)."""
    graph = loader.graph
    if any(graph.nodes[key].replaces for key in missing):
        return None
    for key in missing:
        if any(child.key not in missing for child in graph.node_map[key].children):
            return None  # a later migration is recorded without this one: Django reports it
    state = ProjectState(real_apps=loader.unmigrated_apps)
    plan = []
    for key in _full_plan(loader):
        if key in missing:
            plan.append(graph.nodes[key])
        else:
            graph.nodes[key].mutate_state(state, preserve=False)
    state.apps  # noqa: B018  (render once here, not in every schema's thread)
    return MigrationGroup(missing=missing, plan=plan, state=state)


class _SharedGraphExecutor(DjangoMigrationExecutor):
    """Django's executor without its per-instance loader pass and table introspection: the graph
    is shared, and the caller knows the schema has its django_migrations table."""

    def __init__(self, connection, loader: MigrationLoader):
        self.connection = connection
        self.loader = loader
        self.recorder = MigrationRecorder(connection)
        self.recorder._has_table = True
        self.progress_callback = None


# ContentType's cache is one dict per process, keyed by database alias, not by schema: two
# threads migrating two schemas must not see each other's content type ids. Whatever reads it
# (the post-migrate signals, a data migration's RunPython) runs under this lock, on a cleared cache.
_CONTENT_TYPE_CACHE = threading.Lock()


@contextmanager
def _own_content_type_cache() -> Iterator[None]:
    with _CONTENT_TYPE_CACHE:
        ContentType.objects.clear_cache()
        try:
            yield
        finally:
            ContentType.objects.clear_cache()


def _post_migrate(plan: list[tuple[Migration, bool]], using: str) -> None:
    """post_migrate for the apps whose migrations ran, not for every installed app.

    Its receivers (content types, permissions) work app by app on that app's own models, and a
    migration only changes models of its own app: the other apps have nothing new. That is
    ≈3 queries instead of ≈60 per schema. The schema now matches the code's models, so the
    receivers get the real registry (as after `flush`), not a re-rendered final state."""
    migrated = {migration.app_label for migration, _backwards in plan}
    for app_config in global_apps.get_app_configs():
        if app_config.models_module is None or app_config.label not in migrated:
            continue
        post_migrate.send(
            sender=app_config,
            app_config=app_config,
            verbosity=0,
            interactive=False,
            using=using,
            apps=global_apps,
            plan=plan,
        )


def schema_migrate(
    schema: str, group: MigrationGroup, loader: MigrationLoader, using: str = "default"
) -> None:
    """Apply the group's plan to one schema, all of it in one transaction when every migration
    allows it (a non-atomic migration, e.g. CREATE INDEX CONCURRENTLY, cannot be wrapped)."""
    connection = connections[using]
    connection.set_schema(schema)
    # Fresh Migration objects: the pre_migrate receivers insert operations into them.
    plan = [(type(m)(m.name, m.app_label), False) for m in group.plan]
    state = group.state.clone()
    executor = _SharedGraphExecutor(connection, loader)
    lock_timeout = getattr(settings, "TENANT_MIGRATION_LOCK_TIMEOUT", "5s")
    runs_python = any(
        isinstance(operation, RunPython) for m in group.plan for operation in m.operations
    )
    try:
        with ExitStack() as stack:
            if group.atomic:
                stack.enter_context(transaction.atomic(using=using))
            if runs_python:
                stack.enter_context(_own_content_type_cache())
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, %s)", [lock_timeout, group.atomic]
                )
            emit_pre_migrate_signal(0, False, using, apps=state.apps, plan=plan)
            for migration, _backwards in plan:
                state = executor.apply_migration(state, migration)
            with nullcontext() if runs_python else _own_content_type_cache():
                _post_migrate(plan, using)
    finally:
        if not group.atomic:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        connection.set_schema_to_public()


def _describe(exc: BaseException) -> str:
    """One line: Django's exception class, the driver's (e.g. LockNotAvailable), the message."""
    kind = type(exc).__name__
    cause = exc.__cause__
    if cause is not None and type(cause).__name__ != kind:
        kind += f" ({type(cause).__name__})"
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{kind}: {first_line}"


@dataclass
class RunReport:
    total: int
    done: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)


class CouncilMigrationExecutor(MigrationExecutor):
    """django-tenants executor (codename "councils"); see the module docstring."""

    codename = "councils"

    def _say(self, message: str, level: int = 1) -> None:
        if int(self.options.get("verbosity", 1)) >= level:
            sys.stdout.write(message + "\n")
            sys.stdout.flush()

    def _standard(self, schemas: Iterable[str]) -> None:
        schemas = list(schemas)
        for idx, schema in enumerate(schemas):
            run_migrations(
                self.args, self.options, self.codename, schema, idx=idx, count=len(schemas)
            )

    def _fast_path_allowed(self) -> bool:
        return not any(self.options.get(name) for name in _STANDARD_ONLY_OPTIONS)

    def run_multi_type_migrations(self, tenants):
        raise NotImplementedError("Commune has one tenant type")

    def run_migrations(self, tenants=None) -> None:
        schemas = list(tenants or [])
        if not schemas:
            return
        if not self._fast_path_allowed():
            self._standard(schemas)
            return
        started = time.monotonic()
        # `migrate` calls this twice (public, then the councils): read the graph once.
        loader = getattr(self, "_loader", None) or disk_graph()
        self._loader = loader
        behind = schemas_missing(schemas, loader.graph.nodes, self.TENANT_DB_ALIAS)
        if self.options.get("check_unapplied"):
            if behind:
                self._say(f"Unapplied migrations in {len(behind)} schema(s).")
                sys.exit(1)
            return
        if not behind:
            self._say(
                f"{len(schemas)} schema(s) up to date (checked in "
                f"{time.monotonic() - started:.2f} s)."
            )
            return

        standard: list[str] = []
        groups: dict[frozenset[Key], MigrationGroup] = {}
        for schema in schemas:  # keep the caller's order (public first, then councils)
            if schema not in behind:
                continue
            missing = behind[schema]
            if schema == self.PUBLIC_SCHEMA_NAME or missing is None:
                standard.append(schema)
                continue
            key = frozenset(missing)
            if key not in groups:
                group = migration_group(loader, key)
                if group is None:
                    standard.append(schema)
                    continue
                groups[key] = group
            groups[key].schemas.append(schema)

        if standard:
            self._standard(standard)
        work = [(schema, group) for group in groups.values() for schema in group.schemas]
        if work:
            self._migrate_many(work, loader)

    def _jobs(self) -> int:
        explicit = self.options.get("parallel")
        jobs = explicit if explicit is not None else getattr(settings, "TENANT_MIGRATION_JOBS", 2)
        return max(1, int(jobs))

    def _migrate_many(self, work: list[tuple[str, MigrationGroup]], loader: MigrationLoader):
        names = sorted({str(m.app_label) + "." + m.name for _s, g in work for m in g.plan})
        self._say(f"Migrating {len(work)} schema(s) behind: {', '.join(names)}")
        report = RunReport(total=len(work))
        self._run_pass(work, loader, report)
        retries = int(getattr(settings, "TENANT_MIGRATION_RETRIES", 1))
        for attempt in range(1, retries + 1):
            if not report.failed:
                break
            time.sleep(float(getattr(settings, "TENANT_MIGRATION_RETRY_DELAY", 1.0)))
            again = [(s, g) for s, g in work if s in report.failed]
            self._say(f"Retrying {len(again)} failed schema(s) (attempt {attempt + 1})")
            report.failed = {}
            # One at a time: a retry is usually a lock conflict or a deadlock.
            self._run_pass(again, loader, report, jobs=1)
        elapsed = time.monotonic() - report.started
        if report.failed:
            lines = [f"  {schema}: {error}" for schema, error in sorted(report.failed.items())]
            raise CommandError(
                f"{len(report.failed)} of {report.total} schema(s) not migrated "
                f"(each rolled back, nothing half-applied):\n" + "\n".join(lines)
            )
        self._say(f"Migrated {report.total} schema(s) in {elapsed:.1f} s.")

    def _run_pass(
        self,
        work: list[tuple[str, MigrationGroup]],
        loader: MigrationLoader,
        report: RunReport,
        jobs: int | None = None,
    ) -> None:
        jobs = min(jobs or self._jobs(), len(work))
        lock = threading.Lock()
        every = max(1, len(work) // 20)
        last_print = [time.monotonic()]

        def one(schema: str, group: MigrationGroup) -> None:
            error = None
            try:
                schema_migrate(schema, group, loader, self.TENANT_DB_ALIAS)
            except Exception as exc:  # whatever the failure: report it, go on with the others
                error = _describe(exc)
                self._say(traceback.format_exc(), level=3)
            else:
                schema_migrated.send(run_migrations, schema_name=schema)
            with lock:
                if error:
                    report.failed[schema] = error
                    self._say(f"  {schema}: failed, {error}")
                else:
                    report.done += 1
                self._progress(report, every, last_print)

        if jobs <= 1:
            # Inline, on this thread's connection (and inside the caller's transaction, if any).
            for schema, group in work:
                one(schema, group)
            return
        todo: queue.Queue[tuple[str, MigrationGroup]] = queue.Queue()
        for item in work:
            todo.put(item)
        recycle = int(getattr(settings, "TENANT_MIGRATION_RECONNECT_EVERY", 100))

        def worker() -> None:
            count = 0
            try:
                while True:
                    try:
                        schema, group = todo.get_nowait()
                    except queue.Empty:
                        return
                    one(schema, group)
                    count += 1
                    if count % recycle == 0:
                        # A backend keeps catalog caches for every schema it touched.
                        connections[self.TENANT_DB_ALIAS].close()
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, name=f"migrate-{i}") for i in range(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _progress(self, report: RunReport, every: int, last_print: list[float]) -> None:
        finished = report.done + len(report.failed)
        now = time.monotonic()
        if finished != report.total and finished % every and now - last_print[0] < 5:
            return
        last_print[0] = now
        elapsed = now - report.started
        eta = elapsed / max(finished, 1) * (report.total - finished)
        self._say(
            f"  {finished} / {report.total} schemas, {len(report.failed)} failed, "
            f"{elapsed:.1f} s elapsed, ETA {eta:.0f} s"
        )
