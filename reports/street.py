"""The street issues report for a period: figures from `civic.statistics` (SQL aggregates),
laid out as a PDF with a static SVG map of the period's reports (no tile server)."""

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.statistics import Period, period_of_days, street_figures, street_map
from tenants.models import current_council

from .consultation import council_logo
from .models import Report
from .pdf import pdf_write
from .templatetags.report_format import day

# A longer period would make the comparison and the map meaningless.
MAX_DAYS = 366


def parse_period(parameters: dict[str, Any]) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the period in `parameters`; ValueError when they are wrong."""
    first = datetime.date.fromisoformat(str(parameters.get("start", "")))
    last = datetime.date.fromisoformat(str(parameters.get("end", "")))
    if last < first or (last - first).days >= MAX_DAYS:
        raise ValueError("bad period")
    return first, last


def street_title(parameters: dict[str, Any]) -> str:
    first, last = parse_period(parameters)
    return _("Street reports from %(start)s to %(end)s") % {"start": day(first), "end": day(last)}


def _change(now: int, before: int) -> float | None:
    return round(100 * (now - before) / before, 1) if before else None


def _dots(points: list[dict[str, Any]], radius: float = 2.2) -> str:
    """Points as the subpaths of one SVG path of small discs: one element instead of one circle
    per report (thousands of SVG elements made the PDF's layout and tagging slow)."""
    return " ".join(
        f"M{float(x) - radius:.1f} {y}a{radius} {radius} 0 1 0 {2 * radius} 0"
        f"a{radius} {radius} 0 1 0 {-2 * radius} 0z"
        for x, y in (p["xy"] for p in points)
    )


def _map_with_dots(drawn: dict[str, Any] | None) -> dict[str, Any] | None:
    if drawn is None:
        return None
    return {
        **drawn,
        "open_dots": _dots([p for p in drawn["points"] if p["open"]]),
        "closed_dots": _dots([p for p in drawn["points"] if not p["open"]]),
    }


def street_report_context(report: Report, period: Period) -> dict[str, Any]:
    figures = street_figures(period)
    previous = period.previous
    return {
        "council": current_council(),
        "logo": council_logo(current_council()),
        "report": report,
        "title": report.title,
        "figures": figures,
        "change": _change(figures["total"], figures["previous_total"]),
        "map": _map_with_dots(street_map(period)),
        "first": period.start,
        "last": period.end - datetime.timedelta(days=1),
        "previous_first": previous.start,
        "previous_last": previous.end - datetime.timedelta(days=1),
        "generated_at": timezone.now(),
        "generated_by": report.requested_by.full_name if report.requested_by else "",
        "language": report.language or current_council().default_language,
    }


def period_report_render(
    *,
    report: Report,
    progress: Callable[[int], None],
    template: str,
    context_for: Callable[[Report, datetime.date, datetime.date], dict[str, Any]],
    figures_csv: Callable[[dict[str, Any]], tuple[list[str], list[list[Any]]]],
) -> Any:
    """A report over a period of days (street issues, alerts): its context in the council's
    time zone, the HTML, then the tagged PDF and the CSV of the same figures."""
    import weasyprint

    from .services import GenerationError, RenderedReport

    council = current_council()
    with timezone.override(council.timezone):
        try:
            first, last = parse_period(report.parameters)
        except ValueError as error:
            raise GenerationError(_("The period of the report is not valid.")) from error
        context = context_for(report, first, last)
        progress(30)
        html = render_to_string(template, context)
    progress(50)
    document = weasyprint.HTML(string=html, base_url=str(Path.cwd())).render()
    progress(85)
    pdf = pdf_write(document)
    return RenderedReport(
        pdf=pdf, pages=len(document.pages), figures=figures_csv(context["figures"])
    )


def street_report_render(*, report: Report, progress: Callable[[int], None]) -> Any:
    from .selectors import street_csv

    return period_report_render(
        report=report,
        progress=progress,
        template="reports/street.html",
        context_for=lambda r, first, last: street_report_context(r, period_of_days(first, last)),
        figures_csv=street_csv,
    )
