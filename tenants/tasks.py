from celery import shared_task

from .spares import spares_refill


@shared_task
def refill_spare_schemas() -> int:
    """Top up the pool of ready council schemas (idempotent; runs in the public schema)."""
    return spares_refill()
