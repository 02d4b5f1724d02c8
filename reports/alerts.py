"""The alerts report for a period: figures from `alerts.statistics` (SQL aggregates), laid out
as a PDF like the street issues report (cover, contents, running header and footer)."""

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.statistics import alert_figures
from civic.statistics import period_of_days
from tenants.models import current_council

from .consultation import council_logo
from .models import Report
from .street import parse_period, period_report_render
from .templatetags.report_format import day


def alerts_title(parameters: dict[str, Any]) -> str:
    first, last = parse_period(parameters)
    return _("SMS alerts from %(start)s to %(end)s") % {"start": day(first), "end": day(last)}


def alerts_report_context(report: Report, first: datetime.date, last: datetime.date) -> dict:
    period = period_of_days(first, last)
    council = current_council()
    return {
        "council": council,
        "logo": council_logo(council),
        "report": report,
        "title": report.title,
        "figures": alert_figures(period.start, period.end),
        "first": first,
        "last": last,
        "generated_at": timezone.now(),
        "generated_by": report.requested_by.full_name if report.requested_by else "",
        "language": report.language or council.default_language,
    }


def alerts_report_render(*, report: Report, progress: Callable[[int], None]) -> Any:
    from .selectors import alerts_csv

    return period_report_render(
        report=report,
        progress=progress,
        template="reports/alerts.html",
        context_for=alerts_report_context,
        figures_csv=alerts_csv,
    )
