"""Alert delivery through the faults of issue 13, at 10,000 recipients per alert, with real
processes. Prints figures; asserts nothing.

For each fault an alert (severe: the emergency retry cap) goes to 10,000 residents; once 30 % of
the messages reached the Twilio simulator the fault is injected:

- PostgreSQL restarted (`pg_ctl stop -m fast`, 3 s down, `start`);
- Redis restarted (SHUTDOWN, 3 s down, started again with its append-only file);
- the worker holding half of the batches killed with SIGKILL (its whole process group), with the
  default broker visibility timeout of an hour;
- the provider answering 503 for 10 s;
- the provider answering 429 for 200 s;
- the provider losing its answers after accepting the messages (the connection reset after the
  message was created) for 10 s.

Printed per fault: the time from the fault's end to the alert's completion, and how much of it
is plain sending time (the messages not yet sent when the fault ended, at the configured rate);
recipients left unsent, failed, sent twice (from the simulator's record) and how many of those
were flagged "may have been sent twice"; the alert's final state.

The processes: two `celery worker` processes of two pool processes each on a queue of their own
(the second also runs `celery beat`, scheduling only the re-driver, as the separate beat process
of production does: killing the first does not kill it), the simulator in this process. Every
alert setting is the project's default (batches of 500, 16 messages in flight per task, 30 s
claim lease, re-driver every 20 s for alerts stalled 30 s, backoff 1 s doubling to 30 s) except
the sending rate: 100 messages per second (a short code's throughput) instead of the default 10,
so that 10,000 recipients take 100 s rather than 17 minutes per fault. The workers use the test
settings module only for its "beat runs only the re-driver" switch.

    python bench/bench_alert_faults.py [postgresql,redis,kill,503,429,lost]
    (env from `infra/dev/services.sh env`; BENCH_FAULT_RECIPIENTS, BENCH_FAULT_RATE; ≈17 minutes)

It restarts this checkout's own PostgreSQL and Redis (.run/), and works in the benchmarks'
database (bench/_setup.py), in the council of bench/bench_alerts.py.
"""

import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable

from _setup import ROOT
from bench_alerts import council, new_alert, officer, only_first, purge, residents
from django.conf import settings
from django_tenants.utils import tenant_context

from accounts.models import User
from alerts.models import Alert, AlertRecipient, AlertSubscription
from alerts.services import alert_send
from alerts.simulator import TwilioSimulator
from tests.live_processes import AlertWorkers, postgresql_restart, redis_restart, wait

RECIPIENTS = int(os.environ.get("BENCH_FAULT_RECIPIENTS", "10000"))
RATE = int(os.environ.get("BENCH_FAULT_RATE", "100"))
FAULT_AT = 0.3  # share of the messages sent when the fault is injected
LOGS = ROOT / ".run" / "bench-alert-faults"


def _sent(simulator: TwilioSimulator) -> int:
    with simulator.lock:
        return len({m["to"] for m in simulator.messages})


def _provider_outage(mode: str, seconds: float) -> Callable:
    def inject(simulator: TwilioSimulator, _workers: AlertWorkers) -> None:
        simulator.configure(fault_plan=[[mode, seconds]])
        time.sleep(seconds)

    return inject


FAULTS: dict[str, tuple[str, Callable[[TwilioSimulator, AlertWorkers], None]]] = {
    "postgresql": (
        "PostgreSQL restart (stop -m fast; 3 s; start)",
        lambda _simulator, _workers: postgresql_restart(),
    ),
    "redis": ("Redis restart (3 s down)", lambda _simulator, _workers: redis_restart()),
    "kill": (
        "worker SIGKILL, visibility timeout 1 h",
        lambda _simulator, workers: workers.kill(workers.procs[0]),
    ),
    "503": ("provider answers 503 for 10 s", _provider_outage("503", 10)),
    "429": ("provider answers 429 for 200 s", _provider_outage("429", 200)),
    "lost": ("answers lost after acceptance for 10 s", _provider_outage("reset-after", 10)),
}


def run_fault(author: User, label: str, inject: Callable) -> dict:
    queue = f"bench-faults-{uuid.uuid4().hex[:6]}"
    settings.ALERTS_CELERY_QUEUE = queue
    simulator = TwilioSimulator(
        accounts={settings.TWILIO_ACCOUNT_SID: settings.TWILIO_AUTH_TOKEN}, callbacks=False
    )
    simulator.start()
    workers = AlertWorkers(
        queue,
        simulator.url,
        logs=LOGS,
        env={
            "TWILIO_ACCOUNT_SID": settings.TWILIO_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
            "TWILIO_MESSAGING_SERVICE_SID": settings.TWILIO_MESSAGING_SERVICE_SID,
            # The test settings' tiny first backoff, back to the project's default.
            "ALERTS_RETRY_BACKOFF_SECONDS": str(settings.ALERTS_RETRY_BACKOFF_SECONDS),
        },
    )
    alert_id = None
    try:
        workers.start("a")
        workers.start("b", beat=True)
        alert_id = alert_send(alert=new_alert(author, severity="Severe"), actor=author).pk
        wait(lambda: _sent(simulator) >= FAULT_AT * RECIPIENTS, 300, "sending to start")
        at_fault = _sent(simulator)
        inject(simulator, workers)
        ended = time.monotonic()
        left_at_end = RECIPIENTS - _sent(simulator)
        timeout = left_at_end / RATE + 600
        completed = None
        while time.monotonic() < ended + timeout:
            try:
                if Alert.objects.filter(pk=alert_id, completed_at__isnull=False).exists():
                    completed = time.monotonic() - ended
                    break
            except Exception:  # the database may still be coming back (PostgreSQL restart)
                from django.db import connection

                connection.close()
            time.sleep(0.25)
        return _outcome(label, alert_id, simulator, at_fault, left_at_end, completed)
    finally:
        workers.stop_all()
        simulator.stop()
        purge(queue)
        if alert_id is not None:
            AlertRecipient.objects.filter(alert_id=alert_id).delete()


def _outcome(
    label: str,
    alert_id: int,
    simulator: TwilioSimulator,
    at_fault: int,
    left_at_end: int,
    completed: float | None,
) -> dict:
    alert = Alert.objects.get(pk=alert_id)
    rows = list(AlertRecipient.objects.filter(alert_id=alert_id))
    statuses = Counter(r.status for r in rows)
    state = simulator.state()
    received = Counter(m["to"] for m in state["messages"])
    sid_of = {m["sid"]: m["to"] for m in state["messages"]}
    twice = {p for p, n in received.items() if n > 1}
    flagged = {r.phone for r in rows if r.resent_after_crash}
    unsent = [r for r in rows if r.phone not in received]
    result = {
        "fault": label,
        "recipients": len(rows),
        "at_fault": at_fault,
        "left_at_end": left_at_end,
        "recovery": completed,
        "sending_time": left_at_end / RATE,
        "unsent": len(unsent),
        "unsettled": statuses["pending"] + statuses["claimed"],
        "failed": statuses["failed"] + statuses["invalid"],
        "twice": len(twice),
        "twice_unflagged": len(twice - flagged),
        "flagged": len(flagged),
        # A SID recorded that the simulator never issued, or issued for another number.
        "wrong_sid": sum(1 for r in rows if r.message_sid and sid_of.get(r.message_sid) != r.phone),
        "requests": Counter(str(r.get("outcome")) for r in state["requests"]),
        "lookups": simulator.list_requests,
        "state": alert.state + (" (complete)" if alert.completed_at else " (not complete)"),
    }
    _print(result)
    return result


def _print(r: dict) -> None:
    recovery = (
        f"{r['recovery']:.1f} s ({r['sending_time']:.0f} s of it sending the "
        f"{r['left_at_end']:,} messages left, {r['recovery'] - r['sending_time']:+.1f} s beyond)"
        if r["recovery"] is not None
        else f"not complete {r['sending_time'] + 600:.0f} s after the fault"
    )
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(r["requests"].items()))
    print(
        f"- {r['fault']} (injected after {r['at_fault']:,} sent)\n"
        f"    fault's end to alert complete: {recovery}\n"
        f"    unsent {r['unsent']:,} (rows unsettled {r['unsettled']:,}), failed {r['failed']:,}, "
        f"sent twice {r['twice']:,} (flagged {r['flagged']:,}, unflagged {r['twice_unflagged']:,})"
        f", wrong SIDs {r['wrong_sid']:,}; final state: {r['state']}\n"
        f"    provider requests: {outcomes}; message-list lookups {r['lookups']:,}",
        flush=True,
    )


def main() -> None:
    chosen = sys.argv[1].split(",") if len(sys.argv) > 1 else list(FAULTS)
    bench = council()
    with tenant_context(bench):
        residents()
        author = officer()
        only_first(RECIPIENTS, rate=RATE)
        print(
            f"{RECIPIENTS:,} recipients per alert at {RATE}/s; fault injected after "
            f"{FAULT_AT:.0%} of the messages (load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores)",
            flush=True,
        )
        try:
            for name in chosen:
                label, inject = FAULTS[name]
                try:
                    run_fault(author, label, inject)
                except Exception as error:  # a figure missing, not the others
                    print(f"- {label}: the run failed: {error!r}", flush=True)
        finally:
            AlertSubscription.objects.update(paused=False)


if __name__ == "__main__":
    main()
