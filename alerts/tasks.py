"""Celery tasks of the alert pipeline: thin, take ids, idempotent (alerts/services/delivery.py
explains why running one twice, even concurrently, sends nothing twice)."""

import time

from celery import shared_task

from .services.delivery import alert_batch_deliver

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
