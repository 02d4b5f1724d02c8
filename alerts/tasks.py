"""Celery tasks of the alerts app: thin, take ids, idempotent (alerts/services/delivery.py
explains why running a batch twice, even concurrently, sends nothing twice). Tasks import
services; services enqueue tasks after commit and import this module only when they do."""

import logging
import random
import time

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection
from redis.exceptions import RedisError

from tenants.fanout import councils_fan_out

from .services.delivery import alert_batch_deliver
from .services.privacy import delivery_phones_erase_expired
from .services.redrive import alerts_redrive_everywhere

logger = logging.getLogger(__name__)

# An eager run (tests without a worker) cannot be retried later by Celery: it waits instead,
# a bounded number of times.
EAGER_RETRIES = 50
# PostgreSQL or Redis unreachable (restart, failover): the batch is tried again in the task
# itself, with backoff, for up to TRANSIENT_INLINE_SECONDS, then retried through Celery with
# backoff, never failed (a failed task is acknowledged, and its batch would wait for the
# re-driver). Waiting in the task comes first because the broker may be what is down: when the
# Redis that is both pacer and broker restarted, every retry published to it was lost and the
# batches waited for the re-driver (+45 s at 10,000 recipients, bench/bench_alert_faults.py).
# A worker killed while it waits leaves its task unacknowledged, like any other.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, RedisError)
TRANSIENT_INLINE_SECONDS = 30.0
TRANSIENT_BACKOFF_MAX = 30.0


def _jitter(seconds: float) -> float:
    return seconds * random.uniform(0.8, 1.2)  # noqa: S311  (jitter)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def alert_batch_send(self, alert_id: int, batch: int) -> int:
    handed_over = 0
    rounds = 0
    outage_since: float | None = None  # the first of consecutive transient errors
    pause = 0.5
    while True:
        try:
            result = alert_batch_deliver(alert_id=alert_id, batch=batch)
        except TRANSIENT_ERRORS as error:
            if self.request.is_eager:
                raise
            connection.close()  # reconnect on the next try, not on a dead socket
            now = time.monotonic()
            outage_since = outage_since or now
            if now - outage_since + pause <= TRANSIENT_INLINE_SECONDS:
                logger.warning(
                    "alert %s batch %s: %s; trying again in %.1f s", alert_id, batch, error, pause
                )
                time.sleep(_jitter(pause))
                pause = min(pause * 2, 8.0)
                continue
            delay = _jitter(min(2.0**self.request.retries, TRANSIENT_BACKOFF_MAX))
            logger.warning(
                "alert %s batch %s: %s; retrying in %.0f s", alert_id, batch, error, delay
            )
            raise self.retry(countdown=delay, exc=error) from error
        outage_since, pause = None, 0.5
        handed_over += result.handed_over
        if result.retry_in is None:
            return handed_over
        if not self.request.is_eager:
            raise self.retry(countdown=result.retry_in)
        rounds += 1
        if rounds >= EAGER_RETRIES:
            return handed_over
        time.sleep(result.retry_in)


@shared_task(ignore_result=True)
def redrive_alerts() -> int:
    """From beat (public schema), every ALERTS_REDRIVE_SECONDS: enqueue again the batches of
    alerts that stopped moving, in every council (alerts/services/redrive.py). One run at a
    time across workers; a run that cannot reach PostgreSQL or Redis just waits for the next."""
    try:
        return alerts_redrive_everywhere()
    except TRANSIENT_ERRORS as error:
        connection.close()
        logger.warning("alerts re-driver: %s; trying again at its next run", error)
        return 0


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    max_retries=5,
    acks_late=True,
)
def erase_expired_phone_numbers() -> int:
    """In the council whose schema the task carries: erase the phone numbers of delivery records
    older than the council's retention period (AlertSettings.delivery_retention_days)."""
    return delivery_phones_erase_expired()


@shared_task
def erase_expired_phone_numbers_everywhere() -> None:
    """Fan out from beat (public schema): batches of councils, behind the alert batches.
    Scheduled daily by CELERY_BEAT_SCHEDULE["alerts-erase-expired-phone-numbers"]."""
    councils_fan_out(erase_expired_phone_numbers)
