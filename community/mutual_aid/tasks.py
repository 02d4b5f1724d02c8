"""Mutual aid's emails and periodic work. Tasks run in the council's schema
(tenant-schemas-celery), take ids, and are safe to run twice."""

from celery import shared_task

from tenants.fanout import councils_fan_out

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_conversation_notifications(conversation_id: int) -> int:
    return services.conversation_notifications_send(conversation_id=conversation_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_moderation_notice(kind: str, object_id: int) -> None:
    services.moderation_notice_send(kind=kind, object_id=object_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def mutual_aid_periodic() -> int:
    """Loan reminders due today, and grouped message emails whose scheduled send was lost."""
    sent = services.loan_reminders_send()
    for conversation_id in services.conversations_with_due_emails():
        sent += services.conversation_notifications_send(conversation_id=conversation_id)
    return sent


@shared_task
def mutual_aid_periodic_everywhere() -> None:
    """Fan out from beat (public schema): batches of councils, behind the alerts."""
    councils_fan_out(mutual_aid_periodic)
