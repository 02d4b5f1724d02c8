"""Group-buy figures. What is measured, and with how many clients and connections:

1. One commitment at a time (no contention), for reference.
2. The target, "commitment latency with 200 concurrent clients: p95 under 100 ms": 200
   commitments arrive at the same instant at WORKERS web worker processes (the deployment's
   gunicorn sync workers, default 4, so 4 connections), against a group buy whose maximum (250)
   is below what they ask (400). Service latency is the time inside `commitment_set` in the
   worker, row-lock waits included; the client's latency adds the wait for a free worker, and is
   printed beside it with the throughput.
3. Stress: 200 threads, each with its own connection (200 connections), in 1 and in 8
   processes, all released at once: 200 transactions on one row at the same moment. On a 2-core
   machine that latency is mostly CPU queueing (the same figures with 200 different group buys,
   no shared row, differ by less than the noise), so it is printed, not held to the target.
Each run checks that the total never passes the maximum and that no accepted quantity is lost.
4. Closing a 5,000-household group buy: close, emails (built as for SMTP, delivered to Django's
   in-memory backend), purchase order PDF; wall time and this process's CPU time (the machine
   is shared: wall time grows with other load, CPU time much less).

Run with the dev services, after `manage.py load_demo` (`make bench` does both):
    DJANGO_SETTINGS_MODULE=config.settings.dev python bench/bench_group_buys.py
The data it creates is committed (the clients are separate connections) and deleted at the end.
"""

import itertools
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from community.group_buys import documents, services
from community.group_buys.models import Commitment, GroupBuy
from community.models import Residence
from tenants.models import Council

D = Decimal
CLIENTS = 200
# The deployment's web workers (infra/Dockerfile: gunicorn --workers 4).
WORKERS = int(os.environ.get("BENCH_GB_WORKERS", "4"))
HOUSEHOLDS_TO_CLOSE = 5000
TIERS = [(D(1), D(85)), (D(100), D(78)), (D(1000), D(70))]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * q) - 1)]


def households(tag: str, n: int) -> list[User]:
    """`n` verified residents of `n` homes, inserted in bulk (setup, not measured)."""
    password = make_password(None)
    users = User.objects.bulk_create(
        User(
            email=f"{tag}-{i}@example.org",
            full_name=f"Foyer {i}",
            password=password,
            email_confirmed=True,
        )
        for i in range(n)
    )
    Residence.objects.bulk_create(
        Residence(
            user=user,
            address_line1=f"{i} rue du Banc d'essai",
            postcode="22100",
            city="Dinan",
            household_key=f"{tag}-{i}",
            status="verified",
        )
        for i, user in enumerate(users)
    )
    return users


def group_buy(organiser: User, tag: str, maximum: Decimal, household_max: Decimal) -> GroupBuy:
    return services.group_buy_create(
        acting=organiser,
        product=f"Fioul domestique {tag}",
        supplier_name="Fioul d'Armor",
        supplier_siret="73282932000074",
        unit="litre",
        step=D(1),
        retail_price=D(95),
        minimum_total=D(1),
        maximum_total=maximum,
        household_min=D(1),
        household_max=household_max,
        deadline=timezone.now() + timedelta(hours=1),
        delivery="home",
        tiers=TIERS,
    )


def _worker_process(council, buy, wanted, requests, start, t0, results) -> None:
    """One web worker (a gunicorn sync worker: one process, one persistent connection, one
    request at a time) taking commitments from the shared queue (the listen socket's backlog)."""
    from django.db import connections

    connections.close_all()  # never reuse the parent's sockets after fork
    connection.set_tenant(council)
    connection.ensure_connection()
    out: list = []
    start.wait()
    while (user := requests.get()) is not None:
        begin = time.perf_counter()
        try:
            services.commitment_set(user=user, group_buy=buy, quantity=wanted[user.pk])
            accepted = True
        except ValidationError:
            accepted = False
        end = time.perf_counter()
        # perf_counter is CLOCK_MONOTONIC: comparable across processes on one machine.
        out.append((user.pk, accepted, (end - begin) * 1000, (end - t0.value) * 1000))
    connection.close()
    results.put(out)


def _client_thread_process(council, buy, people, wanted, barrier, results) -> None:
    """Stress model: a thread per client, each with its own connection, all released at once."""
    from django.db import connections

    connections.close_all()
    out: list = []
    lock = threading.Lock()

    def client(user: User) -> None:
        connection.set_tenant(council)
        try:
            connection.ensure_connection()
            barrier.wait()
            begin = time.perf_counter()
            try:
                services.commitment_set(user=user, group_buy=buy, quantity=wanted[user.pk])
                accepted = True
            except ValidationError:
                accepted = False
            elapsed = (time.perf_counter() - begin) * 1000
            with lock:
                out.append((user.pk, accepted, elapsed, elapsed))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(u,)) for u in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(out)


def _race(council: Council, organiser: User, tag: str) -> tuple[GroupBuy, list[User], dict]:
    with tenant_context(council):
        buy = group_buy(organiser, tag, maximum=D(250), household_max=D(3))
        buy = GroupBuy.objects.prefetch_related("neighbourhoods").get(pk=buy.pk)  # as the view
        people = households(tag, CLIENTS)
    wanted = {u.pk: D(1 + i % 3) for i, u in enumerate(people)}  # 400 asked for 250 available
    return buy, people, wanted


def _check_race(council: Council, buy: GroupBuy, wanted: dict, rows: list) -> str:
    """The oversell and lost-quantity checks; exits on failure."""
    accepted = sum((wanted[pk] for pk, ok, *_t in rows if ok), D(0))
    refused = sum(1 for _pk, ok, *_t in rows if not ok)
    with tenant_context(council):
        buy.refresh_from_db()
        stored = Commitment.objects.filter(group_buy=buy).aggregate(s=Sum("quantity"))["s"] or 0
    oversell = max(buy.total_committed - buy.maximum_total, D(0))
    lost = accepted - stored
    if len(rows) != CLIENTS or oversell or lost or buy.total_committed != stored:
        sys.exit(f"FAILED: oversell {oversell} or lost quantity {lost}")
    return (
        f"total {buy.total_committed} of maximum {buy.maximum_total}; "
        f"{len(rows) - refused} accepted, {refused} refused as sold out; "
        f"oversell {oversell}, quantity lost {lost}"
    )


def bench_served_by_workers(council: Council, organiser: User, tag: str, workers: int) -> None:
    """CLIENTS requests arrive at the same instant at a deployment of `workers` web workers
    (infra/Dockerfile runs gunicorn with 4 sync workers): each worker is a process with its own
    persistent connection serving one request at a time; the others wait in the queue.
    Service latency = the time inside commitment_set (what a worker spends on one commitment,
    row-lock waits included), measured in the worker; the client's latency adds the wait for a
    free worker (from the burst's start to the answer)."""
    buy, people, wanted = _race(council, organiser, f"{tag}-served{workers}")
    context = multiprocessing.get_context("fork")
    requests, results = context.Queue(), context.Queue()
    start, t0 = context.Event(), context.Value("d", 0.0)
    from django.db import connections

    connections.close_all()
    children = [
        context.Process(
            target=_worker_process, args=(council, buy, wanted, requests, start, t0, results)
        )
        for _ in range(workers)
    ]
    for child in children:
        child.start()
    for user in people:
        requests.put(user)
    for _ in children:
        requests.put(None)
    time.sleep(1)  # every worker connected and waiting on the start event
    t0.value = time.perf_counter()
    start.set()
    rows = [row for _child in children for row in results.get(timeout=300)]
    wall = max(row[3] for row in rows)
    for child in children:
        child.join()
    service = [row[2] for row in rows]
    client = [row[3] for row in rows]
    print(
        f"commitment, {CLIENTS} clients at once served by {workers} worker processes "
        f"({workers} connections):"
    )
    print(
        f"  service latency p50 {statistics.median(service):.1f} ms, "
        f"p95 {percentile(service, 0.95):.1f} ms, max {max(service):.1f} ms"
    )
    print(
        f"  client latency with the wait for a worker p50 {statistics.median(client):.0f} ms, "
        f"p95 {percentile(client, 0.95):.0f} ms; {CLIENTS / wall * 1000:.0f} commitments/s"
    )
    print("  " + _check_race(council, buy, wanted, rows))


def bench_connections_at_once(council: Council, organiser: User, tag: str, processes: int) -> None:
    """Stress model: CLIENTS clients, each a thread with its own connection (CLIENTS connections),
    spread over `processes` processes, all released at once. On a 2-core machine this mostly
    measures CPU queueing of CLIENTS Python threads and CLIENTS PostgreSQL backends; kept because
    it puts CLIENTS transactions on the group buy's row at the same time (the oversell check)."""
    buy, people, wanted = _race(council, organiser, f"{tag}-race{processes}")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(CLIENTS + 1)
    results = context.Queue()
    from django.db import connections

    connections.close_all()
    share = -(-CLIENTS // processes)
    children = [
        context.Process(
            target=_client_thread_process,
            args=(council, buy, people[i : i + share], wanted, barrier, results),
        )
        for i in range(0, CLIENTS, share)
    ]
    for child in children:
        child.start()
    barrier.wait()
    wall = time.perf_counter()
    rows = [row for _child in children for row in results.get(timeout=300)]
    wall = time.perf_counter() - wall
    for child in children:
        child.join()
    latencies = [row[2] for row in rows]
    print(
        f"commitment, {CLIENTS} connections at once in {processes} process(es) (stress): "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
        f"max {max(latencies):.1f} ms (all {len(rows)} in {wall * 1000:.0f} ms)"
    )
    print("  " + _check_race(council, buy, wanted, rows))


def bench_single_client(council: Council, organiser: User, tag: str) -> None:
    """The same commitment without contention, for reference."""
    with tenant_context(council):
        buy = group_buy(organiser, f"{tag}-alone", maximum=D(10_000), household_max=D(3))
        buy = GroupBuy.objects.prefetch_related("neighbourhoods").get(pk=buy.pk)
        people = households(f"{tag}-alone", 100)
        latencies = []
        for user in people:
            start = time.perf_counter()
            services.commitment_set(user=user, group_buy=buy, quantity=D(1))
            latencies.append((time.perf_counter() - start) * 1000)
    print(
        f"commitment, one client at a time: p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms"
    )


def bench_closing(council: Council, organiser: User, tag: str) -> None:
    with tenant_context(council):
        buy = group_buy(organiser, f"{tag}-close", maximum=D(100_000), household_max=D(10))
        people = households(f"{tag}-close", HOUSEHOLDS_TO_CLOSE)
        Commitment.objects.bulk_create(
            Commitment(
                group_buy=buy,
                household_key=f"{tag}-close-{i}",
                resident=user,
                quantity=D(1 + i % 10),
            )
            for i, user in enumerate(people)
        )
        total = sum((D(1 + i % 10) for i in range(HOUSEHOLDS_TO_CLOSE)), D(0))
        GroupBuy.objects.filter(pk=buy.pk).update(
            total_committed=total, deadline=timezone.now() - timedelta(seconds=1)
        )
        marks = [(time.perf_counter(), time.process_time())]
        status = services.group_buy_close(group_buy_id=buy.pk)
        marks.append((time.perf_counter(), time.process_time()))
        sent = services.group_buy_notify(group_buy_id=buy.pk)
        marks.append((time.perf_counter(), time.process_time()))
        buy.refresh_from_db()
        pdf = documents.purchase_order_pdf(documents.purchase_order(buy))
        marks.append((time.perf_counter(), time.process_time()))
        wall = [b[0] - a[0] for a, b in itertools.pairwise(marks)]
        cpu = [b[1] - a[1] for a, b in itertools.pairwise(marks)]
        print(
            f"closing {HOUSEHOLDS_TO_CLOSE} households: {sum(wall):.2f} s in all, "
            f"{sum(cpu):.2f} s of CPU (close {wall[0]:.2f} s, {sent} emails {wall[1]:.2f} s "
            f"[{cpu[1]:.2f} s CPU], purchase order PDF {wall[2]:.2f} s [{cpu[2]:.2f} s CPU], "
            f"{len(pdf) // 1024} KiB); {status} at {buy.final_unit_price} € for {total} litres"
        )


def main() -> None:
    # Emails go to memory, not the console (5,000 of them).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    council = Council.objects.filter(slug="dinan").first()
    if council is None:
        sys.exit("Run `manage.py load_demo` first (no council 'dinan').")
    tag = f"bench-gb-{uuid.uuid4().hex[:6]}"
    with tenant_context(council):
        organiser = User.objects.get(email="admin@dinan.example")
    try:
        bench_single_client(council, organiser, tag)
        bench_served_by_workers(council, organiser, tag, WORKERS)
        for processes in (1, 8):
            bench_connections_at_once(council, organiser, tag, processes)
        bench_closing(council, organiser, tag)
        print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    finally:
        with tenant_context(council):
            GroupBuy.objects.filter(product__contains=tag).delete()
            User.objects.filter(email__startswith=tag).delete()


if __name__ == "__main__":
    main()
