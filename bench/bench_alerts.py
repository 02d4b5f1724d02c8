"""Benchmarks of the SMS alert pipeline. Prints figures; asserts nothing.

1. "send" of an alert to 100,000 recipients: recipients resolved, one row each persisted, every
   batch task enqueued (goal: under 5 s).
2. Sustained messages per second handed to the Twilio simulator (another process, no rate limit,
   no callbacks) by one Celery worker with two processes, pacing set far above (goal: >= 500/s).
3. Pacing accuracy at a configured 100 messages per second.

    python bench/bench_alerts.py [1,2,3]      (env from `infra/dev/services.sh env`)

It works in the benchmarks' own database (bench/_setup.py: BENCH_DATABASE_URL, or DATABASE_URL's
name + "_bench"), where it creates (once) a council "bench-alerts" with 100,000 subscribed
residents. The Twilio account is the development settings' (the simulator's).
"""

import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from _setup import ROOT, bench_council, bench_database
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import User
from alerts.models import Alert, AlertRecipient, AlertSettings, AlertSubscription
from tenants.models import Council

RESIDENTS = 100_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def council() -> Council:
    bench_database()
    return bench_council("bench-alerts", "Bench Alerts", admin_email="admin@bench.example")


def residents() -> None:
    """100,000 subscribed residents with confirmed numbers, made in SQL (once)."""
    have = AlertSubscription.objects.count()
    if have >= RESIDENTS:
        return
    user, sub = User._meta.db_table, AlertSubscription._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {user} (password, email, full_name, phone, phone_confirmed_at, language,
                                email_confirmed, is_active, is_staff, is_superuser, date_joined)
            SELECT '', 'bench' || n || '@bench.example', 'Resident ' || n,
                   '+3370' || lpad(n::text, 7, '0'), now(), '', true, true, false, false, now()
            FROM generate_series(1, %s) n
            ON CONFLICT (email) DO NOTHING
            """,  # noqa: S608  (table names from models)
            [RESIDENTS],
        )
        cursor.execute(
            f"""
            INSERT INTO {sub} (user_id, whole_council, paused, created_at, updated_at)
            SELECT id, true, false, now(), now() FROM {user}
            WHERE email LIKE 'bench%%@bench.example'
              AND id NOT IN (SELECT user_id FROM {sub})
            """,  # noqa: S608
        )


def officer() -> User:
    from accounts.services import staff_member_create

    return staff_member_create(
        email="officer@bench.example",
        full_name="Bench Officer",
        roles=["communications_officer"],
        password=uuid.uuid4().hex,
    )


def new_alert(author: User, **fields) -> Alert:
    from django.core.cache import cache

    from alerts.services import alert_create

    cache.delete(f"alerts:send:{author.pk}")  # the per-person hourly limit of alert sends
    return alert_create(
        author=author,
        fields={
            "headline": "Bench",
            "event": "Bench",
            "language": "en",
            "sms_body": "Flood warning: keep away from the river.",
            "whole_council": True,
            **fields,
        },
    )


def purge(queue: str) -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def bench_persist_and_enqueue(author: User) -> None:
    from alerts.services import alert_send

    queue = f"bench-alerts-{uuid.uuid4().hex[:6]}"
    settings.ALERTS_CELERY_QUEUE = queue
    alert = new_alert(author)
    started = time.perf_counter()
    alert = alert_send(alert=alert, actor=author)  # commits, then enqueues the batch tasks
    elapsed = time.perf_counter() - started
    from config.celery import app

    with app.connection_for_write() as conn:
        _name, queued, _consumers = conn.default_channel.queue_declare(queue, passive=True)
    rows = AlertRecipient.objects.filter(alert=alert).count()
    print(
        f"1. send to {rows:,} recipients: rows persisted and {queued} batch tasks enqueued "
        f"in {elapsed:.2f} s (goal < 5 s)"
    )
    purge(queue)
    AlertRecipient.objects.filter(alert=alert).delete()


class Stack:
    """The simulator (its own process) and a Celery worker with two processes."""

    def __init__(self, schema: str):
        self.port = free_port()
        self.queue = f"bench-alerts-{uuid.uuid4().hex[:6]}"
        self.procs: list[subprocess.Popen] = []
        self.schema = schema

    def __enter__(self):
        python = sys.executable
        env = dict(
            os.environ,
            TWILIO_API_BASE_URL=f"http://127.0.0.1:{self.port}",
            SMS_BACKEND="core.sms.TwilioBackend",
            ALERTS_CELERY_QUEUE=self.queue,
            LOG_LEVEL="WARNING",
        )
        self.procs.append(
            subprocess.Popen(  # noqa: S603  (fixed arguments)
                [
                    python,
                    "manage.py",
                    "twilio_simulator",
                    "--port",
                    str(self.port),
                    "--no-callbacks",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        self.procs.append(
            subprocess.Popen(  # noqa: S603
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-P",
                    "prefork",
                    "-c",
                    "2",
                    "-Q",
                    self.queue,
                    "-l",
                    "warning",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"{self.queue}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        settings.ALERTS_CELERY_QUEUE = self.queue
        self._wait_for_simulator()
        return self

    def _wait_for_simulator(self) -> None:
        for _ in range(100):
            try:
                self.state()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    def state(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_sim/state", timeout=30) as r:
            return json.load(r)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by the simulator and by the worker (all its processes)."""
        tick = os.sysconf("SC_CLK_TCK")
        used = {"simulator": 0.0, "workers": 0.0}
        groups = {self.procs[0].pid: "simulator", self.procs[1].pid: "workers"}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            group = groups.get(int(fields[2]))  # process group id
            if group:
                used[group] += (int(fields[11]) + int(fields[12])) / tick
        return used

    def reset(self) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/_sim/reset", data=b"{}", method="POST"
        )
        urllib.request.urlopen(request, timeout=10).read()  # noqa: S310  (loopback)

    def __exit__(self, *exc):
        for proc in self.procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        purge(self.queue)


def only_first(recipients: int, *, rate: int) -> None:
    """The next alert goes to the first `recipients` residents (the others' subscriptions are
    paused), at `rate` messages per second."""
    AlertSettings.objects.update_or_create(pk=1, defaults={"send_rate": rate})
    AlertSubscription.objects.update(paused=False)
    AlertSubscription.objects.filter(
        user_id__in=User.objects.filter(email__startswith="bench")
        .order_by("id")
        .values("id")[recipients:]
    ).update(paused=True)


def run_alert(stack: Stack, author: User, *, recipients: int, rate: int) -> list[float]:
    """Send to the first `recipients` residents at `rate`; returns the simulator's arrival
    times of the messages."""
    from alerts.services import alert_send

    only_first(recipients, rate=rate)
    stack.reset()
    alert = alert_send(alert=new_alert(author), actor=author)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if Alert.objects.filter(pk=alert.pk, completed_at__isnull=False).exists():
            break
        time.sleep(0.5)
    else:
        raise RuntimeError("the alert did not complete")
    times = sorted(m["at"] for m in stack.state()["messages"])
    AlertRecipient.objects.filter(alert=alert).delete()
    if len(times) != recipients:
        raise RuntimeError(f"{len(times)} messages reached the simulator, expected {recipients}")
    return times


def bench_throughput(stack: Stack, author: User) -> None:
    count = 20_000
    before = stack.cpu_seconds()
    times = run_alert(stack, author, recipients=count, rate=1_000_000)
    after = stack.cpu_seconds()
    cpu = {k: 1000 * (after[k] - before[k]) / count for k in after}
    # Steady state: leave out the first and last second (worker warm-up, last batches).
    span = times[-1] - times[0]
    steady = [t for t in times if times[0] + 1 <= t <= times[-1] - 1]
    steady_rate = len(steady) / (steady[-1] - steady[0]) if len(steady) > 1 else float("nan")
    print(
        f"2. {count:,} messages to the simulator, no rate limit: {count / span:.0f} msg/s "
        f"overall, {steady_rate:.0f} msg/s steady (goal >= 500/s); CPU per message: "
        f"workers {cpu['workers']:.2f} ms, simulator {cpu['simulator']:.2f} ms; load "
        f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


def bench_pacing(stack: Stack, author: User) -> None:
    count, rate = 1_500, 100
    times = run_alert(stack, author, recipients=count, rate=rate)
    span = times[-1] - times[0]
    achieved = (count - 1) / span
    per_second = []
    start = times[0]
    while start + 1 <= times[-1]:
        per_second.append(sum(1 for t in times if start <= t < start + 1))
        start += 1
    gaps = [b - a for a, b in itertools.pairwise(times)]
    print(
        f"3. pacing at {rate}/s, {count:,} messages: achieved {achieved:.1f}/s "
        f"({100 * (achieved - rate) / rate:+.1f} %); messages per 1-s window "
        f"min {min(per_second)} / max {max(per_second)}; gap median "
        f"{1000 * statistics.median(gaps):.1f} ms, p99 "
        f"{1000 * statistics.quantiles(gaps, n=100)[98]:.1f} ms"
    )


def main() -> None:
    only = set(sys.argv[1].split(",")) if len(sys.argv) > 1 else {"1", "2", "3"}
    bench = council()
    with tenant_context(bench):
        residents()
        author = officer()
        AlertSubscription.objects.update(paused=False)
        if "1" in only:
            bench_persist_and_enqueue(author)
        if only & {"2", "3"}:
            with Stack(bench.schema_name) as stack:
                if "2" in only:
                    bench_throughput(stack, author)
                if "3" in only:
                    bench_pacing(stack, author)
        AlertSubscription.objects.update(paused=False)


if __name__ == "__main__":
    main()
