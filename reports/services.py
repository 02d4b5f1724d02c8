"""Writes of reports: requesting one (a new version), and generating it (run by the task).

Generation is idempotent. The report row is the truth: a task claims it (queued or running →
running), renders, writes the PDF under a name fixed by the report (never a second file), and
marks it done only if it is still running. A task run again for a finished report does nothing.

Work in flight when a worker dies: the row stays "running" with its `started_at`. Celery runs
with `acks_late` and `task_reject_on_worker_lost`, so the broker redelivers the task; the new run
claims the row again (attempts + 1) and renders from the start, overwriting the same file name.
If the broker lost the message too, `reports_redrive` (beat) re-enqueues reports left queued or
running for longer than `STALE_AFTER`.
"""

import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import OperationalError, connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from civic.consultations.models import Consultation
from community.storage import private_document_storage
from core.audit import audit_record
from core.csv import csv_lines
from tenants.models import current_council

from . import policy
from .models import Report, ReportKind, ReportStatus, ScheduledReport

logger = logging.getLogger(__name__)

STALE_AFTER = datetime.timedelta(minutes=30)


class GenerationError(Exception):
    """A report that cannot be generated, with the reason staff will read."""


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    pages: int
    # The appendix is a document of its own, generated next (`appendix_generate`).
    appendix_pending: bool = False
    # The CSV of the figures (header, rows), from the same data as the PDF.
    figures: tuple[list[str], list[list[Any]]] | None = None


Progress = Callable[[int], None]


def _title(kind: str, subject_id: int | None, parameters: dict[str, Any]) -> str:
    if kind == ReportKind.STREET:
        from .street import street_title

        try:
            return street_title(parameters)
        except ValueError as error:
            raise ValidationError(
                _("Give a period of at most a year: its first and last day.")
            ) from error
    if kind == ReportKind.ALERTS:
        from .alerts import alerts_title

        try:
            return alerts_title(parameters)
        except ValueError as error:
            raise ValidationError(
                _("Give a period of at most a year: its first and last day.")
            ) from error
    if kind == ReportKind.CONSULTATION:
        consultation = Consultation.objects.filter(pk=subject_id).first() if subject_id else None
        if consultation is None:
            raise ValidationError(_("This consultation does not exist."))
        return consultation.title
    raise ValidationError(_("Unknown kind of report."))


@transaction.atomic
def report_request(
    *,
    actor: User,
    kind: str,
    subject_id: int | None = None,
    parameters: dict[str, Any] | None = None,
) -> Report:
    """A new version of the report of `kind` about `subject_id`, queued for generation."""
    if not policy.may_use_reports(actor):
        raise PermissionDenied(_("You may not request reports."))
    parameters = dict(parameters or {})
    language = current_council().default_language
    # The title is part of the document: in the council's language, like the PDF.
    with translation.override(language):
        title = _title(kind, subject_id, parameters)
    # Two requests at once for the same subject must not both take the same version number.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [f"report:{kind}", subject_id or 0]
        )
    latest = Report.objects.filter(
        kind=kind, subject_id=subject_id, parameters=parameters
    ).aggregate(v=Max("version"))
    report = Report.objects.create(
        kind=kind,
        subject_id=subject_id,
        parameters=parameters,
        version=(latest["v"] or 0) + 1,
        title=title,
        requested_by=actor,
        language=language,
    )
    audit_record(
        actor=actor,
        action="reports.report_request",
        target=report,
        data={"kind": kind, "subject_id": subject_id, "version": report.version},
    )
    _enqueue(report.pk)
    return report


def _enqueue(report_id: int) -> None:
    def send() -> None:
        from . import tasks

        tasks.generate_report.delay(report_id)

    transaction.on_commit(send)


def _enqueue_appendix(report_id: int) -> None:
    def send() -> None:
        from . import tasks

        tasks.generate_appendix.delay(report_id)

    transaction.on_commit(send)


def appendix_generate(*, report_id: int) -> Report | None:
    """Generate the separate appendix of a done report whose appendix is queued (or was
    running when its worker died: written again under the same name). Idempotent like
    `report_generate`: a finished appendix is left alone."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update()
            .filter(
                pk=report_id,
                status=ReportStatus.DONE,
                appendix_status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING),
            )
            .first()
        )
        if report is None:
            return Report.objects.filter(pk=report_id).first()
        report.appendix_status = ReportStatus.RUNNING
        report.save(update_fields=["appendix_status"])
    from .consultation import consultation_appendix_render

    running = Report.objects.filter(pk=report_id, appendix_status=ReportStatus.RUNNING)
    with translation.override(report.language or current_council().default_language):
        try:
            pdf, pages = consultation_appendix_render(report=report)
        except OperationalError:
            raise  # transient: the task retries, the appendix stays running
        except Exception:
            logger.exception("appendix of report %s failed", report_id)
            running.update(appendix_status=ReportStatus.FAILED)
            return Report.objects.get(pk=report_id)
    name = _store(file_name(report, "appendix"), pdf)
    running.update(
        appendix_status=ReportStatus.DONE,
        appendix_file=name,
        appendix_pages=pages,
        appendix_size=len(pdf),
    )
    return Report.objects.get(pk=report_id)


def _claim(report_id: int) -> Report | None:
    """The report, now running, or None when there is nothing to do (unknown or finished)."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.is_finished:
            return None
        report.status = ReportStatus.RUNNING
        report.attempts += 1
        report.progress = 1
        report.started_at = timezone.now()
        report.save(update_fields=["status", "attempts", "progress", "started_at"])
        return report


def _progress(report_id: int, percent: int) -> None:
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        progress=max(1, min(99, percent))
    )


def _fail(report: Report, reason: str) -> None:
    Report.objects.filter(pk=report.pk, status=ReportStatus.RUNNING).update(
        status=ReportStatus.FAILED, reason=reason[:500], finished_at=timezone.now()
    )


def file_name(report: Report, part: str = "", extension: str = "pdf") -> str:
    """Fixed by the report (and the part: "" for the report, "appendix"): a second run writes
    over the first, never beside it."""
    subject = report.subject_id or 0
    suffix = f"-{part}" if part else ""
    return f"reports/{report.kind}-{subject}-v{report.version}-r{report.pk}{suffix}.{extension}"


def download_name(report: Report, part: str = "", extension: str = "pdf") -> str:
    """The file name a download gets (the report says where its appendix is by this name)."""
    suffix = f"-{part}" if part else ""
    return f"report-{report.kind}-{report.subject_id or 0}-v{report.version}{suffix}.{extension}"


def _store(name: str, data: bytes) -> str:
    storage = private_document_storage()
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(data))


def _render(report: Report, progress: Progress) -> RenderedReport:
    if report.kind == ReportKind.CONSULTATION:
        from .consultation import consultation_report_render

        return consultation_report_render(report=report, progress=progress)
    if report.kind == ReportKind.STREET:
        from .street import street_report_render

        return street_report_render(report=report, progress=progress)
    if report.kind == ReportKind.ALERTS:
        from .alerts import alerts_report_render

        return alerts_report_render(report=report, progress=progress)
    raise GenerationError(_("Unknown kind of report."))


def report_generate(*, report_id: int) -> Report | None:
    """Generate the report's PDF (see the module docstring); the report, or None if unknown."""
    report = _claim(report_id)
    if report is None:
        return Report.objects.filter(pk=report_id).first()
    council = current_council()
    with translation.override(report.language or council.default_language):
        try:
            rendered = _render(report, lambda p: _progress(report_id, p))
        except GenerationError as error:
            _fail(report, str(error))
            return Report.objects.get(pk=report_id)
        except OperationalError:
            # Transient (database restarting): the task retries; the row stays running.
            raise
        except Exception as error:
            logger.exception("report %s failed", report_id)
            _fail(report, _("Generation failed (%(error)s).") % {"error": type(error).__name__})
            return Report.objects.get(pk=report_id)
    saved = _store(file_name(report), rendered.pdf)
    figures = ""
    if rendered.figures is not None:
        header, rows = rendered.figures
        figures = _store(
            file_name(report, "figures", "csv"), "".join(csv_lines(header, rows)).encode()
        )
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        status=ReportStatus.DONE,
        file=saved,
        csv_file=figures,
        appendix_status=ReportStatus.QUEUED if rendered.appendix_pending else "",
        pages=rendered.pages,
        size=len(rendered.pdf),
        sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        progress=100,
        reason="",
        finished_at=timezone.now(),
    )
    report = Report.objects.get(pk=report_id)
    if report.status == ReportStatus.DONE and report.appendix_status == ReportStatus.QUEUED:
        _enqueue_appendix(report.pk)
    if report.status == ReportStatus.DONE:
        from .schedule import scheduled_report_done

        try:
            scheduled_report_done(report)
        except Exception:
            # The report is done; the officials' email is sent again by `reports_redrive`.
            logger.exception("email about scheduled report %s failed", report_id)
    return report


def reports_redrive() -> int:
    """Re-enqueue reports whose task the broker lost (queued or running for too long)."""
    cutoff = timezone.now() - STALE_AFTER
    stale = list(
        Report.objects.filter(
            status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING), requested_at__lt=cutoff
        )
        .exclude(started_at__gte=cutoff)
        .values_list("pk", flat=True)[:100]
    )
    from . import tasks
    from .schedule import scheduled_report_notify

    for pk in stale:
        tasks.generate_report.delay(pk)
    # Appendices whose task was lost after their report was done.
    for pk in Report.objects.filter(
        status=ReportStatus.DONE,
        appendix_status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING),
        finished_at__lt=cutoff,
    ).values_list("pk", flat=True)[:100]:
        tasks.generate_appendix.delay(pk)
    # Scheduled reports done whose officials' email was lost (worker gone, mail server down).
    for scheduled in ScheduledReport.objects.filter(
        notified_at__isnull=True, report__status=ReportStatus.DONE
    ).values_list("pk", flat=True)[:100]:
        scheduled_report_notify(scheduled_id=scheduled)
    return len(stale)
