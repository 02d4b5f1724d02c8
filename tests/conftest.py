"""Test fixtures: two real councils in a real PostgreSQL, real Redis, a real Celery worker.

The councils `dinan` and `saint-malo` are created once per session, committed (so a Celery worker
process sees them). Each test then runs in a transaction that is rolled back (`db`), inside the
schema of the council it asks for. Tests that need committed data (a worker must read it) use
`committed_db` and clean up what they made.
"""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from tenants.models import Council

from .live_processes import spawn_celery_worker

ROOT = Path(__file__).resolve().parent.parent
# One outbox per Redis database, so parallel test runs (COMMUNE_TEST_REDIS_DB) do not mix.
WORKER_OUTBOX = ROOT / ".run" / f"test-outbox-{os.environ.get('COMMUNE_TEST_REDIS_DB', '1')}"
PASSWORD = "a-long-test-password"


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """The test database, always created (pytest-django skips it when no collected test asks
    for `db`, which would leave tests on `committed_db` pointing at the development database),
    with the public tenant and the two councils committed in it."""
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import council_create, platform_ensure_public

    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
        )
        assert connection.settings_dict["NAME"].startswith("test_"), "not a test database"
        platform_ensure_public()
        for slug, name in (("dinan", "Dinan"), ("saint-malo", "Saint-Malo")):
            council_create(
                slug=slug,
                name=name,
                domains=[f"{slug}.localhost"],
                admin_email=f"first-admin@{slug}.example",
                admin_password=PASSWORD,
            )
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        connection.close()
        teardown_databases(db_cfg, verbosity=0)


@pytest.fixture(autouse=True)
def _isolated_cache_and_schema():
    """Every test starts on the public schema, in English, with an empty cache database."""
    cache.clear()
    connection.set_schema_to_public()
    with translation.override("en"):
        yield
    cache.clear()
    connection.set_schema_to_public()


def _council(slug: str) -> Council:
    return Council.objects.get(slug=slug)


@pytest.fixture
def dinan(db) -> Council:
    return _council("dinan")


@pytest.fixture
def saint_malo(db) -> Council:
    return _council("saint-malo")


@pytest.fixture
def in_dinan(dinan):
    """Run the test body inside Dinan's schema."""
    connection.set_tenant(dinan)
    yield dinan
    connection.set_schema_to_public()


class CouncilClient(Client):
    """A test client bound to one council's host. The middleware leaves the connection on the
    last request's schema; this client puts back the schema the test was using."""

    def __init__(self, council: Council, language: str = "en", **kwargs):
        self.council = council
        super().__init__(HTTP_HOST=council.get_primary_domain().domain, **kwargs)
        # Tests read English; test_i18n checks that French is the default without this cookie.
        if language:
            self.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    def request(self, **request):
        previous = connection.tenant
        try:
            return super().request(**request)
        finally:
            if previous.schema_name == "public":
                connection.set_schema_to_public()
            else:
                connection.set_tenant(previous)

    def login_as(self, user) -> "CouncilClient":
        self.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return self

    def force_login(self, user, backend=None):
        with schema_context(self.council.schema_name):
            super().force_login(user, backend)


@pytest.fixture
def client_dinan(dinan) -> CouncilClient:
    return CouncilClient(dinan)


@pytest.fixture
def client_saint_malo(saint_malo) -> CouncilClient:
    return CouncilClient(saint_malo)


@pytest.fixture
def public_client(db) -> Client:
    return Client(HTTP_HOST="localhost")


# --- personas (in Dinan unless said otherwise) ---------------------------------------------------


def make_user(email: str, *roles: str, **fields):
    from accounts.models import User
    from accounts.services import staff_member_create

    if roles:
        user = make_user(email, **fields)
        return staff_member_create(email=email, full_name=user.full_name, roles=list(roles))
    fields.setdefault("full_name", email.split("@")[0].title())
    fields.setdefault("email_confirmed", True)
    return User.objects.create_user(email, PASSWORD, **fields)


@pytest.fixture
def resident(in_dinan):
    return make_user("resident@example.org")


@pytest.fixture
def council_admin(in_dinan):
    return make_user("council-admin@dinan.example", "council_admin")


@pytest.fixture
def moderator(in_dinan):
    return make_user("moderator@dinan.example", "moderator")


@pytest.fixture
def agent(in_dinan):
    return make_user("agent@dinan.example", "agent")


@pytest.fixture
def communications_officer(in_dinan):
    return make_user("comms@dinan.example", "communications_officer")


@pytest.fixture
def elected_official(in_dinan):
    return make_user("elected@dinan.example", "elected_official")


@pytest.fixture
def outsider(saint_malo):
    """A resident of Saint-Malo."""
    with schema_context(saint_malo.schema_name):
        return make_user("outsider@example.org")


# --- committed data and a real Celery worker ---------------------------------------------------


@pytest.fixture
def committed_db(django_db_blocker):
    """Autocommit database access for tests whose data a worker process must see. The test
    deletes what it created (see `tracked`)."""
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process for the tests about Celery; its emails go to files."""
    WORKER_OUTBOX.mkdir(parents=True, exist_ok=True)
    proc = spawn_celery_worker(
        f"test-{os.getpid()}",
        WORKER_OUTBOX.with_name(WORKER_OUTBOX.name + ".worker.log"),
        extra_env={"COMMUNE_TEST_OUTBOX": str(WORKER_OUTBOX)},
    )
    log = proc.log
    from config.celery import app

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            break
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited; see {log.name}")
    else:
        proc.kill()
        raise RuntimeError(f"celery worker did not answer; see {log.name}")
    yield proc
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


class Outbox:
    """The emails a worker process wrote with Django's file-based backend."""

    def __init__(self, path: Path):
        self.path = path

    def messages(self) -> list[str]:
        # The file backend appends messages to one file per backend instance and second, each
        # followed by a line of 79 dashes.
        separator = "\n" + "-" * 79 + "\n"
        found = []
        for path in sorted(self.path.glob("*.log")):
            found += [m for m in path.read_text().split(separator) if m.strip()]
        return found

    def wait_for(self, count: int, timeout: float = 20) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages()
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"expected {count} emails from the worker, got {len(self.messages())}")


@pytest.fixture
def live_celery(celery_worker_process):
    """Tasks go through Redis to the real worker process instead of running in-process."""
    from config.celery import app

    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def worker_outbox(celery_worker_process) -> Outbox:
    outbox = Outbox(WORKER_OUTBOX)
    for old in WORKER_OUTBOX.glob("*.log"):
        old.unlink()
    return outbox
