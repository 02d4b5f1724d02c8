from celery import shared_task

from .fanout import councils_run
from .spares import spares_refill


@shared_task
def refill_spare_schemas() -> int:
    """Top up the pool of ready council schemas (idempotent; runs in the public schema)."""
    return spares_refill()


@shared_task
def run_in_councils(task_name: str, schemas: list[str]) -> dict[str, str]:
    """One batch of a fan-out (tenants/fanout.py): `task_name` in each of these councils."""
    return councils_run(task_name, schemas)
