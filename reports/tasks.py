"""Report generation. Tasks run in the council's schema (tenant-schemas-celery) and take ids."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tenants.fanout import councils_fan_out

from . import schedule, services


@shared_task(
    autoretry_for=(OperationalError, InterfaceError, OSError),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def generate_report(report_id: int) -> str | None:
    report = services.report_generate(report_id=report_id)
    return report.status if report else None


@shared_task(
    autoretry_for=(OperationalError, InterfaceError, OSError),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def generate_appendix(report_id: int) -> str | None:
    report = services.appendix_generate(report_id=report_id)
    return report.appendix_status if report else None


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def monthly_street_report() -> int:
    """The past month's street issues report in this council (reports.schedule: idempotent)."""
    return schedule.monthly_street_report_ensure().report_id


@shared_task
def monthly_street_reports_everywhere() -> None:
    councils_fan_out(monthly_street_report)


@shared_task
def redrive() -> int:
    return services.reports_redrive()


@shared_task
def redrive_everywhere() -> None:
    councils_fan_out(redrive)
