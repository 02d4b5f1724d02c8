"""Periodic work in every council, in batches, behind the alerts.

A beat task that enqueued one task per council sent 1,000 messages per pass onto the queue alert
batches use, each paying a worker round trip and a tenant lookup (24 s of worker time per pass
at 1,000 councils). `councils_fan_out(task)` sends one message per TENANTS_FANOUT_BATCH_SIZE
councils instead, on TENANTS_FANOUT_QUEUE at the lowest priority: on a shared queue the Redis
transport hands out every alert batch (priority 0, the default) before any of these (9); in
production the fan-out gets a queue of its own that alert workers do not consume.

The batch task runs the council task's body in each council of its batch, each council in its
own transaction: one council's failure is logged and does not stop the others (the next pass
retries it; these tasks are idempotent)."""

import logging
from importlib import import_module

from celery import current_app
from celery.app.task import Task
from django.conf import settings
from django.db import transaction
from django_tenants.utils import tenant_context

from .models import Council

logger = logging.getLogger(__name__)

LOWEST_PRIORITY = 9  # Redis transport: 0 is served first, 9 last


def fanout_options() -> dict:
    """Where fan-out work goes: queue and priority (also used by CELERY_TASK_ROUTES)."""
    return {"queue": settings.TENANTS_FANOUT_QUEUE, "priority": LOWEST_PRIORITY}


def councils_fan_out(task: Task, batch_size: int | None = None) -> int:
    """Run `task` (a task taking no arguments, written for one council) in every active
    council, `batch_size` councils per message. Call from the public schema. Returns the
    number of messages sent."""
    size = batch_size or settings.TENANTS_FANOUT_BATCH_SIZE
    schemas = list(
        Council.objects.filter(is_active=True, is_template=False)
        .order_by("pk")
        .values_list("schema_name", flat=True)
    )
    batches = [schemas[start : start + size] for start in range(0, len(schemas), size)]
    from .tasks import run_in_councils

    for batch in batches:
        run_in_councils.apply_async(args=[task.name, batch], **fanout_options())
    return len(batches)


def councils_run(task_name: str, schemas: list[str]) -> dict[str, str]:
    """The body of task `task_name`, in each of these councils (from the public schema).
    Returns each council's outcome ("ok" or the error), for the logs and the tests."""
    # Outside a worker (a shell, a test) nothing autodiscovered the task modules.
    import_module(task_name.rsplit(".", 1)[0])
    task = current_app.tasks[task_name]
    outcomes: dict[str, str] = {}
    for council in Council.objects.filter(schema_name__in=schemas, is_active=True):
        try:
            with tenant_context(council), transaction.atomic():
                task.run()
            outcomes[council.schema_name] = "ok"
        except Exception as error:  # one council's failure must not stop the batch
            logger.exception("%s failed in council %s", task_name, council.schema_name)
            outcomes[council.schema_name] = f"{type(error).__name__}: {error}"
    return outcomes
