"""Work over every council goes in batches, at the lowest priority, behind alert batches; one
council's failure does not stop its batch. Messages are read back from the real Redis broker."""

import uuid

import pytest
from django.db import connection

from alerts.services.delivery import alert_batches_enqueue
from community.tasks import expire_verifications
from config.celery import app
from tenants.fanout import councils_fan_out, councils_run
from tenants.models import Council


@pytest.fixture
def broker_queue(settings):
    """Tasks published to a queue of this test's own (no worker consumes it), read back here."""
    name = f"test-fanout-{uuid.uuid4().hex[:8]}"
    settings.TENANTS_FANOUT_QUEUE = name
    settings.ALERTS_CELERY_QUEUE = name
    app.conf.task_always_eager = False
    messages = []
    try:
        with app.connection_for_read() as conn, conn.SimpleQueue(name, no_ack=True) as queue:

            def drain() -> list:
                while True:
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        return messages
                    messages.append(message)

            yield drain
            drain()
    finally:
        app.conf.task_always_eager = True


def test_fan_out_sends_one_lowest_priority_message_per_hundred_councils(db, broker_queue):
    Council.objects.bulk_create(
        Council(schema_name=f"batch_{i:03}", slug=f"batch-{i:03}", name=f"Batch {i:03}")
        for i in range(248)
    )  # + dinan and saint-malo = 250 active councils
    assert councils_fan_out(expire_verifications) == 3
    messages = broker_queue()
    assert len(messages) == 3
    schemas = []
    for message in messages:
        assert message.headers["task"] == "tenants.tasks.run_in_councils"
        assert message.properties["priority"] == 9
        (task_name, batch), _kwargs, _embed = message.payload
        assert task_name == "community.tasks.expire_verifications"
        assert len(batch) <= 100
        schemas += batch
    assert len(schemas) == len(set(schemas)) == 250
    assert {"dinan", "saint_malo"} <= set(schemas) and "council_template" not in schemas


def test_alert_batches_sent_later_are_still_served_first(db, broker_queue):
    councils_fan_out(expire_verifications, batch_size=1)  # two fan-out messages first
    alert_batches_enqueue(alert_id=1, batches=2)  # then two alert batches, same queue
    order = [message.headers["task"] for message in broker_queue()]
    assert order == ["alerts.tasks.alert_batch_send"] * 2 + ["tenants.tasks.run_in_councils"] * 2


def test_a_failing_council_does_not_stop_its_batch(db):
    Council.objects.bulk_create([Council(schema_name="ghost", slug="ghost", name="Ghost")])
    outcomes = councils_run(
        "community.tasks.expire_verifications", ["dinan", "ghost", "saint_malo"]
    )
    assert outcomes["dinan"] == outcomes["saint_malo"] == "ok"
    assert outcomes["ghost"].startswith("ProgrammingError")  # no schema, no tables
    with connection.cursor() as cursor:  # the test's transaction is still usable
        cursor.execute("SELECT 1")
