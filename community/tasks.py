"""Periodic work: expiring co-optation requests and postcard codes in every council."""

from celery import shared_task

from tenants.fanout import councils_fan_out

from . import services


@shared_task
def expire_verifications() -> int:
    """In the council whose schema the task carries."""
    return services.verifications_expire_due()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_verification_decision(event_id: int) -> bool:
    """Email a verification decision to its resident (once: see the service)."""
    return services.verification_decision_notice_send(event_id=event_id)


@shared_task
def expire_verifications_everywhere() -> None:
    """Fan out from beat (public schema): batches of councils, behind the alerts."""
    councils_fan_out(expire_verifications)


# Mutual aid's tasks live in their sub-package: imported here so workers register them.
from .mutual_aid import tasks as mutual_aid_tasks  # noqa: E402, F401
