"""Real outages in the middle of an alert, with real processes: PostgreSQL restarted, Redis
restarted or flushed, a worker killed with an hour of visibility timeout, the provider failing.
The services are this checkout's own (infra/dev/services.sh under .run/), so stopping them
touches nothing else. Each test must end with every recipient handed over exactly once (apart
from messages in flight at a kill, each flagged), the alert complete, within a bound.

The workers run `celery beat` with only the re-driver (every REDRIVE_SECONDS; an alert idle
for REDRIVE_STALL is re-driven): that, not the broker, is what brings lost batches back.
"""

import time
from collections import Counter

import pytest
from django_tenants.utils import tenant_context

from alerts.models import Alert, AlertSettings
from alerts.simulator import TwilioSimulator
from tests.live_processes import PG_DATA, postgresql_restart, redis_cli, redis_restart, wait

from . import test_live
from .conftest import ACCOUNT_SID, AUTH_TOKEN
from .test_live import LEASE, REDRIVE_STALL, Workers, _people, _send, _staff

# The live tests' fixtures, shared by name.
dinan_committed = test_live.dinan_committed
queue = test_live.queue

pytestmark = pytest.mark.live
BACKOFF_MAX = "1"  # seconds: scaled-down provider backoff (30 s in production)


@pytest.fixture
def outage(dinan_committed, queue, settings):
    """An alert of `total` recipients (batches of 100, 100 messages/s) being sent by two
    workers with the re-driver; `run(fault)` waits for sending to start, calls `fault()`, then
    waits for completion and checks that nobody was lost or sent twice unflagged."""
    council, made = dinan_committed
    settings.ALERTS_BATCH_SIZE = 100
    simulator = TwilioSimulator(accounts={ACCOUNT_SID: AUTH_TOKEN}, callbacks=False)
    simulator.start()
    workers = Workers(queue, simulator)
    env = {"ALERTS_RETRY_BACKOFF_MAX_SECONDS": BACKOFF_MAX}

    def run(
        fault, *, total: int = 600, started_at: int = 150, bound: float = 60, beat: bool = True
    ) -> dict:
        workers.start("a", concurrency=2, visibility_timeout=3600, beat=beat, extra_env=env)
        workers.start("b", concurrency=2, visibility_timeout=3600, beat=beat, extra_env=env)
        with tenant_context(council):
            config, _ = AlertSettings.objects.get_or_create(pk=1)
            config.send_rate = 100
            config.save()
            _people(made, total, "fault")
            officer = _staff(made, "fault-officer@dinan.example")
            alert = _send(made, officer, severity="Severe")
            alert_id = alert.pk
        wait(lambda: len(simulator.state()["messages"]) >= started_at, 60, "sending to start")
        fault()
        fault_ended = time.monotonic()
        with tenant_context(council):
            wait(
                lambda: Alert.objects.get(pk=alert_id).completed_at is not None,
                bound + total / 100,
                "the alert to complete after the fault",
            )
            recovery = time.monotonic() - fault_ended
            rows = {r.phone: r for r in Alert.objects.get(pk=alert_id).recipients.all()}
        received = Counter(m["to"] for m in simulator.state()["messages"])
        assert len(rows) == total
        assert [p for p, r in rows.items() if not r.message_sid] == []
        assert {r.status for r in rows.values()} == {"accepted"}
        assert set(received) == set(rows)
        twice = {p for p, n in received.items() if n > 1}
        assert twice <= {p for p, r in rows.items() if r.resent_after_crash}
        print(f"\nrecovered {recovery:.1f} s after the fault; {len(twice)} sent twice (flagged)")
        return {"recovery": recovery, "twice": len(twice), "received": received}

    yield run, workers, simulator
    workers.stop_all()
    simulator.stop()


@pytest.mark.skipif(not (PG_DATA / "PG_VERSION").exists(), reason="no private PostgreSQL")
def test_postgresql_restarted_mid_send_completes_the_alert(outage):
    run, _workers, _simulator = outage

    result = run(postgresql_restart)
    assert result["recovery"] < 60 + REDRIVE_STALL


def test_redis_restarted_mid_send_completes_the_alert(outage):
    run, _workers, _simulator = outage

    result = run(redis_restart)
    assert result["recovery"] < 60


def test_redis_restarted_mid_send_completes_the_alert_without_the_re_driver(outage):
    """No beat, an hour of visibility timeout: only the running batch tasks can finish the
    alert. The broker is that same Redis, so a task could not hand itself back to it (a retry
    published while it is down is lost): it waits for Redis in the task instead."""
    run, _workers, _simulator = outage
    result = run(redis_restart, beat=False, bound=30)
    assert result["recovery"] < 30


def test_redis_flushed_mid_send_completes_the_alert(outage):
    """Every queued and unacknowledged task is gone: only the re-driver can bring them back."""
    run, _workers, _simulator = outage
    result = run(lambda: redis_cli("flushall"))
    assert result["recovery"] < 60


def test_worker_killed_with_an_hour_of_visibility_timeout_completes_within_a_minute(outage):
    run, workers, _simulator = outage
    result = run(lambda: workers.kill(workers.procs[0]))
    # The killed worker's claims are taken over after the lease, its queued batches once the
    # alert goes quiet: not after the broker's hour.
    assert result["recovery"] < 60
    assert result["twice"] <= 2 * 4  # at most one chunk per killed pool process


def test_provider_503_then_429_storm_fails_nobody(outage):
    """The issue's 503 for 10 s then 429 for 200 s, scaled down to 2 s and 8 s (backoff capped
    at BACKOFF_MAX instead of 30 s): the same mechanism, 0 failed."""
    run, _workers, simulator = outage
    result = run(lambda: simulator.configure(fault_plan=[["503", 2], ["429", 8]]), total=300)
    outcomes = Counter(str(r.get("outcome")) for r in simulator.state()["requests"])
    assert outcomes["503"] > 0 and outcomes["429"] > 0
    assert result["twice"] == 0
    assert result["recovery"] < 60 + LEASE


def test_answers_lost_after_acceptance_are_never_sent_twice(outage):
    run, _workers, simulator = outage
    lost = [f"+3367{i:07d}" for i in range(100, 300, 10)]  # numbers of _people("fault")
    simulator.configure(lose_answer_for=lost)
    result = run(lambda: None, total=300, started_at=1)
    assert all(result["received"][phone] == 1 for phone in lost)
    assert result["twice"] == 0
    assert simulator.list_requests >= len(lost)
