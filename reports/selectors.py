"""Reads of reports, each applying who may see them."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from civic.consultations.models import Consultation
from civic.consultations.selectors import staff_consultations

from . import policy
from .models import Report, ReportKind


def reports_visible_to(user: User | None) -> QuerySet[Report]:
    if not policy.may_use_reports(user):
        return Report.objects.none()
    return Report.objects.select_related("requested_by").order_by("-requested_at", "-pk")


def report_for(user: User | None, pk: int) -> Report | None:
    return reports_visible_to(user).filter(pk=pk).first()


def consultations_reportable() -> QuerySet[Consultation]:
    """Consultations a report can be made of: scheduled ones (drafts have no results)."""
    return staff_consultations().filter(scheduled_at__isnull=False)


def last_month() -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month before this one (the default period)."""
    first_of_this = timezone.localdate().replace(day=1)
    last = first_of_this - datetime.timedelta(days=1)
    return last.replace(day=1), last


Figures = tuple[list[str], list[list[Any]]]


def report_figures(report: Report) -> Figures | None:
    """The figures of the report as CSV (header, rows), from the selectors that own them,
    as they are now (None when the subject is gone or the period is wrong). A generated report
    has its own CSV, written with its PDF (`Report.csv_file`): this is for the others."""
    if report.kind == ReportKind.CONSULTATION:
        from civic.consultations import selectors as consultation_selectors

        consultation = Consultation.objects.filter(pk=report.subject_id or 0).first()
        if consultation is None:
            return None
        return consultation_csv(consultation_selectors.results(consultation))
    if report.kind in (ReportKind.STREET, ReportKind.ALERTS):
        from civic.statistics import period_of_days

        from .street import parse_period

        try:
            first, last = parse_period(report.parameters)
        except ValueError:
            return None
        period = period_of_days(first, last)
        if report.kind == ReportKind.STREET:
            from civic.statistics import street_figures

            return street_csv(street_figures(period))
        from alerts.statistics import alert_figures

        return alerts_csv(alert_figures(period.start, period.end))
    return None


def consultation_csv(data: dict[str, Any]) -> Figures:
    """A consultation's results (`civic.consultations.selectors.results`) as CSV."""
    from civic.consultations import selectors as consultation_selectors

    hoods = data["questions"][0].get("neighbourhoods", []) if data["questions"] else []
    header = ["question", "answer", "count", "percent", "borda", *hoods]
    return header, consultation_selectors.results_rows(data)


def street_csv(figures: dict[str, Any]) -> Figures:
    """Street figures (`civic.statistics.street_figures`) as CSV, one row per category."""
    header = [
        "category",
        "reports",
        "previous_period",
        "open",
        "fixed",
        "median_days_to_fix",
        "target_days",
        "fixed_within_target",
    ]
    rows = [
        [
            c["name"],
            c["reports"],
            c["previous"],
            c["open"],
            c["fixed"],
            c["median_days"],
            c["target_days"],
            c["within_target"],
        ]
        for c in figures["by_category"]
    ]
    return header, rows


ALERT_TOTALS = (
    "alerts_sent",
    "addressed",
    "handed_over",
    "reached",
    "delivery_rate",
    "failed",
    "awaiting",
    "segments",
    "test_segments",
    "segment_price",
    "cost",
    "optouts",
    "optouts_by_reply",
    "optouts_by_provider",
    "opted_in",
)


def alerts_csv(figures: dict[str, Any]) -> Figures:
    """Alert figures (`alerts.statistics.alert_figures`) as (figure, detail, value) rows: the
    totals, then each failure reason (with its error codes) and each alert."""
    rows: list[list[Any]] = [[name, "", figures[name]] for name in ALERT_TOTALS]
    rows += [
        [
            "failures",
            f"{f['reason']} ({' '.join(map(str, f['codes']))})".replace(" ()", ""),
            f["count"],
        ]
        for f in figures["failures"]
    ]
    for a in figures["alerts"]:
        for name in ("addressed", "handed_over", "reached", "failed", "segments"):
            rows.append([f"alert_{name}", f"{a['id']}: {a['headline']}", a[name]])
    return ["figure", "detail", "value"], rows
