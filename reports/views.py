"""The staff portal's Reports area: the list (with live progress), requesting a report, its
progress as JSON, and the file. Each view parses, calls one service or selector, and renders."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from community.storage import private_document_storage
from core.csv import csv_response

from . import policy, selectors, services
from .models import PERIOD_KINDS, Report, ReportKind, ReportStatus

reports_required = role_required(*policy.REPORT_ROLES)


def _progress(report: Report) -> dict:
    return {
        "id": report.pk,
        "status": report.status,
        "status_label": report.get_status_display(),
        "progress": report.progress,
        "reason": report.reason,
        "file": reverse("reports_staff:file", args=[report.pk])
        if report.status == ReportStatus.DONE
        else None,
    }


@reports_required
def report_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/staff/list.html",
        {
            "reports": selectors.reports_visible_to(request.user)[:200],
            "consultations": selectors.consultations_reportable(),
            "last_month": selectors.last_month(),
        },
    )


@reports_required
@require_POST
def report_request(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    subject_id: int | None = None
    parameters: dict[str, str] = {}
    if kind in PERIOD_KINDS:
        parameters = {
            "start": request.POST.get("start", "")[:10],
            "end": request.POST.get("end", "")[:10],
        }
    else:
        try:
            subject_id = int(request.POST.get("subject", ""))
        except ValueError:
            subject_id = 0
    if kind not in ReportKind.values:
        messages.error(request, _("Unknown kind of report."))
        return redirect("reports_staff:list")
    try:
        report = services.report_request(
            actor=request.user, kind=kind, subject_id=subject_id, parameters=parameters
        )
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("reports_staff:list")
    messages.success(
        request, _("The report is being generated (version %(v)s).") % {"v": report.version}
    )
    return redirect("reports_staff:list")


@reports_required
def report_progress(request: HttpRequest, pk: int) -> JsonResponse:
    report = selectors.report_for(request.user, pk)
    if report is None:
        raise Http404
    response = JsonResponse(_progress(report))
    response["Cache-Control"] = "private, no-store"
    return response


def _stored_file(name: str, filename: str, content_type: str) -> HttpResponse:
    """A file of the council's private storage; behind nginx, sent from an internal location."""
    prefix = getattr(settings, "PRIVATE_MEDIA_X_ACCEL_PREFIX", "")
    response: HttpResponse
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{connection.schema_name}/{name}"
    else:
        try:
            handle = private_document_storage().open(name, "rb")
        except FileNotFoundError as error:
            raise Http404 from error
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@reports_required
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF, to the roles allowed only."""
    report = selectors.report_for(request.user, pk)
    if report is None or report.status != ReportStatus.DONE or not report.file:
        raise Http404
    return _stored_file(report.file, services.download_name(report), "application/pdf")


@reports_required
def report_appendix(request: HttpRequest, pk: int) -> HttpResponse:
    """The appendix of a report that has one as a document of its own (same roles)."""
    report = selectors.report_for(request.user, pk)
    if report is None or report.status != ReportStatus.DONE or not report.appendix_file:
        raise Http404
    return _stored_file(
        report.appendix_file, services.download_name(report, "appendix"), "application/pdf"
    )


@reports_required
def report_figures_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's figures as CSV (suppressed cells stay suppressed: "<5")."""
    report = selectors.report_for(request.user, pk)
    if report is None:
        raise Http404
    if report.status == ReportStatus.DONE and report.csv_file:
        # Written with the PDF: the figures as they were when the PDF was made.
        return _stored_file(
            report.csv_file,
            services.download_name(report, extension="csv"),
            "text/csv; charset=utf-8",
        )
    figures = selectors.report_figures(report)
    if figures is None:
        raise Http404
    header, rows = figures
    return csv_response(f"report-{report.kind}-{report.subject_id or 0}", header, rows)
