"""Emails of street reporting leave the request; these tasks run in the council's schema
(tenant-schemas-celery) and are safe to run twice."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_report_notifications(event_id: int) -> int:
    return services.report_notifications_send(event_id=event_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_moderation_notice(event_id: int) -> None:
    services.moderation_notice_send(event_id=event_id)
