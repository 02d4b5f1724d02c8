"""Account emails leave the request: they are sent by the worker, in the council's schema
(tenant-schemas-celery puts the schema in the task headers)."""

from celery import shared_task

from . import services
from .models import User


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email_confirmation(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None and not user.email_confirmed:
        services.email_confirmation_send(user=user)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_staff_invitation(user_id: int, invited_by_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    invited_by = User.objects.filter(pk=invited_by_id).first()
    if user is not None:
        services.staff_invitation_send(user=user, invited_by=invited_by)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_sign_up_notice(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        services.sign_up_notice_send(user=user)
