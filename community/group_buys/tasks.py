"""Closing group buys at their deadline: beat fans out to every council, each council closes
what is due and emails households. Every task is idempotent (see services)."""

from celery import shared_task
from django.db import OperationalError

from tenants.fanout import councils_fan_out

from . import services


@shared_task(autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=5)
def close_due_group_buys() -> list[int]:
    """In the council whose schema the task carries."""
    return services.group_buys_close_due()


@shared_task
def close_due_group_buys_everywhere() -> None:
    """Fan out from beat (public schema): batches of councils, behind the alert batches."""
    councils_fan_out(close_due_group_buys)


@shared_task(autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=5)
def notify_group_buy(group_buy_id: int) -> int:
    return services.group_buy_notify(group_buy_id=group_buy_id)
