"""Celery tasks of the alerts app: thin, take ids, idempotent (alerts/services/delivery.py
explains why running a batch twice, even concurrently, sends nothing twice). Tasks import
services; services enqueue tasks after commit and import this module only when they do."""

import time

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tenants.fanout import councils_fan_out

from .services.delivery import alert_batch_deliver
from .services.privacy import delivery_phones_erase_expired

# An eager run (tests without a worker) cannot be retried later by Celery: it waits instead,
# a bounded number of times.
EAGER_RETRIES = 50


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def alert_batch_send(self, alert_id: int, batch: int) -> int:
    handed_over = 0
    for _round in range(EAGER_RETRIES):
        result = alert_batch_deliver(alert_id=alert_id, batch=batch)
        handed_over += result.handed_over
        if result.retry_in is None:
            return handed_over
        if not self.request.is_eager:
            raise self.retry(countdown=result.retry_in)
        time.sleep(result.retry_in)
    return handed_over


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
