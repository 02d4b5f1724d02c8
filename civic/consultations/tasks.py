"""Consultation emails and the mixing of ballot boxes. Tasks run in the council's schema
(tenant-schemas-celery); beat fans out from the public schema to every council."""

from celery import shared_task

from tenants.fanout import councils_fan_out

from . import notifications, services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_opening(consultation_id: int) -> int:
    return notifications.opening_send(consultation_id=consultation_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_outcome(consultation_id: int) -> int:
    return notifications.outcome_send(consultation_id=consultation_id)


@shared_task
def periodic() -> None:
    """In the council whose schema the task carries: opening emails of consultations that
    opened by their date, reminders two days before close, and mixing of ballot boxes."""
    notifications.due_send()
    services.ballots_mix_open()


@shared_task
def periodic_everywhere() -> None:
    """Fan out from beat (public schema): batches of councils, behind the alert batches."""
    councils_fan_out(periodic)
