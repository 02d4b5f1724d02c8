"""The browser suite: Debian's Chromium driven by Playwright against a real web server process
on the test database, with the Twilio simulator as the only stand-in.

- A council of its own (`plouer`, at plouer.localhost), committed, with the demo loaders' data,
  is made once for the package and dropped after it, so the other tests never see it.
- `manage.py runserver` serves it on a free port; Celery runs eagerly inside it; its emails go
  to files (`outbox`); its SMS go to the simulator, whose status callbacks come back to it.
- Every page a test visits is checked when it has loaded (`UI.check`): axe-core finds no serious
  or critical violation, and at the end of the test no console error, uncaught exception,
  Content-Security-Policy violation or 5xx response happened. A page the test navigated to and
  did not check fails the test.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from tests.conftest import PASSWORD, ROOT, Outbox, make_user
from tests.live_processes import child_process_env

CHROMIUM = "/usr/bin/chromium"
SLUG = "plouer"
HOST = f"{SLUG}.localhost"
RUN = ROOT / ".run" / f"test-browser-{os.environ.get('COMMUNE_TEST_REDIS_DB', '1')}"
ACCOUNT_SID = "AC" + "3" * 32
AUTH_TOKEN = "browser-suite-auth-token"
MESSAGING_SERVICE_SID = "MG" + "4" * 32
# Chromium flags: root needs --no-sandbox; the rest keeps a closed network quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERIOUS = {"serious", "critical"}
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`);
});
"""


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the web server exited: {log.read_text()[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the web server did not listen: {log.read_text()[-2000:]}")


@pytest.fixture(autouse=True)
def _database_next_to_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread, and Django refuses database
    queries from a thread with a running loop. The test's own queries (setting up data, reading
    results) are ordinary synchronous code: allow them here."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="package")
def council(django_db_setup, django_db_blocker):
    """Plouër's council, committed, with demo-like data (Dinan's neighbourhoods and streets)."""
    from alerts import demo as alerts_demo
    from civic import demo as civic_demo
    from community import demo as community_demo
    from community.models import Neighbourhood
    from tenants.management.commands.load_demo import DEMO_RESIDENTS, DEMO_STAFF, demo_email
    from tenants.services import council_create

    with django_db_blocker.unblock():
        made = council_create(
            slug=SLUG,
            name="Plouër",
            domains=[HOST],
            admin_email=f"first-admin@{SLUG}.example",
            admin_password=PASSWORD,
        ).council
        with tenant_context(made):
            for local, name, role in DEMO_STAFF:
                make_user(demo_email(local, SLUG), role, full_name=name)
            for local, name in DEMO_RESIDENTS:
                make_user(demo_email(local, SLUG), full_name=name)
            for name, area in community_demo.NEIGHBOURHOODS["dinan"]:
                Neighbourhood.objects.create(name=name, area=area)
            for loader in (community_demo, civic_demo, alerts_demo):
                loader.load(made)
        connection.set_schema_to_public()
        yield made
        connection.set_schema_to_public()
        made.delete(force_drop=True)


@pytest.fixture(scope="package")
def simulator(council):
    """The Twilio simulator: it sends status callbacks ("sent", then "delivered") back to the
    web server, signed with the platform's token."""
    from alerts.simulator import TwilioSimulator

    sim = TwilioSimulator(
        accounts={ACCOUNT_SID: AUTH_TOKEN}, callbacks=True, callback_delays=(0.05, 0.3), seed=7
    )
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture(scope="package")
def server(council, simulator) -> Iterator[str]:
    """`manage.py runserver` on the test database; yields the council's base URL."""
    port = _free_port()
    if RUN.exists():
        shutil.rmtree(RUN)
    (RUN / "outbox").mkdir(parents=True)
    env = child_process_env(
        COMMUNE_TEST_OUTBOX=str(RUN / "outbox"),
        PUBLIC_URL_PORT=str(port),
        COMMUNE_TEST_SMS_BACKEND="core.sms.TwilioBackend",
        TWILIO_API_BASE_URL=simulator.url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_MESSAGING_SERVICE_SID=MESSAGING_SERVICE_SID,
        PYTHONUNBUFFERED="1",
    )
    log_path = RUN / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(  # noqa: S603  (our own interpreter and fixed arguments)
            [
                sys.executable,
                "manage.py",
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
                "--skip-checks",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_port(port, proc, log_path)
            yield f"http://{HOST}:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="package")
def outbox(server) -> Outbox:
    return Outbox(RUN / "outbox")


@pytest.fixture(scope="package")
def chromium(server):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class UI:
    """A page of the suite, with the checks every visited page must pass."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []
        self.navigated: list[str] = []
        self.checked: set[str] = set()
        self.allowed_console: list[re.Pattern] = []
        page.add_init_script(CSP_LISTENER)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("response", self._response)
        page.on("framenavigated", self._navigated)

    def _console(self, message) -> None:
        if message.type not in ("error", "warning"):
            return
        text = message.text
        # Statuses are checked on the responses themselves (`_response`): a page that answers
        # 400 with the form's errors is expected, a stylesheet or script that fails is not.
        if text.startswith("Failed to load resource"):
            return
        if message.type == "warning" and "Content Security Policy" not in text:
            return
        if any(pattern.search(text) for pattern in self.allowed_console):
            return
        self.problems.append(f"console {message.type} on {self.page.url}: {text}")

    def _response(self, response) -> None:
        document = response.request.resource_type == "document"
        if response.status >= 500 or (response.status >= 400 and not document):
            self.problems.append(f"{response.status} for {response.url}")

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.navigated.append(frame.url)

    def allow_console(self, pattern: str) -> None:
        """A console error the test provokes on purpose (a 403 page logs its status)."""
        self.allowed_console.append(re.compile(pattern))

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        self.check()
        return response

    def check(self) -> None:
        """Axe on the page as it is now: no serious or critical violation."""
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
        results = Axe().run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"]][:5]
                self.problems.append(
                    f"axe {violation['impact']} on {self.page.url}: {violation['id']} "
                    f"({violation['help']}) at {targets}"
                )
        self.checked.add(self.page.url)

    def click(self, locator) -> None:
        """Click something that loads a new page, and check that page."""
        with self.page.expect_navigation():
            locator.click()
        self.check()

    def login(self, email: str, password: str = PASSWORD, next_path: str = "") -> None:
        self.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
        self.page.get_by_label(re.compile("^(Email|E-mail|Adresse e-mail|Courriel)", re.I)).fill(
            email
        )
        self.page.get_by_label(re.compile("^(Password|Mot de passe)", re.I)).fill(password)
        self.click(self.page.locator("main form button[type=submit]"))

    def switch_to(self, email: str, password: str = PASSWORD, next_path: str = "") -> None:
        """Sign in as someone else in the same browser (the language choice stays): cheaper
        than a new browser context for a journey with several people."""
        self.page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
        self.login(email, password, next_path)

    def verify_done(self) -> None:
        unchecked = [url for url in self.navigated if url not in self.checked]
        if unchecked:
            self.problems.append(f"pages visited without the axe check: {unchecked}")
        assert not self.problems, "\n".join(self.problems)


def _ui(chromium, server, language: str | None, **context_options) -> Iterator[UI]:
    context = chromium.new_context(base_url=server, **context_options)
    if language:
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server}]
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    ui = UI(page, server)
    try:
        yield ui
        ui.verify_done()
    finally:
        context.close()


@pytest.fixture
def ui(chromium, server) -> Iterator[UI]:
    """A desktop browser in English (the site's default stays French without the cookie)."""
    yield from _ui(chromium, server, "en", locale="en-GB", viewport={"width": 1280, "height": 900})


@pytest.fixture
def ui_fr(chromium, server) -> Iterator[UI]:
    """A desktop browser of a French visitor, who has not chosen a language."""
    yield from _ui(chromium, server, None, locale="fr-FR", viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_ui(chromium, server) -> Iterator[UI]:
    """A small phone (360 by 740 pixels, touch), in French."""
    yield from _ui(
        chromium,
        server,
        None,
        locale="fr-FR",
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )


@pytest.fixture
def in_council(council, django_db_blocker):
    """Database access in the council's schema, committed (the server process must see it)."""
    with django_db_blocker.unblock(), schema_context(council.schema_name):
        yield council
        # Django keeps a connection per context, and Playwright's loop gives the test a context
        # of its own: close it here, or the test database cannot be dropped at the end.
        connection.close()
