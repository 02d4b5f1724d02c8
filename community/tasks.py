"""Periodic work: expiring co-optation requests and postcard codes in every council."""

from celery import shared_task
from django_tenants.utils import tenant_context

from tenants.models import Council

from . import services


@shared_task
def expire_verifications() -> int:
    """In the council whose schema the task carries."""
    return services.verifications_expire_due()


@shared_task
def expire_verifications_everywhere() -> None:
    """Fan out from beat (public schema): one task per active council."""
    for council in Council.objects.filter(is_active=True, is_template=False):
        with tenant_context(council):
            expire_verifications.delay()


# Mutual aid's tasks live in their sub-package: imported here so workers register them.
from .mutual_aid import tasks as mutual_aid_tasks  # noqa: E402, F401
